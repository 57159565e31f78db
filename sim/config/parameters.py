"""The parameter table of docs/parameters.md: every behavioural parameter with its default, unit, range and
the source or reasoning behind it, rendered from the schema so that the document cannot drift from it.

    python -m sim.config.parameters > docs/parameters.md
"""

from __future__ import annotations

import dataclasses
import re
import typing

from sim.config.schema import MAX_DAYS, MAX_HOURS, MAX_MINUTES, MAX_MONEY, MAX_UNIT_COST, SPECS, FieldSpec, SimConfig
from sim.config.sources import SOURCES

#: The sections whose numbers are behavioural (policy levers, corridor size and run control are not).
SECTIONS = ("network", "demand", "shipments", "border", "officers", "investigation", "justice", "finance",
            "community", "victims", "facilitators", "costs")
TOP_LEVEL = ("warmup_days",)

#: A note that cites a publication (a year or a publisher) or states its reasoning needs no SOURCES entry.
CITATION = re.compile(r"\b(19|20)\d\d\b|UNODC|Europol|GRETA|CEPEJ|OSCE|Afrobarometer|LAPOP|Home Office|FATF|"
                       r"\bILO\b|GLOTIP")
REASONING = re.compile(r"judgement|reasoning|calibrat", re.IGNORECASE)


def behavioural_keys() -> list[str]:
    """Every behavioural numeric key, in schema order."""
    return [k for k, s in SPECS.items() if s.type in ("number", "integer")
            and (k in TOP_LEVEL or k.split(".")[0] in SECTIONS)]


def note_has_source(note: str) -> bool:
    """Whether a schema note already cites a publication or states its reasoning."""
    return bool(CITATION.search(note) or REASONING.search(note))


def basis(key: str) -> str:
    """The source or reasoning of a key: its schema note, then its SOURCES entry."""
    parts = [p.strip().rstrip(".") for p in (SPECS[key].note, SOURCES.get(key, "")) if p.strip()]
    return " — ".join(parts)


def is_published(key: str) -> bool:
    """Whether the key's basis cites a publication (else it rests on judgement or calibration alone)."""
    return bool(CITATION.search(basis(key)))


def _number(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range(spec: FieldSpec) -> str:
    low, high = _number(spec.low), _number(spec.high)
    if low and high:
        return f"[{low}, {high}]"
    if low:
        return f"≥ {low}"
    return f"≤ {high}" if high else "any"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section_titles() -> dict[str, str]:
    """Each section's title: the first line of its schema class's docstring."""
    hints = typing.get_type_hints(SimConfig)
    out = {}
    for f in dataclasses.fields(SimConfig):
        doc = getattr(hints[f.name], "__doc__", None) or ""
        if f.name in SECTIONS:
            out[f.name] = doc.strip().splitlines()[0] if doc.strip() else ""
    return out


def table() -> str:
    """The markdown table of every behavioural parameter, grouped by section."""
    titles = _section_titles()
    groups: dict[str, list[str]] = {}
    for key in behavioural_keys():
        groups.setdefault(key.split(".")[0] if "." in key else "run", []).append(key)
    lines: list[str] = []
    for group, members in groups.items():
        title = titles.get(group, "Run control: the warm-up before day 0.")
        lines += [f"## {group}", "", title, "",
                  "| key | default | unit | range | source or reasoning |", "|---|---|---|---|---|"]
        for key in members:
            spec = SPECS[key]
            lines.append(f"| `{key}` | {_number(spec.default)} | {_cell(spec.unit)} | {_range(spec)} | "
                         f"{_cell(basis(key))} |")
        lines.append("")
    return "\n".join(lines)


INTRO = f"""\
# Parameters

Every behavioural parameter of the model: its key in the run configuration, default, unit, allowed range
and the source or reasoning behind its value. Units: `M` is millions of currency units (model money, whose
scale is set by `costs.officer_salary`), `p` a probability or share, `/day` a daily rate, `x` a multiplier.
A source is a publication (author or publisher, year); where no published figure sets a value the text
says so: `judgement: ...` (reasoning) or `calibrated: ...` (set so that the baseline reaches a stated
level). Policy levers (`policy.*`), the corridor's size and run control are described in docs/ODD.md.

Every number has an upper bound. Where no finding sets one, the bound is a guard against typos and hostile
input, far beyond any value the model is meant for (`MAX_*` in `sim/config/schema.py`): amounts of money
at most {MAX_MONEY:,.0f} M (500,000 officer-years, some forty years of the default corridor's criminal revenue),
unit costs of the levers at most {MAX_UNIT_COST:,.0f} M (the pay of 50,000 officers a year), durations of pipeline
stages at most {MAX_DAYS:,.0f} days, inspection times at most {MAX_MINUTES:,.0f} minutes and queue or inspection
hours at most {MAX_HOURS:,.0f}. A value beyond its range is refused with one line naming the key and the range.

This page is generated from the schema (`sim/config/schema.py`, the note of each `param`) and
`sim/config/sources.py`; do not edit it by hand:

    python -m sim.config.parameters > docs/parameters.md

`tests/test_parameters_doc.py` fails when it is out of date. The order-of-magnitude checks of the baseline
against published figures (share of supply interdicted, assets frozen against proceeds, victims
identified, corrupt share of officers) are the validation suite's `magnitudes` pattern, documented in
docs/validation.md.
"""


def document() -> str:
    """The whole of docs/parameters.md."""
    return f"{INTRO}\n{table()}"


if __name__ == "__main__":
    print(document(), end="")
