"""A trainer's bookmarks and injects, saved with the recording (`training.json` in the run folder).

A note marks a day to stop and talk about; an inject is a lever change scheduled at a day, which the viewer
offers to branch from when the day is played. They are written by the live viewer (`POST /api/training`,
the whole list at once) and read with the recording, so an exported file carries them too.

The file and the request body come from people (and a run folder from anyone), so both are read the same
strict way: at most MAX_BYTES, UTF-8 JSON with finite numbers, a known format, at most MAX_ITEMS items with
known fields, a day of the recording, a note of at most MAX_NOTE characters, and levers checked like a
branch's (`branching.check_levers`) and against the schema's ranges. Each refusal is one line naming the item
and the field. The file is replaced atomically, so a reader never sees half of it.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from sim.config import LEVER_SPECS
from sim.replay.branching import check_levers
from sim.replay.store import ReplayError
from sim.results import DamagedFileError, durable_temp, read_bounded, strict_json

TRAINING_FILE = "training.json"
TRAINING_FORMAT = "sim-training/1"
#: Largest training.json read, and largest request body its endpoint takes (the viewer's body limit): some
#: hundred notes of a few lines each.
MAX_BYTES = 64 * 1024
#: Most bookmarks and injects one recording holds.
MAX_ITEMS = 200
#: Longest note, in characters.
MAX_NOTE = 500
KINDS = ("note", "inject")
_FIELDS = {"day", "kind", "text", "levers"}
_USAGE = ('send {"items": [{"day": D, "kind": "note", "text": "..."}, '
          '{"day": D, "kind": "inject", "text": "...", "levers": {"policy.KEY": value}}]}')


def empty() -> dict[str, Any]:
    """A recording with no bookmarks yet."""
    return {"format": TRAINING_FORMAT, "items": []}


def load_training(run_dir: str | Path, days: int, node_ids: list[str]) -> dict[str, Any]:
    """The recording's bookmarks and injects as `{"format", "items", "error"}`; no file is no items.

    A damaged or invalid file does not stop the recording from playing: its items are left out and `error`
    says why, in one line (the viewer shows it).
    """
    file = Path(run_dir) / TRAINING_FILE
    if not os.path.lexists(file):
        return {**empty(), "error": None}
    try:  # the run folder's bounded reader: a regular file (a link to one is followed) within MAX_BYTES
        items = check_training(parse(read_bounded(file, MAX_BYTES, follow_symlinks=True), str(file)), days,
                               node_ids, need_format=True)
    except (ReplayError, DamagedFileError) as exc:
        return {**empty(), "error": f"bookmarks not loaded: {exc}"}
    return {"format": TRAINING_FORMAT, "items": items, "error": None}


def save_training(run_dir: str | Path, body: bytes, days: int, node_ids: list[str]) -> list[dict[str, Any]]:
    """Check a request body (`{"items": [...]}`) and replace the recording's training.json with it,
    atomically (a fresh temporary file in the run folder, renamed into place); returns the items saved."""
    items = check_training(parse(body, "training"), days, node_ids, need_format=False)
    folder = Path(run_dir)
    text = json.dumps({"format": TRAINING_FORMAT, "items": items}, indent=1, ensure_ascii=False) + "\n"
    with durable_temp(folder, TRAINING_FILE, text, 0o644) as tmp:
        os.replace(tmp, folder / TRAINING_FILE)  # a symbolic link there is replaced, never written through
    return items


def parse(raw: bytes, where: str) -> Any:
    """JSON text, strictly: UTF-8, no NaN or Infinity, no number too large for a float, not nested deeply."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReplayError(f"{where}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return strict_json(text)
    except RecursionError:
        raise ReplayError(f"{where}: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{where}: not valid JSON ({exc.msg} at character {exc.pos}); {_USAGE}") from None
    except ValueError as exc:
        raise ReplayError(f"{where}: {str(exc).splitlines()[0]}") from None


