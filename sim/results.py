"""A run's result in memory, writing it to a folder atomically, and reading a run folder's files back
within limits (a folder may come from anyone: size, text, nesting and YAML anchors are checked first)."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import platform
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

OUTPUT_FILES = ("summary.json", "timeseries.parquet", "events.parquet", "config.yaml", "manifest.json")
FRAMES_FILE = "frames.json"
RUN_FORMAT = "sim-run/1"
PACKAGES = ("sim", "mesa", "simpy", "numpy", "pandas", "pyarrow", "networkx", "hydra-core", "omegaconf")
_MiB = 1024 * 1024
#: Largest JSON file (summary, manifest, run record) and config.yaml read back from a folder.
MAX_JSON_BYTES, MAX_CONFIG_BYTES = 16 * _MiB, 1 * _MiB
#: Deepest nesting of lists and mappings read back, and most YAML parser events in a config.yaml (a resolved
#: config has about a thousand): a YAML "billion laughs" or a deeply nested file is refused, not expanded.
MAX_NESTING, MAX_YAML_NODES = 32, 100_000


class DamagedFileError(ValueError):
    """A file of a run folder that cannot be used: the message names the file and the problem, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


@dataclass
class RunResult:
    """What one run produced: `summary` (outcome -> value), `timeseries` and `events` (DataFrames)."""

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    events: pd.DataFrame
    config: DictConfig
    timings: dict[str, float] = field(default_factory=dict)
    frames: dict[str, Any] | None = None  # what the replay viewer draws (sim.core.frames)

    @property
    def seed(self) -> int:
        return int(self.config.seed)

    def save(self, output_dir: str | Path) -> Path:
        """Write the output files (and replay frames); see `write_run`."""
        return write_run(self, output_dir)


def config_yaml(cfg: DictConfig) -> str:
    return OmegaConf.to_yaml(cfg, resolve=True)


def config_hash(cfg: DictConfig) -> str:
    """Hash of the resolved config (output_dir, progress and record excluded: they do not change results)."""
    plain = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    plain = {k: v for k, v in plain.items() if k not in ("output_dir", "progress", "record")}
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]


def summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False) + "\n"


def json_text(data: Any) -> str:
    """Compact JSON that a browser's `JSON.parse` accepts: NaN and infinities (which JSON cannot write) become
    null, numpy scalars and arrays numbers and lists. The viewer's server and its exported page both send it.
    The usual payload has no non-finite number, so the cleaning walk runs only when one is found."""
    try:
        return json.dumps(data, separators=(",", ":"), allow_nan=False, default=_json_default)
    except ValueError:
        return json.dumps(_finite(data), separators=(",", ":"), allow_nan=False, default=_json_default)


def strict_json(text: str) -> Any:
    """JSON text from someone else (a web page's request): NaN and Infinity, which JSON does not allow, and
    numbers too large for a float are refused with a ValueError that says so."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows; send a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number; send a finite number")
    return value


def _finite(data: Any) -> Any:
    """A copy of JSON-like data with every non-finite float replaced by None (walked without recursion)."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any]] = [(root, 0)]  # (container in the copy, key or index to fill)
    while stack:
        parent, key = stack.pop()
        value = parent[key]
        if isinstance(value, dict):
            copy: Any = dict(value)
        elif isinstance(value, list | tuple):
            copy = list(value)
        else:
            if isinstance(value, float | np.floating) and not math.isfinite(value):
                parent[key] = None
            continue
        parent[key] = copy
        stack.extend((copy, k) for k in (copy if isinstance(copy, dict) else range(len(copy))))
    return root[0]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _finite(value.tolist())
    return str(value)


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def manifest(result: RunResult, checksums: dict[str, str] | None = None) -> dict[str, Any]:
    """What a run folder says about itself; `checksums` (file name -> sha256) let readers detect changed files."""
    cfg = result.config
    return {
        "format": RUN_FORMAT,
        "seed": int(cfg.seed),
        "days": int(cfg.days),
        "scenario": str(cfg.scenario_name),
        "config_hash": config_hash(cfg),
        "git_commit": git_commit(),
        "versions": package_versions(),
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
        "files": list(OUTPUT_FILES) + ([FRAMES_FILE] if result.frames is not None
                                       and cfg.get("record") is not False else []),
        "parent": cfg.branch.parent if "branch" in cfg else None,
        "branch_day": cfg.branch.day if "branch" in cfg else None,
        **({"checksums": checksums} if checksums is not None else {}),
    }


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Write a file through a temporary name and rename it into place, so it is never seen half-written."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def durable_temp(folder: Path, name: str, text: str, mode: int) -> Iterator[Path]:
    """A fresh temporary file in `folder` holding `text`, flushed to disk, with permissions `mode`, for the
    caller to give its final name (a rename or a link) inside the block; whatever is left is removed after.

    `mkstemp` gives it an unpredictable name, created exclusively: where others may write into the folder
    (a recording the viewer serves), nothing can be planted at the temporary name beforehand.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


#: Hidden names a write leaves for a moment (`write_run`, `write_atomic`), and Hydra's own folder when
#: `hydra.output_subdir` is set: none of them makes a folder someone else's.
TRANSIENT_NAMES = re.compile(r"\.incomplete-.*|\..+\.tmp-\d+|\.hydra")
_RUN_ENTRIES = frozenset({*OUTPUT_FILES, FRAMES_FILE, "branches"})


def not_a_run_folder(folder: Path) -> str | None:
    """What makes a non-empty folder something other than an earlier run's folder, in a few words (None: it
    is one, and a run may replace it): an entry a run does not write, or no manifest.json of a complete run.
    A folder of the user's that merely holds a config.yaml is not overwritten. `python -m sim.run` checks
    every folder it will write with this before anything runs; `write_run` checks again."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name not in _RUN_ENTRIES and not TRANSIENT_NAMES.fullmatch(entry.name):
                return f"already holds '{entry.name}', which a run does not write"
    try:
        data = read_json(folder / "manifest.json", 1 * _MiB, max_nesting=None)
    except DamagedFileError:
        data = None
    if isinstance(data, dict) and data.get("format") == RUN_FORMAT:
        return None
    return "holds files a run writes but no manifest.json of a complete run (not an earlier run's folder)"


