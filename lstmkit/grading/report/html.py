"""The class report as one self-contained HTML page: inline CSS and SVG, no script, no request.

WCAG 2 AA: one ``<h1>`` and ``<h2>`` per section, tables with captions and header cells (``scope``), every plot
named by its ``<title>`` and ``<desc>`` and repeated as a table, colours with at least 4.5:1 contrast for text
and 3:1 for bars in light and dark mode (``prefers-color-scheme``), wide tables scroll inside a focusable
region on a phone.
"""
from __future__ import annotations

from html import escape
from typing import Iterable, Optional, Sequence

from . import plots
from .data import ClassReport, CellStats, MistakeCount, StatusCount, Submission

TOP_MISTAKES = 15
"""The mistakes drawn in the bar chart (the table lists every one)."""
STATUS_WORDS = {"graded": "every cell has its score", "needs_manual": "a written answer waits for a person",
                "rejected": "the pre-flight check refused the notebook; no grade",
                "error": "a limit was hit or grading failed; the score counts the tests that passed"}

CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1a1a1a; --muted: #4b5563; --link: #0b57d0;
  --line: #9ca3af; --stripe: #f3f4f6; --bar: #1d4ed8; --full: #1b7f3b; --partial: #a15c00; --zero: #c62828;
  --waiting: #6b7280; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121212; --fg: #e8e8e8; --muted: #b8bec7; --link: #8ab4f8; --line: #6b7280; --stripe: #1e1e1e;
    --bar: #7aa2ff; --full: #4caf50; --partial: #f0b429; --zero: #ff6b6b; --waiting: #9ca3af; }
}
body { background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
a { color: var(--link); text-decoration: underline; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.35rem; margin-top: 2.2rem; } h3 { font-size: 1.1rem; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll:focus { outline: 2px solid var(--link); }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: var(--stripe); }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; white-space: nowrap; }
svg.plot { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
.figure svg.plot { min-width: 420px; max-width: 48rem; }
svg .label { fill: var(--fg); font-family: system-ui, sans-serif; }
svg .axis { stroke: var(--line); }
svg .bar { fill: var(--bar); } svg .full { fill: var(--full); } svg .partial { fill: var(--partial); }
svg .zero { fill: var(--zero); } svg .waiting { fill: var(--waiting); }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
.swatch { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.3rem; vertical-align: -0.1rem; }
.swatch.full { background: var(--full); } .swatch.partial { background: var(--partial); }
.swatch.zero { background: var(--zero); } .swatch.waiting { background: var(--waiting); }
details summary { cursor: pointer; color: var(--link); }
"""


# ------------------------------------------------------------------------------------------ helpers
def num(value: Optional[float], digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table in a focusable scrolling region; ``rows`` hold HTML (escape text first); the first cell of each
    row is its header; ``numeric``: column indices aligned right."""
    def cls(i):
        return ' class="num"' if i in numeric else ""

    head_html = "".join(f'<th scope="col"{cls(i)}>{escape(h)}</th>' for i, h in enumerate(head))
    body = []
    for row in rows:
        cells = [f'<th scope="row"{cls(0)}>{row[0]}</th>'] + [f"<td{cls(i)}>{v}</td>" for i, v in
                                                                enumerate(row[1:], start=1)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll" tabindex="0" role="region" aria-label="{escape(caption)}">'
            f"<table><caption>{escape(caption)}</caption><thead><tr>{head_html}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def figure(svg: str, label: str) -> str:
    """A plot in a focusable region that scrolls sideways on a narrow screen (the plot keeps a readable size)."""
    return f'<div class="scroll figure" tabindex="0" role="region" aria-label="{escape(label)}">{svg}</div>'


def section(sid: str, title: str, body: str) -> str:
    return f'<section id="{escape(sid)}" aria-labelledby="{escape(sid)}-h"><h2 id="{escape(sid)}-h">' \
           f'{escape(title)}</h2>{body}</section>'


def code_link(m: MistakeCount) -> str:
    if m.url:
        return f'<a href="{escape(m.url)}">{escape(m.section)}</a>'
    return escape(m.section) if m.section else '<span class="muted">no book section (not a check\'s diagnosis)</span>'


def bin_label(edges: Sequence[float], i: int, top: float) -> str:
    """Words for bin ``i``: "2 to below 3"; the last bin "9 to 10" (it includes its end), or "10 (full
    marks)" when it holds the top score alone."""
    lo, hi = edges[i], edges[i + 1]
    if i < len(edges) - 2:
        return f"{num(lo)} to below {num(hi)}"
    return f"{num(lo)} (full marks)" if abs(lo - top) < 1e-9 else f"{num(lo)} to {num(hi)}"


# ------------------------------------------------------------------------------------------ sections
def scores_section(r: ClassReport) -> str:
    graded = [s.score for s in r.submissions if s.score is not None]
    mean = sum(graded) / len(graded) if graded else None
    desc = (f"Histogram of the total scores of {len(graded)} graded submissions out of {num(r.max_score)} "
            f"points; mean {num(mean)}.")
    svg = plots.histogram("plot-scores", r.score_histogram, f"Scores on {r.assignment}", desc,
                          f"score (out of {num(r.max_score)} points)")
    h = r.score_histogram
    bins = [(escape(bin_label(h.edges, i, r.max_score)), str(n)) for i, n in enumerate(h.counts)]
    text = (f"<p>{len(graded)} graded submissions, mean score {num(mean)} of {num(r.max_score)} points "
            f"(before late penalties; written answers count once graded by hand).</p>")
    counts = table("Submissions per score", ["score", "submissions"], bins, numeric=(1,))
    return section("scores", "Score distribution", text + figure(svg, "Score histogram") + counts)


def _cell_bar(c: CellStats) -> plots.Bar:
    segs = ((c.full, "full"), (c.partial, "partial"), (c.zero, "zero"), (c.waiting, "waiting"))
    note = f"{c.full} of {c.graded + c.waiting} full"
    return plots.Bar(label=c.cell, segments=tuple(s for s in segs if s[0]), note=note)


def cells_section(r: ClassReport) -> str:
    desc = "; ".join(f"{c.cell}: {c.full} full, {c.partial} partial, {c.zero} none, {c.waiting} waiting"
                     for c in r.cells)
    svg = plots.bars("plot-cells", [_cell_bar(c) for c in r.cells], f"Scores per cell of {r.assignment}",
                     "Students per graded cell with full marks, partial marks, none, and waiting for a manual "
                     "grade: " + desc)
    legend = ('<ul class="legend" aria-label="Legend">' + "".join(
        f'<li><span class="swatch {k}"></span>{w}</li>' for k, w in
        (("full", "full marks"), ("partial", "partial"), ("zero", "none"), ("waiting", "waiting for a person")))
        + "</ul>")
    several = len({c.notebook for c in r.cells}) > 1
    rows = [(escape(f"{c.notebook}: {c.cell}" if several else c.cell), escape(c.kind), num(c.max_score),
             str(c.full), str(c.partial), str(c.zero), str(c.waiting), num(c.mean),
             ", ".join(f"<code>{escape(code)}</code> ({n})" for code, n in c.codes[:3]) or "–")
            for c in r.cells]
    return section("cells", "Scores per cell", legend + figure(svg, "Scores per cell, plot") + table(
        "Scores and recorded mistakes per graded cell",
        ["cell", "kind", "points", "full", "partial", "none", "waiting for a person", "mean",
         "most frequent mistakes (students)"], rows, numeric=(2, 3, 4, 5, 6, 7)))


def mistakes_section(r: ClassReport) -> str:
    intro = (f"<p>Mistake codes recorded by the hardened grader, one per failing test cell, counted over the "
             f"{r.tested} students whose tests it ran. A student has a code once however many cells show it; "
             f"<em>cells</em> counts every failing cell.</p>")
    if not r.mistakes:
        return section("mistakes", "Most frequent mistakes", intro + "<p>No mistake was recorded.</p>")
    top = r.mistakes[:TOP_MISTAKES]
    svg = plots.bars("plot-mistakes", [plots.Bar(m.code, ((m.students, "bar"),),
                                                 f"{m.students} ({pct(m.share)})") for m in top],
                     f"The {len(top)} most frequent mistakes in {r.assignment}",
                     "Students with each mistake code: " + "; ".join(
                         f"{m.code}: {m.students} students, {pct(m.share)} of the class" for m in top),
                     label_width=230)
    rows = [(f"<code>{escape(m.code)}</code>", str(m.students), pct(m.share), str(m.occurrences),
             ", ".join(escape(c) for c in m.cells), code_link(m)) for m in r.mistakes]
    every = table("Every recorded mistake code, most frequent first",
                  ["code", "students", "share of the class", "cells", "recorded on", "book section"], rows,
                  numeric=(1, 2, 3))
    return section("mistakes", "Most frequent mistakes", intro + figure(svg, "Most frequent mistakes, plot") + every)


def _reasons(s: StatusCount) -> str:
    if not s.reasons:
        return "–"
    return "<ul>" + "".join(f"<li>{escape(reason)} ({n})</li>" for reason, n in s.reasons[:20]) + "</ul>"


def statuses_section(r: ClassReport) -> str:
    rows = [(f"<code>{escape(s.status)}</code>", str(s.count), escape(STATUS_WORDS.get(s.status, "")),
             _reasons(s)) for s in r.statuses]
    return section("statuses", "Statuses", table("Submissions per status, with the reasons the grader gave",
                                                 ["status", "submissions", "meaning", "reasons (submissions)"],
                                                 rows, numeric=(1,)))


def time_section(r: ClassReport) -> str:
    t = r.times
    if not t.count:
        return section("time", "Grading time", "<p>No grading time was recorded (the hardened grader records "
                                               "it).</p>")
    text = (f"<p>{t.count} submissions graded in {num(t.total, 1)} s of grading time in all: median "
            f"{num(t.median, 1)} s, 90th percentile {num(t.p90, 1)} s, longest {num(t.max, 1)} s per submission "
            f"(one grading process; several run side by side).</p>")
    svg = plots.histogram("plot-time", t.histogram, "Grading time per submission",
                          f"Histogram of the seconds spent grading each of {t.count} submissions; median "
                          f"{num(t.median, 1)} s, longest {num(t.max, 1)} s.", "seconds per submission")
    return section("time", "Grading time", text + figure(svg, "Grading time histogram"))


def late_section(r: ClassReport) -> str:
    late = [s for s in r.submissions if s.late_penalty]
    if not late:
        return section("late", "Late penalties", "<p>No late penalty is recorded for this assignment.</p>")
    rows = [(escape(s.student), escape(s.timestamp or "–"), num(s.score), num(s.late_penalty),
             num(s.final_score)) for s in late]
    return section("late", "Late penalties", table(f"Submissions with a late penalty ({len(late)})",
                                                   ["student", "handed in (UTC)", "raw score", "penalty",
                                                    "score"], rows, numeric=(2, 3, 4)))


def _submission_row(s: Submission) -> tuple:
    return (escape(s.student), f"<code>{escape(s.status)}</code>", num(s.score), num(s.late_penalty),
            num(s.final_score), num(s.seconds, 1), escape(s.grader),
            ", ".join(f"<code>{escape(c)}</code>" for c in dict.fromkeys(s.codes)) or "–", escape(s.reason))


def submissions_section(r: ClassReport) -> str:
    body = (f"<details><summary>Show all {len(r.submissions)} submissions</summary>"
            + table("Every submission", ["student", "status", "raw score", "late penalty", "score", "seconds",
                                         "graded by", "mistakes", "reason"],
                    [_submission_row(s) for s in r.submissions], numeric=(2, 3, 4, 5)) + "</details>")
    return section("submissions", "Every submission", body)


# ------------------------------------------------------------------------------------------ the page
def render(r: ClassReport) -> str:
    """The whole page."""
    parts = [scores_section(r), cells_section(r), mistakes_section(r), statuses_section(r), time_section(r),
             late_section(r)]
    parts += [section(s.id, s.title, s.html) for s in r.sections]
    parts.append(submissions_section(r))
    toc = "".join(f'<li><a href="#{escape(sid)}">{escape(title)}</a></li>' for sid, title in
                  [("scores", "Score distribution"), ("cells", "Scores per cell"),
                   ("mistakes", "Most frequent mistakes"), ("statuses", "Statuses"), ("time", "Grading time"),
                   ("late", "Late penalties")] + [(s.id, s.title) for s in r.sections]
                  + [("submissions", "Every submission")])
    head = (f"<p>Course <code>{escape(r.course_id)}</code>, {len(r.submissions)} submissions, report made "
            f"{escape(r.generated_at)}.</p>"
            f'<nav aria-label="Contents"><ul>{toc}</ul></nav>')
    title = f"Class report: {r.assignment}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="color-scheme" content="light dark"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body><main><h1>{escape(title)}</h1>{head}{''.join(parts)}"
            f"</main></body></html>\n")
