"""The player page (`viewer/`: index.html, app.js, style.css) and its export as one self-contained file.

One static page serves both the live viewer and the classroom copy: export only inlines the script, the
style and the payload, so there is one player to maintain and to test in a browser.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from sim.replay.store import ReplayError
from sim.replay.viewer_data import payload, to_json
from sim.results import FRAMES_FILE, OUTPUT_FILES, durable_temp

VIEWER_DIR = Path(__file__).parent / "viewer"
#: What the server serves from VIEWER_DIR: route -> (file, content type).
VIEWER_FILES = {"/": ("index.html", "text/html"), "/index.html": ("index.html", "text/html"),
                "/app.js": ("app.js", "text/javascript"), "/branch.js": ("branch.js", "text/javascript"),
                "/style.css": ("style.css", "text/css")}
#: The player's parts in scripts of their own (charts, map, training room), served and inlined like app.js.
MODULES = ("charts.js", "map.js", "training.js")
VIEWER_FILES.update({f"/{name}": (name, "text/javascript") for name in MODULES})


def viewer_html(data: dict[str, Any] | None) -> str:
    """The player page; with `data`, a single self-contained file (scripts, styles and recording inline)."""
    html = (VIEWER_DIR / "index.html").read_text()
    if data is None:
        return html
    script = (VIEWER_DIR / "app.js").read_text()
    style = (VIEWER_DIR / "style.css").read_text()
    blob = to_json(data).replace("</", "<\\/")  # no `</script>` inside the inlined data
    html = html.replace('<link rel="stylesheet" href="style.css">', f"<style>\n{style}\n</style>")
    branch = (VIEWER_DIR / "branch.js").read_text()
    html = html.replace('<script src="branch.js"></script>', f"<script>\n{branch}\n</script>")
    for name in MODULES:
        module = (VIEWER_DIR / name).read_text()
        html = html.replace(f'<script src="{name}"></script>', f"<script>\n{module}\n</script>")
    return html.replace('<script src="app.js"></script>',
                        f"<script>window.RECORDING = {blob};</script>\n<script>\n{script}\n</script>")


def export(run_dir: str | Path, html_file: str | Path, force: bool = False) -> Path:
    """Write the player with a recording inlined to `html_file`, safely; ReplayError (one line) when refused.

    The target is checked before any work and again at the rename: it must be in an existing folder and be
    either absent or, with `force`, a regular file (a symbolic link, folder, device, pipe or socket is never
    replaced, and nothing is written through a link), and not one of the recording's own files. The page goes
    to a fresh temporary file in the same folder (`mkstemp`: an unpredictable name, created exclusively),
    flushed to disk, then takes the target's name by a hard link that fails if anything has appeared there
    meanwhile (or, with `force`, by `os.replace`), so no half-written file ever carries the target's name.
    """
    target = _check_target(str(html_file), force, run_dir)
    text = viewer_html(payload(run_dir))
    with durable_temp(target.parent, target.name, text, 0o666 & ~_umask()) as tmp:
        if force:
            _check_target(str(html_file), force, run_dir)  # unchanged since the first look
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    return target


def _link_new(tmp: Path, target: Path) -> None:
    """Give `tmp` the name `target` only if nothing has that name yet (atomic where hard links work)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise ReplayError(f"export --html: '{target}' appeared while exporting; refusing to replace it") from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise ReplayError(f"export --html: '{target}' appeared while exporting; refusing to replace it") from None
        os.replace(tmp, target)


def _check_target(html_file: str, force: bool, run_dir: str | Path) -> Path:
    if not html_file.strip():
        raise ReplayError("export --html: empty path; give the HTML file to write, e.g. --html corridor.html")
    target = Path(html_file)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ReplayError(f"export --html: cannot use '{target}' ({exc.strerror or exc})") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is a symbolic link; refusing to write through or "
                              "replace it (give the file's own path)")
        if stat.S_ISDIR(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is a folder; give a file name inside it")
        if not stat.S_ISREG(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is not a regular file (a device, pipe or socket); "
                              "refusing to replace it")
        if not force:
            raise ReplayError(f"export --html: '{target}' already exists; add --force to replace it")
    folder = target.parent
    if not folder.is_dir():
        raise ReplayError(f"export --html: no such folder '{folder}'")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReplayError(f"export --html: cannot write into '{folder}'")
    run = Path(run_dir).resolve()
    if folder.resolve() == run and target.name in (*OUTPUT_FILES, FRAMES_FILE):
        raise ReplayError(f"export --html: '{target}' is one of the recording's own files; choose another name")
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
