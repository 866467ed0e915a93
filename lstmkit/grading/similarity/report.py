"""A SimilarityResult as a terminal table, as an HTML fragment (for the class report) and as a page.

The fragment is self-contained (its own scoped ``<style>``, no script, no external file) and accessible:
tables with a caption and real header cells, every student name and line of code escaped, matching code marked
by ``<mark>`` with an underline (not colour alone) and the words "match starts"/"match ends" for screen readers,
colours that keep at least 4.5:1 contrast in light and dark mode, and code that wraps on a phone.
"""

from __future__ import annotations

from html import escape

from .result import PairSimilarity, SimilarityResult

_STYLE = """
.lsim pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font-size: 0.85em; line-height: 1.45; }
.lsim li, .lsim p { overflow-wrap: anywhere; }
.lsim table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
.lsim th, .lsim td { border: 1px solid; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
.lsim caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
.lsim .lsim-scroll { overflow-x: auto; max-width: 100%; position: relative; }
.lsim .lsim-scroll:focus-visible { outline: 2px solid; outline-offset: 2px; }
.lsim .lsim-side td { min-width: 16em; width: 45%; }
.lsim td.lsim-num { text-align: right; font-variant-numeric: tabular-nums; }
.lsim mark.lsim-match { background: #ffe08a; color: #111111; text-decoration: underline 2px; }
.lsim .lsim-sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; padding: 0; }
.lsim .lsim-notice { border-left: 4px solid; padding-left: 0.7em; }
@media (prefers-color-scheme: dark) { .lsim mark.lsim-match { background: #594400; color: #ffffff; } }
"""


def _fmt(score: float) -> str:
    return f"{score:.2f}"


def _summary_line(result: SimilarityResult) -> str:
    p = result.parameters
    flagged = len(result.flagged)
    return (f"{len(result.students)} students, {result.pairs_compared} pairs compared, "
            f"{result.pairs_sharing} share uncommon code; {flagged} pair{'s' * (flagged != 1)} flagged "
            f"(score at least {p.threshold:.2f} and at least {p.min_tokens} matched tokens)")


def render_table(result: SimilarityResult) -> str:
    """The terminal report: summary, notice, the listed pairs with their per-cell scores, files not compared."""
    lines = [f"{result.assignment}: {_summary_line(result)}", result.notice, ""]
    width = max([len(s) for s in result.students] + [9])
    head = f"{'rank':>4}  {'score':>5}  {'tokens':>6}  {'student A':<{width}}  {'student B':<{width}}  "
    lines.append(head + "  ".join(result.cells) + "  flagged")
    for rank, pair in enumerate(result.pairs, 1):
        cells = "  ".join(f"{_fmt(c.score):>{len(c.cell)}}" for c in pair.cells)
        lines.append(f"{rank:>4}  {_fmt(pair.score):>5}  {pair.matched_tokens:>6}  {pair.student_a:<{width}}  "
                     f"{pair.student_b:<{width}}  {cells}  {'yes' if pair.flagged else 'no'}")
    if not result.pairs:
        lines.append("(no pair shares uncommon code)")
    if result.problems:
        lines += ["", "not compared:"] + [f"  {p.message}" for p in result.problems]
    return "\n".join(lines)


def _marked(source: str, segments: tuple) -> str:
    """``source`` escaped, each segment wrapped in a mark with words for screen readers."""
    out, at = [], 0
    for seg in segments:
        out.append(escape(source[at:seg.start]))
        out.append('<mark class="lsim-match"><span class="lsim-sr">[match starts] </span>'
                   f'{escape(source[seg.start:seg.end])}<span class="lsim-sr"> [match ends]</span></mark>')
        at = seg.end
    out.append(escape(source[at:]))
    return "".join(out)


