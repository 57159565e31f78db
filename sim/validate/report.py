"""The validation report: a pass/fail table (pattern × corridor), each pattern's checks with statistic,
95% interval and n, and a figure per pattern; written as `report.md` and a self-contained `report.html`
with the experiment report's document model, so both say the same thing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from matplotlib.figure import Figure

from sim.experiment.report.document import Block, Heading, Image, Paragraph, Table, render_html, render_markdown
from sim.experiment.report.figures import BASELINE_COLOUR, OTHER_COLOURS, daily
from sim.experiment.report.formatting import fmt, fmt_interval
from sim.results import git_commit, write_atomic
from sim.validate.catalogue import PATTERNS, SHOCK_END, Pattern
from sim.validate.outcome import QUICK_DAYS, QUICK_WARMUP_DAYS, PatternResult, ValidationOutcome
from sim.validate.stats import Status

#: HTML cell classes of the experiment report's stylesheet: green for a pass, red for a fail.
CELL_CLASS = {Status.passed: "better", Status.failed: "worse", Status.missing: "", Status.error: "worse"}
SHOWN = {Status.passed: "pass", Status.failed: "FAIL", Status.missing: "not measurable", Status.error: "error"}


def summary_line(outcome: ValidationOutcome) -> str:
    """One line: how many pattern × corridor cells pass, and how the runs went."""
    c = outcome.counts
    s = outcome.settings
    mode = "quick subset" if s.quick else "selected patterns" if s.patterns else "full catalogue"
    more = ", ".join(f"{p.name} {s.n_for(p)}" for p in s.chosen_patterns() if s.n_for(p) != s.n)
    reps = f"{s.n} replications" + (f" ({more})" if more else "")
    return (f"validation ({mode}, {reps}): {c[Status.passed]}/{len(outcome.results)} pattern × corridor "
            f"cells pass, {c[Status.failed]} fail, {c[Status.missing]} not measurable, {c[Status.error]} error; "
            f"{outcome.total} runs ({outcome.ran} run now, {outcome.total - outcome.ran} resumed) "
            f"in {outcome.seconds:.0f} s")


def _grid(outcome: ValidationOutcome) -> tuple[list[str], list[str], dict[tuple[str, str], PatternResult]]:
    patterns = list(dict.fromkeys(r.pattern for r in outcome.results))
    corridors = list(dict.fromkeys(r.corridor for r in outcome.results))
    return patterns, corridors, {(r.pattern, r.corridor): r for r in outcome.results}


def overall(cells: list[PatternResult]) -> Status:
    """A pattern holds only if it passes on every map it ran on."""
    statuses = [c.status for c in cells]
    if statuses and all(s == Status.passed for s in statuses):
        return Status.passed
    for s in (Status.error, Status.failed, Status.missing):
        if s in statuses:
            return s
    return Status.missing


def text_table(outcome: ValidationOutcome) -> str:
    """The pass/fail table as aligned plain text, for the terminal."""
    patterns, corridors, cells = _grid(outcome)
    header = ["pattern", *corridors, "every map"]
    rows = [[p, *(SHOWN[cells[p, c].status] if (p, c) in cells else "" for c in corridors),
             SHOWN[overall([cells[p, c] for c in corridors if (p, c) in cells])]] for p in patterns]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _pass_fail_table(outcome: ValidationOutcome) -> Table:
    patterns, corridors, cells = _grid(outcome)
    rows, classes = [], []
    for p in patterns:
        here = [cells[p, c] for c in corridors if (p, c) in cells]
        verdict = overall(here)
        row = [f"{PATTERNS[p].title} (`{p}`)" if p in PATTERNS else p]
        cls = [""]
        for c in corridors:
            cell = cells.get((p, c))
            row.append(SHOWN[cell.status] if cell else "")
            cls.append(CELL_CLASS[cell.status] if cell else "")
        rows.append([*row, SHOWN[verdict]])
        classes.append([*cls, CELL_CLASS[verdict]])
    return Table(["pattern", *corridors, "every map"], rows, classes)


def _experiment_text(pattern: Pattern, outcome: ValidationOutcome) -> str:
    s = outcome.settings
    days = s.days(pattern)
    arms = "; ".join(f"**{a.key}**: " + (", ".join(f"`{o}`" for o in a.overrides) if a.overrides else
                                          "the baseline as it is") for a in pattern.arms)
    arms = arms.replace(SHOCK_END, str(max(1, days // 4)))
    return (f"Experiment: {arms}. {days} measured days, {s.n_for(pattern)} paired replications per arm "
            f"(replicate r has the same seed in every arm), on each corridor.")


def _checks_table(results: list[PatternResult]) -> Table:
    header = ["corridor", "check", "statistic", "estimate", "95% interval", "n", "pass rule", "verdict", "note"]
    rows, classes = [], []
    for r in results:
        if not r.checks:
            rows.append([r.corridor, "(all)", "", "", "", "", "", SHOWN[r.status], r.note])
            classes.append(["", "", "", "", "", "", "", CELL_CLASS[r.status], "error" if r.note else ""])
            continue
        for c in r.checks:
            note = c.note
            if r.context.get("focus"):
                note = f"focus {r.context['focus']}" + (f"; {note}" if note else "")
            rows.append([r.corridor, c.check, c.statistic, fmt(c.estimate, signed=True), interval(c.low, c.high),
                         str(c.n), c.rule, SHOWN[c.status], note])
            classes.append(["", "", "", "", "", "", "", CELL_CLASS[c.status], ""])
    return Table(header, rows, classes)


def interval(low: float, high: float) -> str:
    """A 95% interval as text; an unbounded end (a ratio whose denominator can vanish) as ∞."""
    if math.isfinite(low) and high == math.inf:
        return f"[{fmt(low, signed=True)}, ∞]"
    return fmt_interval(low, high, signed=True)


def _daily_label(key: str) -> str:
    """The registry's name of a daily column (the day's level, e.g. not the run's mean)."""
    try:
        return daily(key).label
    except KeyError:
        return key