def half_written_run(folder: Path) -> bool:
    """A folder holding only files a run writes (no branches of its own) and no manifest of a complete run:
    what a run stopped half-way leaves. Its owner may clear it and write the run again."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries]
    if not names or any(n == "branches" or (n not in _RUN_ENTRIES and not TRANSIENT_NAMES.fullmatch(n))
                        for n in names):
        return False
    return not_a_run_folder(folder) is not None


def _check_output_dir(out: Path) -> None:
    """Refuse (FileExistsError, one line) a place a run must not be written: anything but a new folder, an
    empty one or an earlier run's (`not_a_run_folder`), so that no file of the user's is ever replaced."""
    if not (out.exists() or out.is_symlink()):
        return
    if not out.is_dir():
        raise FileExistsError(f"output_dir: '{out}' exists and is not a folder")
    with os.scandir(out) as entries:
        empty = next(entries, None) is None
    wrong = None if empty else not_a_run_folder(out)
    if wrong is not None:
        raise FileExistsError(f"output_dir: '{out}' {wrong}; allowed: a new or empty folder, or the folder of an "
                              "earlier run (it is replaced)")


def write_run(result: RunResult, output_dir: str | Path) -> Path:
    """Write the run's files so that an interrupted write never looks complete.

    The folder must be new, empty or an earlier run's, which is replaced (FileExistsError otherwise, before
    anything is written). Files go to a hidden temporary folder inside the target and are renamed into place;
    `manifest.json` comes last and is what marks the folder complete. The replay frames (`frames.json`) are
    written unless the config says `record=false`.
    """
    out = Path(output_dir)
    _check_output_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    stale = out / "manifest.json"
    if stale.exists():
        stale.unlink()  # the folder is no longer a complete run until we finish
    tmp = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=out))
    try:
        (tmp / "summary.json").write_text(summary_json(result.summary))
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.events.to_parquet(tmp / "events.parquet", index=False)
        (tmp / "config.yaml").write_text(config_yaml(result.config))
        names = list(OUTPUT_FILES)
        if result.frames is not None and result.config.get("record") is not False:
            (tmp / FRAMES_FILE).write_text(json.dumps(result.frames, separators=(",", ":")))
            names.insert(-1, FRAMES_FILE)
        elif (out / FRAMES_FILE).exists():
            (out / FRAMES_FILE).unlink()  # stale frames of an earlier run in this folder
        sums = {name: file_sha256(tmp / name) for name in names if name != "manifest.json"}
        (tmp / "manifest.json").write_text(json.dumps(manifest(result, sums), indent=2) + "\n")
        for name in names:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def is_complete(run_dir: str | Path) -> bool:
    return all((Path(run_dir) / name).is_file() for name in OUTPUT_FILES)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _size(n: int) -> str:
    return f"{n // _MiB} MiB" if n >= _MiB and n % _MiB == 0 else f"{n:,} bytes"


def _cannot_read(path: Path, exc: OSError) -> DamagedFileError:
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link that appeared after the check
        return DamagedFileError(f"{path}: not a regular file")
    return DamagedFileError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})")


def check_file(path: Path, max_bytes: int, follow_symlinks: bool = False) -> None:
    """Refuse (DamagedFileError), from the file system and before anything opens it, what is not a regular
    file of at most `max_bytes`: a folder, a device, a pipe (reading one could block for ever) and, unless
    `follow_symlinks`, a symbolic link. For files another library reads by name (parquet)."""
    try:
        info = path.stat() if follow_symlinks else path.lstat()
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise DamagedFileError(f"{path}: not a regular file")
    if info.st_size > max_bytes:
        raise DamagedFileError(f"{path}: {info.st_size:,} bytes is too large; allowed: at most {_size(max_bytes)}")


def read_bounded(path: Path, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """A regular file's bytes, at most `max_bytes` (`check_file`; a file that grows while read is refused too).
    Opened without blocking and checked again once open, so nothing swapped in after the check is read."""
    check_file(path, max_bytes, follow_symlinks)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise DamagedFileError(f"{path}: not a regular file")
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    if len(data) > max_bytes:
        raise DamagedFileError(f"{path}: grew while read; allowed: at most {_size(max_bytes)}")
    return data


def read_text(path: Path, max_bytes: int, follow_symlinks: bool = False) -> str:
    """A regular file's UTF-8 text, at most `max_bytes` (`read_bounded`); DamagedFileError otherwise."""
    data = read_bounded(path, max_bytes, follow_symlinks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DamagedFileError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


def check_nesting(path: Path, value: Any, max_nesting: int = MAX_NESTING) -> None:
    """Refuse lists and mappings nested deeper than `max_nesting` (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > max_nesting:
            raise DamagedFileError(f"{path}: nested deeper than {max_nesting} levels")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES, follow_symlinks: bool = False,
              max_nesting: int | None = MAX_NESTING) -> Any:
    """A JSON file's value, within `max_bytes` and `max_nesting` (None: only as deep as the parser goes);
    DamagedFileError naming the file and the problem otherwise (a syntax error with its line and column)."""
    text = read_text(path, max_bytes, follow_symlinks)
    try:
        value = json.loads(text)
    except RecursionError:
        raise DamagedFileError(f"{path}: corrupted (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise DamagedFileError(f"{path}: corrupted ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:  # a number too long for Python to read, for one
        raise DamagedFileError(f"{path}: corrupted ({str(exc).splitlines()[0]})") from None
    if max_nesting is not None:
        check_nesting(path, value, max_nesting)
    return value


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_error(path: Path, exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return f"{path}: not valid YAML ({getattr(exc, 'problem', None) or 'unreadable'}{where})"


def check_config_yaml(path: Path, text: str) -> None:
    """Refuse (DamagedFileError) a run's config text with YAML anchors or aliases, `${...}` interpolations,
    more than MAX_YAML_NODES parser events or nesting deeper than MAX_NESTING. Only the parser's events are
    read, nothing is built: an alias bomb is refused at once. A run's config is written resolved, so any of
    these means the file was made by hand."""
    import yaml

    depth = count = 0
    try:
        for event in yaml.parse(text, Loader=_yaml_loader()):
            count += 1
            if count > MAX_YAML_NODES:
                raise DamagedFileError(f"{path}: more than {MAX_YAML_NODES} YAML nodes; a run's config has about "
                                       "a thousand")
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise DamagedFileError(f"{path}: YAML anchors and aliases (& and *) are not allowed "
                                       "(a run's config is written resolved, without them)")
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise DamagedFileError(f"{path}: nested deeper than {MAX_NESTING} levels")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and "${" in event.value:
                shown = event.value if len(event.value) <= 60 else event.value[:57] + "..."
                raise DamagedFileError(f"{path}: interpolation {shown!r} is not allowed "
                                       "(a run's config is written resolved)")
    except yaml.YAMLError as exc:
        raise DamagedFileError(_yaml_error(path, exc)) from None


def read_config_yaml(path: Path, max_bytes: int = MAX_CONFIG_BYTES) -> dict[str, Any]:
    """A run's config.yaml as plain data, without resolving anything, once `check_config_yaml` passed it."""
    import yaml

    text = read_text(path, max_bytes)
    check_config_yaml(path, text)
    try:
        value = yaml.load(text, Loader=_yaml_loader())  # a safe loader, and the events were checked above
    except yaml.YAMLError as exc:
        raise DamagedFileError(_yaml_error(path, exc)) from None
    if not isinstance(value, dict):
        raise DamagedFileError(f"{path}: expected a mapping of config keys, got {type(value).__name__}")
    return value
