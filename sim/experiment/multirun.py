"""A `python -m sim.run -m` (Hydra multirun) sweep gathered into the experiment results form, so that it
gets the same report.

A sweep folder may come from anyone, so each run folder is read within limits (`sim.results`: sizes,
UTF-8, nesting, no YAML anchors or interpolations) and checked against its manifest (the sha256 of each
file where the manifest lists them, else the config hash) before it is used: a folder that does not check
out is refused, naming the file, rather than gathered with changed values.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ConfigError
from sim.experiment.store import gather, write_record, write_series
from sim.results import MAX_JSON_BYTES, DamagedFileError, check_file, file_sha256, read_config_yaml, read_json

#: Largest time series file read from a run folder.
MAX_SERIES_BYTES = 256 * 1024 * 1024


def collect(path: str | Path) -> Path:
    """Gather the run folders of a `python -m sim.run -m` sweep into the experiment results form.

    Every run is replicate 0 of its scenario with its `policy.*` levers as settings; the report then
    compares scenarios without pairing (the runs share no design). Folders inside a run folder (branches
    saved by the viewer) are not runs of the sweep and are left out. ConfigError (one line) when a run
    folder is damaged or was changed after it was written.
    """
    root = Path(path)
    if not root.is_dir():
        raise ConfigError(f"collect: no such folder '{root}'")
    runs_dir = root / "runs"
    # A run's manifest.json is written last: a folder that has one is a whole run, and any file of it that
    # cannot be read (summary.json missing, say) is damage to refuse, not a run to leave out unsaid.
    found = {p.parent for p in root.rglob("manifest.json") if runs_dir not in p.parents}
    # A run folder inside another is not a run of the sweep: a trainer's branch (`<run>/branches/day...`) has
    # the run's scenario name and seed but other levers from its day on, and would be counted as one more
    # replicate of that scenario. Left out, and named in the manifest (`left_out_nested`).
    run_dirs = sorted(d for d in found if not any(parent in found for parent in d.parents))
    nested = sorted(d for d in found if d not in run_dirs)
    if not run_dirs:
        raise ConfigError(f"collect: no complete run folders (with summary.json and manifest.json) under '{root}'")
    loaded = []
    for run_dir in run_dirs:
        try:
            loaded.append((run_dir, *_read_run(run_dir)))
        except DamagedFileError as exc:
            raise ConfigError(f"collect: {exc}") from None
    runs_dir.mkdir(exist_ok=True)
    run_ids = []
    for run_dir, cfg, summary, ts in loaded:
        run_id = str(run_dir.relative_to(root)).replace(os.sep, "_")
        settings = {k: v for k, v in _flat(cfg).items() if k.startswith("policy.")}
        record = {"run_id": run_id, "scenario": str(cfg.get("scenario_name", "")), "replicate": 0,
                  "seed": cfg["seed"], "world": -1, "sample": -1, "settings": settings, "overrides": [],
                  "status": "ok", "error": "", "seconds": 0.0, "config": {}, "summary": summary}
        write_record(runs_dir, record, write_series(runs_dir / f"{run_id}.parquet", ts))
        run_ids.append(run_id)
    gather(None, root, None, {}, {"collected_from": [str(d.relative_to(root)) for d in run_dirs],
                                  "left_out_nested": [str(d.relative_to(root)) for d in nested]}, run_ids=run_ids)
    return root


def _read_run(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    """A run folder's config, summary and time series, checked against its manifest."""
    manifest = read_json(run_dir / "manifest.json")
    if not isinstance(manifest, dict):
        raise DamagedFileError(f"{run_dir / 'manifest.json'}: expected a JSON object, got {type(manifest).__name__}")
    sums = manifest.get("checksums")
    if isinstance(sums, dict):
        for name in ("config.yaml", "summary.json", "timeseries.parquet"):
            file = run_dir / name
            if name in sums and (not file.is_file() or file_sha256(file) != sums[name]):
                raise DamagedFileError(f"{file}: changed after the run was written (its sha256 is not the one in "
                                       "manifest.json); run it again or leave the folder out")
    cfg = read_config_yaml(run_dir / "config.yaml")
    if not isinstance(cfg.get("seed"), int) or isinstance(cfg.get("seed"), bool):
        raise DamagedFileError(f"{run_dir / 'config.yaml'}: seed: expected a whole number, got {cfg.get('seed')!r}")
    old_hash = manifest.get("config_hash") if not isinstance(sums, dict) else None
    if isinstance(old_hash, str) and _config_hash(cfg) != old_hash:
        raise DamagedFileError(f"{run_dir / 'config.yaml'}: changed after the run was written (its hash is not "
                               "the config_hash in manifest.json)")
    summary = read_json(run_dir / "summary.json", MAX_JSON_BYTES)
    if not isinstance(summary, dict) or any(isinstance(v, dict | list) for v in summary.values()):
        raise DamagedFileError(f"{run_dir / 'summary.json'}: expected a JSON object of outcome values")
    series = run_dir / "timeseries.parquet"
    check_file(series, MAX_SERIES_BYTES)
    try:
        ts = pd.read_parquet(series)
    except Exception as exc:  # parquet readers raise many kinds (ArrowInvalid, OSError, NotImplementedError, ...)
        raise DamagedFileError(f"{series}: corrupted (not a readable parquet file: {type(exc).__name__})") from None
    return cfg, summary, ts


def _config_hash(cfg: dict[str, Any]) -> str:
    """`sim.results.config_hash` of a config read back as plain data."""
    plain = {k: v for k, v in cfg.items() if k not in ("output_dir", "progress", "record")}
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`section.key -> value` of plain nested mappings (nothing is resolved or evaluated)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(_flat(item, f"{name}."))
        else:
            out[name] = item
    return out
