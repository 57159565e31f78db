"""The report as a small document model, rendered twice (Markdown and self-contained HTML) so that both
formats always say the same thing.

Text may use `code` and **bold** Markdown spans; the HTML rendering turns them into tags. A table cell may
hold several lines (`\n`): one line each in HTML, joined by spaces in Markdown.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    #: Optional CSS class per cell (same shape as rows) for the HTML rendering.
    classes: list[list[str]] | None = None
    #: Optional CSS class(es) of the whole table (`answer`: the first page's compact tables; `ranking`: its
    #: second column is text).
    kind: str = ""


@dataclass
class Callout:
    """A warning the reader must not miss (too few replications): a quote in Markdown, a box in HTML."""

    text: str


@dataclass
class Section:
    """Opens (`start`) or closes a named part of the HTML page (the first page is one, so that it can be
    found and printed alone); nothing in Markdown."""

    name: str
    start: bool = True


@dataclass
class Image:
    path: Path
    caption: str


Block = Heading | Paragraph | Table | Image | Callout | Section


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block], root: Path) -> str:
    """The report as Markdown; images are linked relative to the report."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Callout):
            lines += [f"> **{block.text}**", ""]
        elif isinstance(block, Section):
            continue
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "|".join("---" for _ in block.header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        else:
            lines += [f"![{block.caption}]({block.path.relative_to(root).as_posix()})", "", f"*{block.caption}*", ""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}
td:first-child,th:first-child{text-align:left}
tr.baseline td{background:#fff3f3;font-weight:600}
td.better{background:#dff3df;color:#14521b}td.worse{background:#fbe0e0;color:#7a1414}
td.unresolved,td.few,td.no_spread{color:#666}td.error{text-align:left;font-family:monospace}
table.answer{font-size:0.85em}table.answer td{vertical-align:top}table.answer td.note{text-align:left;color:#555}
table.ranking td:nth-child(2),table.ranking th:nth-child(2){text-align:left}
.callout{border-left:5px solid #d98c00;background:#fff6e0;padding:0.5em 1em;margin:0.8em 0;font-weight:600}
.muted{color:#666;font-size:0.85em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-style:italic;color:#555}
code{background:#f4f4f4;padding:0 3px}
"""


def _inline_html(text: str) -> str:
    """Escape text, then turn `code` and **bold** Markdown spans into HTML."""
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def _cell_html(text: str) -> str:
    """A cell's lines: the first as it is, the others (an interval, a verdict, a description) smaller."""
    first, *rest = text.split("\n")
    return _inline_html(first) + "".join(f'<br><span class="muted">{_inline_html(r)}</span>' for r in rest)


def _html_table(block: Table) -> str:
    head = "".join(f"<th>{_cell_html(h)}</th>" for h in block.header)
    body = []
    for i, row in enumerate(block.rows):
        classes = block.classes[i] if block.classes else [""] * len(row)
        row_class = ' class="baseline"' if "baseline" in classes else ""
        cells = "".join(f'<td class="{c}">{_cell_html(v)}</td>' if c and c != "baseline" else
                        f"<td>{_cell_html(v)}</td>" for v, c in zip(row, classes, strict=True))
        body.append(f"<tr{row_class}>{cells}</tr>")
    kind = f' class="{block.kind}"' if block.kind else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The report as one self-contained HTML page: inline CSS, figures as base64 PNG, no external links."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{_inline_html(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        elif isinstance(block, Callout):
            parts.append(f'<div class="callout" role="note">{_inline_html(block.text)}</div>')
        elif isinstance(block, Section):
            parts.append(f'<section id="{html.escape(block.name)}">' if block.start else "</section>")
        else:
            data = base64.b64encode(block.path.read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{_inline_html(block.caption)}</figcaption></figure>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
