"""The one-call Python API: `run_scenario(overrides, seed)`."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from sim.config import ConfigError, compose, to_params
from sim.core.frames import FrameRecorder
from sim.core.model import CorridorModel, few_collections
from sim.results import RunResult
from sim.world import from_config


def simulate(cfg: DictConfig, progress: bool | None = False) -> RunResult:
    """Run a validated config and collect its outputs (no files written).

    `progress`: a bar on the terminal (None: only when stderr is a terminal).
    """
    started = time.perf_counter()
    corridor = from_config(cfg)
    model = CorridorModel(to_params(cfg), corridor)
    frames = FrameRecorder.attach(model)
    built = time.perf_counter()
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        from tqdm import tqdm

        total = model.warmup_days + model.days  # the warm-up's days count too: they take as long
        with tqdm(total=total, unit="day", desc=str(cfg.scenario_name), delay=0.5, leave=False) as bar:
            model.run(on_day=lambda _day: bar.update(1))
    else:
        model.run()
    ran = time.perf_counter()
    with few_collections():
        result = RunResult(
            summary=model.summary(),
            timeseries=model.timeseries(),
            events=model.log.frame(),
            config=cfg,
            timings={"build": built - started, "run": ran - built},
            frames=frames.to_dict(),
        )
    result.timings["collect"] = time.perf_counter() - ran
    return result


def run_scenario(overrides: Sequence[str] = (), seed: int | None = None, output_dir: str | Path | None = None,
                 progress: bool | None = False) -> RunResult:
    """Run one scenario from the same override strings as the command line.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=baseline", "policy.oversight=0.8"]``.
        seed: the run's seed (wins over a ``seed=`` override).
        output_dir: if given, the output files (and replay frames) are written there.
        progress: show a progress bar (None: only on a terminal).

    Raises:
        sim.config.ConfigError: bad input, with a one-line message naming the key.
    """
    overrides = list(overrides)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int | str) or not str(seed).strip().lstrip("-").isdigit():
            raise ConfigError(f"seed: '{seed}' is not a whole number")
        overrides.append(f"seed={int(seed)}")
    cfg = compose(overrides)
    result = simulate(cfg, progress=progress)
    if output_dir is not None:
        result.save(output_dir)
    return result