def check_training(data: Any, days: int, node_ids: list[str], need_format: bool) -> list[dict[str, Any]]:
    """The items of a training document, checked and in a plain form, sorted by day (stable).

    `need_format`: the file must say `"format": "sim-training/1"`; a request may leave it out.
    """
    if not isinstance(data, dict):
        raise ReplayError(f"training: expected a JSON object; {_USAGE}")
    unknown = sorted(k for k in data if k not in ("format", "items"))
    if unknown:
        raise ReplayError(f"training: unknown field {str(unknown[0])[:40]!r}; allowed: format, items")
    if ("format" in data or need_format) and data.get("format") != TRAINING_FORMAT:
        raise ReplayError(f"training.format: {short_value(data.get('format'))}, this version reads {TRAINING_FORMAT!r}")
    items = data.get("items")
    if not isinstance(items, list):
        raise ReplayError(f"training.items: expected a list; {_USAGE}")
    if len(items) > MAX_ITEMS:
        raise ReplayError(f"training.items: {len(items)} items; allowed: at most {MAX_ITEMS}")
    out = [_check_item(f"training.items[{i}]", item, days, node_ids) for i, item in enumerate(items)]
    return sorted(out, key=lambda item: item["day"])


def _check_item(where: str, item: Any, days: int, node_ids: list[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ReplayError(f"{where}: expected an object with day, kind, text (and levers for an inject)")
    unknown = sorted(str(k) for k in item if k not in _FIELDS)
    if unknown:
        raise ReplayError(f"{where}: unknown field {unknown[0][:40]!r}; allowed: {', '.join(sorted(_FIELDS))}")
    kind = item.get("kind")
    if kind not in KINDS:
        raise ReplayError(f"{where}.kind: {short_value(kind)} is not allowed; allowed: {', '.join(KINDS)}")
    day = item.get("day")
    last = days - 1 if kind == "note" else days - 2  # an inject needs a day left to branch into
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= last:
        allowed = f"a whole day in [0, {last}]" if last >= 0 else "none (the recording is too short to branch)"
        raise ReplayError(f"{where}.day: {short_value(day)} is not allowed; allowed: {allowed}")
    text = item.get("text", "")
    if not isinstance(text, str):
        raise ReplayError(f"{where}.text: expected text, got {short_value(text)}")
    if len(text) > MAX_NOTE:
        raise ReplayError(f"{where}.text: {len(text)} characters; allowed: at most {MAX_NOTE}")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise ReplayError(f"{where}.text: holds a control character; allowed: printable text and line breaks")
    entry: dict[str, Any] = {"day": day, "kind": kind, "text": text}
    if kind == "note":
        if "levers" in item:
            raise ReplayError(f"{where}.levers: a note has no levers (an inject has)")
        if not text.strip():
            raise ReplayError(f"{where}.text: a note needs some text")
        return entry
    entry["levers"] = _check_levers(f"{where}.levers", item.get("levers"), node_ids)
    return entry


def _check_levers(where: str, levers: Any, node_ids: list[str]) -> dict[str, Any]:
    """Levers as a branch takes them (`check_levers`), and inside the schema's ranges and the corridor."""
    try:
        checked = check_levers(levers)
    except ReplayError as exc:
        message = str(exc).replace("branch.levers", where, 1).replace("branch:", f"{where}:", 1)
        raise ReplayError(message) from None
    known = set(node_ids)
    for name, value in checked.items():
        spec = LEVER_SPECS[name]
        if spec.type in ("number", "integer") and (
                (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high)):
            raise ReplayError(f"{where}.{name}: {value} is out of range; allowed: {spec.describe_range()}")
        if spec.type == "list":
            stray = [v for v in value if v not in known]
            if stray:
                raise ReplayError(f"{where}.{name}: {stray[0][:60]!r} is no place of this corridor")
    return {f"policy.{name}": value for name, value in checked.items()}


def short_value(value: Any, width: int = 60) -> str:
    """A value for an error line, cut to `width` characters (lists and objects only named: they may be deep)."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