def plot_pattern(pattern: Pattern, results: list[PatternResult], path: Path) -> Path | None:
    """Per quantity: each arm's mean with its 95% interval, one colour per corridor; then, where the
    pattern names a daily level, its mean per arm over the measured days, one panel per corridor."""
    labels = list(dict.fromkeys(q for r in results for q in r.estimates))
    series = [r for r in results if r.series]
    n = len(labels) + len(series)
    if n == 0:
        return None
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.4 * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    colours = {r.corridor: OTHER_COLOURS[i % len(OTHER_COLOURS)] for i, r in enumerate(results)}
    arm_order = [a.key for a in pattern.arms]
    for ax, label in zip(axes, labels, strict=False):
        arms = [a for a in arm_order if any(a in r.estimates.get(label, {}) for r in results)]
        width = 0.6 / max(1, len(results))
        for i, r in enumerate(results):
            est = r.estimates.get(label, {})
            xs, ys, lo, hi = [], [], [], []
            for j, arm in enumerate(arms):
                e = est.get(arm)
                if e is None or not math.isfinite(e.mean):
                    continue
                xs.append(j + (i - (len(results) - 1) / 2) * width)
                ys.append(e.mean)
                lo.append(e.mean - e.low if e.has_interval else 0.0)
                hi.append(e.high - e.mean if e.has_interval else 0.0)
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o", color=colours[r.corridor], ms=4, capsize=3, lw=1,
                            label=r.corridor)  # no joining line: arms are conditions, not a continuum
        ax.set_xticks(range(len(arms)), arms, rotation=20, ha="right", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    if labels:
        axes[0].legend(fontsize=7)
    arm_colours = {a: BASELINE_COLOUR if i == 0 else OTHER_COLOURS[(i - 1) % len(OTHER_COLOURS)]
                   for i, a in enumerate(arm_order)}  # the first arm (the reference) in the baseline's red
    for ax, r in zip(axes[len(labels):], series, strict=False):
        for arm, frame in r.series.items():
            ax.plot(frame["day"], frame["mean"], color=arm_colours.get(arm, "k"), lw=1.5, label=arm)
            ax.fill_between(frame["day"], frame["q05"], frame["q95"], color=arm_colours.get(arm, "k"), alpha=0.15,
                            lw=0)
        if any(SHOCK_END in o for a in pattern.arms for o in a.overrides):
            ax.axvline(r.context["shock_end"], color="grey", ls="--", lw=1)
        ax.set_title(f"{_daily_label(pattern.series)} per day, {r.corridor} (mean, 5-95%)", fontsize=9)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(pattern.title, fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def build_report(outcome: ValidationOutcome) -> Path:
    """Write report.md, report.html and figures/<pattern>.png into the validation folder; returns report.md."""
    root = outcome.settings.out
    figures = root / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for old in figures.glob("*.png"):  # the folder belongs to the report: no stale figures
        old.unlink()
    s = outcome.settings
    blocks: list[Block] = [Heading("Validation report", 1), Paragraph(f"**{summary_line(outcome)}**")]
    if s.quick:
        blocks.append(Paragraph(f"Quick subset: {QUICK_DAYS}-day runs after a {QUICK_WARMUP_DAYS}-day warm-up, "
                                "a smoke test of the suite itself. Its verdicts are not evidence about the model; "
                                "run the full catalogue (`make validate`) for that."))
    commit = git_commit()
    blocks.append(Paragraph(
        "Each pattern from the literature is run as paired experiments (arms) on the built-in corridor and on "
        "generated ones (`gen<K>`: `corridor=generated corridor.seed=K`); a pattern holds only if it passes on "
        "every map. A check passes when its statistic meets its pass rule; **not measurable** means the model "
        "does not report an outcome the check needs yet (never a pass); **error** means runs failed. "
        f"Experiment seed {s.seed}, model fingerprint `{outcome.model}`"
        + (f", git commit `{commit[:12]}` (with any uncommitted changes)" if commit else "") + ". "
        "The catalogue is documented in `docs/validation.md`."))
    blocks += [Heading("Pass / fail"), _pass_fail_table(outcome)]
    by_pattern: dict[str, list[PatternResult]] = {}
    for r in outcome.results:
        by_pattern.setdefault(r.pattern, []).append(r)
    blocks.append(Heading("Patterns"))
    for i, (name, results) in enumerate(by_pattern.items(), start=1):
        pattern = PATTERNS[name]
        seconds = sum(r.seconds for r in results)
        blocks += [Heading(f"{i}. {pattern.title} (`{name}`): {SHOWN[overall(results)]}", 3),
                   Paragraph(pattern.description),
                   Paragraph("Sources: " + "; ".join(pattern.sources) + "."),
                   Paragraph(_experiment_text(pattern, outcome)
                             + (" " + " ".join(pattern.notes) if pattern.notes else "")
                             + f" Wall time this time: {seconds:.0f} s.")]
        blocks.append(_checks_table(results))
        figure = plot_pattern(pattern, results, figures / f"{name}.png")
        if figure is not None:
            blocks.append(Image(figure, f"{pattern.title}: mean and 95% interval per arm and corridor"))
    folders = len({a.path for r in outcome.results for a in r.arms.values()})
    blocks += [Heading("Runs"), Paragraph(
        f"{outcome.total} runs in {folders} arm folders under `arms/{outcome.model}/` (one experiment of "
        "`sim.experiment` per arm and corridor: `runs.parquet`, `timeseries.parquet`, `manifest.json`); "
        f"`{outcome.model}` fingerprints the model's source and configs, so a changed model gets fresh runs "
        "(older fingerprints' folders can be deleted). Every verdict and statistic is also in "
        "`validation.json`. Re-running the same command skips finished runs and retries failed ones.")]
    failures = [(r, a) for r in outcome.results for a in r.arms.values() if a.errors]
    if failures:
        rows = [[r.pattern, r.corridor, a.arm, str(len(a.errors)), a.errors[0][:300]] for r, a in failures]
        blocks.append(Table(["pattern", "corridor", "arm", "failed runs", "first error"], rows,
                            [["", "", "", "", "error"] for _ in rows]))
    write_atomic(root / "report.html", lambda p: p.write_text(render_html(blocks, "Validation report"),
                                                              encoding="utf-8"))
    report = root / "report.md"
    write_atomic(report, lambda p: p.write_text(render_markdown(blocks, root), encoding="utf-8"))
    return report


def write_json(outcome: ValidationOutcome) -> Path:
    """Every verdict and statistic as data (`validation.json`), for scripts and the README summary."""
    s = outcome.settings
    out = s.out
    plain = {
        "settings": {"patterns": [p.name for p in s.chosen_patterns()], "corridors": [c.label for c in
                                                                                      s.chosen_corridors()],
                     "replications": s.n, "quick": s.quick, "seed": s.seed,
                     "replications_by_pattern": {p.name: s.n_for(p) for p in s.chosen_patterns()}},
        "summary": {str(k): v for k, v in outcome.counts.items()},
        "runs": {"total": outcome.total, "ran_now": outcome.ran, "seconds": round(outcome.seconds, 2),
                 "model": outcome.model, "git_commit": git_commit()},
        "results": [{"pattern": r.pattern, "corridor": r.corridor, "status": str(r.status), "note": r.note,
                     "focus": r.context.get("focus"), "days": r.context["days"], "seconds": round(r.seconds, 2),
                     "checks": [c.as_dict() for c in r.checks],
                     "arms": {k: {"overrides": list(a.overrides), "path": _relative(a.path, out), "runs": a.total,
                                  "ok": a.ok, "errors": a.errors[:5]} for k, a in r.arms.items()}}
                    for r in outcome.results],
    }
    path = out / "validation.json"
    write_atomic(path, lambda p: p.write_text(json.dumps(plain, indent=1, allow_nan=False) + "\n"))
    return path


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
