"""The player page (`viewer/`: index.html, app.js, style.css) and its export as one self-contained file.

One static page serves both the live viewer and the classroom copy: export only inlines the script, the
style and the payload, so there is one player to maintain and to test in a browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.replay.viewer_data import payload, to_json
from sim.results import write_atomic

VIEWER_DIR = Path(__file__).parent / "viewer"
#: What the server serves from VIEWER_DIR: route -> (file, content type).
VIEWER_FILES = {"/": ("index.html", "text/html"), "/index.html": ("index.html", "text/html"),
                "/app.js": ("app.js", "text/javascript"), "/style.css": ("style.css", "text/css")}


def viewer_html(data: dict[str, Any] | None) -> str:
    """The player page; with `data`, a single self-contained file (scripts, styles and recording inline)."""
    html = (VIEWER_DIR / "index.html").read_text()
    if data is None:
        return html
    script = (VIEWER_DIR / "app.js").read_text()
    style = (VIEWER_DIR / "style.css").read_text()
    blob = to_json(data).replace("</", "<\\/")  # no `</script>` inside the inlined data
    html = html.replace('<link rel="stylesheet" href="style.css">', f"<style>\n{style}\n</style>")
    return html.replace('<script src="app.js"></script>',
                        f"<script>window.RECORDING = {blob};</script>\n<script>\n{script}\n</script>")


def export(run_dir: str | Path, html_file: str | Path) -> Path:
    """Write the player with a recording inlined; written atomically, so no half file looks complete."""
    out = Path(html_file)
    text = viewer_html(payload(run_dir))
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out
