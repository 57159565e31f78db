"""docs/parameters.md is the rendering of the schema and sim/config/sources.py, and every behavioural
parameter in it states a source or its reasoning (issue 8, item 6)."""

from __future__ import annotations

from pathlib import Path

from sim.config import parameters
from sim.config.schema import SPECS
from sim.config.sources import SOURCES

DOC = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"


def test_the_document_is_the_generated_table() -> None:
    assert DOC.read_text() == parameters.document(), (
        "docs/parameters.md is stale: python -m sim.config.parameters > docs/parameters.md")


def test_every_section_and_warmup_is_covered() -> None:
    keys = parameters.behavioural_keys()
    assert "warmup_days" in keys
    assert {k.split(".")[0] for k in keys if "." in k} == set(parameters.SECTIONS)
    assert not [k for k in keys if k.startswith(("policy.", "corridor."))]
    numeric = [k for k, s in SPECS.items() if s.type in ("number", "integer") and k.split(".")[0]
               in parameters.SECTIONS]
    assert set(numeric) <= set(keys)


def test_every_key_has_a_source_or_reasoning() -> None:
    bare = [k for k in parameters.behavioural_keys()
            if not parameters.note_has_source(SPECS[k].note) and not SOURCES.get(k, "").strip()]
    assert not bare, f"add a source or 'judgement: ...' to sim/config/sources.py for: {bare}"
    assert all(parameters.basis(k) for k in parameters.behavioural_keys())


def test_sources_name_only_existing_keys() -> None:
    stale = sorted(set(SOURCES) - set(parameters.behavioural_keys()))
    assert not stale, f"sim/config/sources.py names keys the schema no longer has: {stale}"


def test_a_source_is_a_citation_or_says_it_is_not() -> None:
    """An entry without a publication must say it rests on judgement or calibration."""
    unmarked = [k for k, text in SOURCES.items()
                if not parameters.CITATION.search(text) and not parameters.REASONING.search(text)]
    assert not unmarked, unmarked