def _pair_section(pair: PairSimilarity, rank: int, h: int, prefix: str) -> str:
    a, b = escape(pair.student_a), escape(pair.student_b)
    state = "flagged" if pair.flagged else "not flagged"
    rows = []
    for cell in pair.cells:
        rows.append(f'<tr><th scope="row">{escape(cell.cell)}<br>cell score {_fmt(cell.score)}</th>'
                    f"<td><pre><code>{_marked(cell.source_a, cell.matches_a) or '(no answer)'}</code></pre></td>"
                    f"<td><pre><code>{_marked(cell.source_b, cell.matches_b) or '(no answer)'}</code></pre></td>"
                    "</tr>")
    return (f'<section id="{prefix}-pair-{rank}" aria-labelledby="{prefix}-pair-{rank}-h">'
            f'<h{h} id="{prefix}-pair-{rank}-h">{rank}. {a} and {b}: score {_fmt(pair.score)} ({state})</h{h}>'
            f'<div class="lsim-scroll" tabindex="0" role="region" aria-label="answer cells of {a} and {b}">'
            f'<table class="lsim-side"><caption>The answer cells of {a} and {b} side by '
            f"side; highlighted, underlined code matches the other student's cell</caption>"
            f'<thead><tr><th scope="col">Answer cell</th><th scope="col">{a}</th><th scope="col">{b}</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>")


def _summary_table(result: SimilarityResult, prefix: str) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in result.cells)
    rows = []
    for rank, pair in enumerate(result.pairs, 1):
        cells = "".join(f'<td class="lsim-num">{_fmt(c.score)}</td>' for c in pair.cells)
        link = f'href="#{prefix}-pair-{rank}"' if pair.flagged else None
        who = (f"<a {link}>{escape(pair.student_a)} and {escape(pair.student_b)}</a>" if link
               else f"{escape(pair.student_a)} and {escape(pair.student_b)}")
        rows.append(f'<tr><td class="lsim-num">{rank}</td><th scope="row">{who}</th>'
                    f'<td class="lsim-num">{_fmt(pair.score)}</td><td class="lsim-num">{pair.matched_tokens}</td>'
                    f"{cells}<td>{'flagged' if pair.flagged else 'not flagged'}</td></tr>")
    return ('<div class="lsim-scroll" tabindex="0" role="region" aria-label="most similar pairs">'
            '<table class="lsim-pairs"><caption>The most similar pairs, highest score '
            'first (scores per answer cell on the right)</caption><thead><tr><th scope="col">Rank</th>'
            '<th scope="col">Students</th><th scope="col">Score</th><th scope="col">Matched tokens</th>'
            f'{head}<th scope="col">Flagged</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def render_fragment(result: SimilarityResult, heading_level: int = 2, id_prefix: str = "lsim") -> str:
    """The result as an HTML fragment (one ``<section>``) to embed in a page: summary, notice, table of pairs,
    and each flagged pair's answer cells side by side. ``heading_level``: the level of its own heading (pairs
    get the next level); ``id_prefix``: makes its element ids unique in the page."""
    if not 1 <= heading_level <= 5:
        raise ValueError(f"heading_level: expected 1 to 5, got {heading_level!r}")
    h, prefix = heading_level, escape(id_prefix)
    parts = [f'<section class="lsim" aria-labelledby="{prefix}-title"><style>{_STYLE}</style>',
             f'<h{h} id="{prefix}-title">Similar answers: {escape(result.assignment)}</h{h}>',
             f'<p class="lsim-notice"><strong>Flagged for reading, not accused.</strong> '
             f"{escape(result.notice)}</p>",
             f"<p>{escape(_summary_line(result))}. A score compares the two students' code after their names, "
             "literal values, comments and layout are normalised away and the code of the release is left out: "
             "1 is the same code, 0 nothing uncommon in common. Code that many students of the class wrote (an "
             "idiom of the exercise) counts neither way.</p>"]
    if result.pairs:
        parts.append(_summary_table(result, prefix))
    else:
        parts.append("<p>No pair of students shares uncommon code.</p>")
    parts += [_pair_section(p, rank, h + 1, prefix) for rank, p in enumerate(result.pairs, 1) if p.flagged]
    if result.problems:
        items = "".join(f"<li>{escape(p.message)}</li>" for p in result.problems)
        parts.append(f"<h{h + 1}>Not compared</h{h + 1}><ul>{items}</ul>")
    parts.append("</section>")
    return "".join(parts)


_PAGE_STYLE = """
:root { color-scheme: light dark; }
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 90rem; padding: 0 1rem; line-height: 1.5;
  background: #ffffff; color: #1a1a1a; }
a { color: #0b57d0; }
@media (prefers-color-scheme: dark) { body { background: #121212; color: #e6e6e6; } a { color: #8ab4f8; } }
"""


def render_page(result: SimilarityResult) -> str:
    """A whole HTML page (works offline: no script, no external file) around :func:`render_fragment`."""
    title = escape(f"Similar answers: {result.assignment}")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{_PAGE_STYLE}</style>"
            f"</head><body><main>{render_fragment(result, heading_level=1)}</main></body></html>\n")
