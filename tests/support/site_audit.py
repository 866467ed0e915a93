"""Load a page of the built book in chromium and record what a student's browser sees: every request (bytes,
where to), every console message and page error, and axe-core's WCAG 2 A/AA verdict.

Shared by tests/test_site_a11y.py and benchmarks/bench_site_weight.py. The network is blocked: a request that
leaves loopback is aborted and recorded. axe-core comes from npm (package.json, devDependencies, pinned in
package-lock.json) and is injected into the page after it loaded.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from support.book import ROOT
from support.browser import block_outside_loopback, is_loopback

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MODES = ("light", "dark")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 1000}


@dataclass
class Request:
    url: str
    bytes: int            # response body as served (http.server sends files uncompressed)
    status: int


@dataclass
class PageVisit:
    """What one page load did."""
    page: str
    mode: str
    requests: list = field(default_factory=list)     # Request
    failed: list = field(default_factory=list)       # (url, why): 4xx/5xx answers and failed loads
    blocked: list = field(default_factory=list)      # URLs outside loopback (aborted)
    console: list = field(default_factory=list)      # (level, text) of every console message
    page_errors: list = field(default_factory=list)  # uncaught exceptions

    @property
    def total_bytes(self) -> int:
        return sum(r.bytes for r in self.requests)

    def problems(self) -> list[str]:
        """Console errors and warnings, page errors, failed and blocked requests: all must be empty."""
        out = [f"console.{level}: {text}" for level, text in self.console if level in ("error", "warning")]
        out += [f"pageerror: {e}" for e in self.page_errors]
        out += [f"failed request: {u} ({why})" for u, why in self.failed]
        out += [f"request outside the site: {u}" for u in self.blocked]
        return out


def site_pages(html: Path) -> list[str]:
    """Every HTML page of the site (site-relative), not the theme's templates or page sources."""
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if p.relative_to(html).parts[0] not in ("_static", "_sources", "_downloads"))


def new_context(browser, mode: str = "light", viewport: dict = DESKTOP):
    """A browser context whose pages start in the book's light or dark theme (the theme reads its mode from
    localStorage) with the matching colour scheme preference."""
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    context = browser.new_context(viewport=viewport, color_scheme=mode)
    context.add_init_script(f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', "
                            f"'{mode}'); }} catch (e) {{}}")
    return context


def open_page(context, base_url: str, page_path: str, mode: str, settle_ms: int = 400):
    """Open one page, wait until it loaded, its explorers rendered and MathJax typeset; returns (page, visit)."""
    page = context.new_page()
    visit = PageVisit(page=page_path, mode=mode)

    def finished(request):
        try:
            response = request.response()
            size = request.sizes()["responseBodySize"] if response else 0
        except Exception:         # noqa: BLE001 - the page was closed while a late request finished
            return
        visit.requests.append(Request(request.url, size, response.status if response else 0))
        if response and response.status >= 400:
            visit.failed.append((request.url, response.status))

    block_outside_loopback(page, visit.blocked)
    page.on("requestfinished", finished)
    page.on("requestfailed", lambda r: None if not is_loopback(r.url) else visit.failed.append((r.url, r.failure)))
    page.on("console", lambda m: visit.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    url = f"{base_url}/{page_path}"
    redirect = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', context.request.get(url).text(), re.I)
    page.goto(url, wait_until="load")
    if redirect:                                   # the root page sends the reader to the first chapter
        target = urljoin(url, redirect.group(1).strip())
        page.wait_for_url(target, wait_until="load", timeout=10000)
    settle(page, settle_ms)
    return page, visit


SETTLED = """async () => {
  // widgets: every saved view has been drawn (html-manager replaces each view script's placeholder)
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  const deadline = performance.now() + 20000;
  while (views && document.querySelectorAll('.jupyter-widgets, .widget-box, .lk-root').length === 0) {
    if (performance.now() > deadline) return 'widgets did not render';
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  return 'ok';
}"""


def settle(page, extra_ms: int = 400) -> None:
    """Wait for the widgets and the maths, then a little longer for late scripts (theme, icons)."""
    state = page.evaluate(SETTLED)
    if state != "ok":
        raise AssertionError(f"{page.url}: {state}")
    page.wait_for_timeout(extra_ms)


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now: [{id, impact, help, nodes}]."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf8"))
    result = page.evaluate("""async (tags) => {
      const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", AXE_TAGS)
    return result


def describe_violations(violations: list[dict], limit: int = 6) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
        for node in v["nodes"][:limit]:
            lines.append(f"      {node['target']}: {(node['summary'] or '').splitlines()[-1] if node['summary'] else ''}")
    return "\n".join(lines)


def dumps(obj) -> str:
    return json.dumps(obj, indent=1, default=lambda o: o.__dict__)
