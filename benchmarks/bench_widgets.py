"""Latency of the explorers in the built book: from a slider input event to the updated view.

For each chapter with an explorer, the page is opened in Debian's chromium (served from 127.0.0.1, nothing
else reachable), a slider handle gets keyboard focus, and Playwright presses the arrow keys (trusted input
events, alternating right and left) and then drags the handle with the mouse. In the page, the time of each
input event (its timeStamp) is compared with the moment the explorer's view has been redrawn and laid out
(a MutationObserver on the view forces style and layout before it reads the clock). The explorer's own share
of that time (its maths and the rebuilt DOM) is reported too, from the view's data-draw-ms attribute.

Target: at most 16 ms from input to updated view. Usage (from the repository root):

    .venv/bin/python benchmarks/bench_widgets.py [--html _build/html] [--presses 60]

Without --html the book's _build/html is used when it is newer than its sources, else the book is built.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.book import book_is_fresh, build_book_in_place, serve_folder  # noqa: E402
from support.browser import CHROMIUM, chromium_missing_reason, is_loopback, launch_chromium  # noqa: E402

PAGES = [("book/gates.html", "gate-explorer", "input x"),
         ("book/cell_state.html", "memory-explorer", "forget gate f"),
         ("book/rnn_limits.html", "vanishing-explorer", "spectral radius \u03c1"),
         ("book/variants.html", "variant-switch", "amplitude")]

INSTRUMENT = """([kind]) => {
  const root = document.querySelector(`.lk-root[data-explorer=${kind}]`);
  const probe = { inputs: [], updates: [] };
  window.__probe = probe;
  // t: when the browser created the event (its timeStamp); d: when the page began dispatching it
  const note = (e) => probe.inputs.push({ type: e.type, t: e.timeStamp, d: performance.now() });
  for (const type of ["keydown", "pointermove", "pointerdown", "mousemove", "mousedown", "touchmove"])
    window.addEventListener(type, note, { capture: true });
  new MutationObserver(() => {
    root.offsetHeight;                      // force style and layout of the new view before timing it
    probe.updates.push({ t: performance.now(), renders: Number(root.dataset.renders), draw: Number(root.dataset.drawMs) });
  }).observe(root, { childList: true, subtree: true, attributes: true });
  return true;
}"""

COLLECT = """() => {
  // pair every view update with the latest input event before it
  const p = window.__probe;
  const out = [];
  for (const u of p.updates) {
    const before = p.inputs.filter((i) => i.t <= u.t);
    if (!before.length) continue;
    const last = before[before.length - 1];
    if (out.length && out[out.length - 1].input === last.t) continue;   // one update per input event
    out.push({ input: last.t, type: last.type, latency: u.t - last.t, dispatch: u.t - last.d, draw: u.draw });
  }
  return { pairs: out, inputs: p.inputs.length, updates: p.updates.length };
}"""


def percentile(values, q):
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def measure_page(browser, base, page_path, kind, label, presses):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    blocked = []
    page.route("**/*", lambda r: r.continue_() if is_loopback(r.request.url) else (blocked.append(r.request.url),
                                                                                     r.abort()))
    page.goto(f"{base}/{page_path}", wait_until="load")
    page.locator(f".lk-root[data-explorer={kind}]").wait_for(timeout=20000)
    page.evaluate(INSTRUMENT, [kind])
    slider = page.locator(".widget-slider", has=page.locator("label.widget-label", has_text=label))
    slider.scroll_into_view_if_needed()
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for n in range(presses):
        page.keyboard.press("ArrowRight" if (n // 5) % 2 == 0 else "ArrowLeft")
        page.wait_for_timeout(20)           # let each frame finish, as a person's key repeats would
    box, track = handle.bounding_box(), slider.locator(".noUi-target").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    for n in range(presses):
        page.mouse.move(track["x"] + track["width"] * (0.1 + 0.8 * (n % 20) / 19), y)
        page.wait_for_timeout(20)
    page.mouse.up()
    page.wait_for_timeout(200)
    result = page.evaluate(COLLECT)
    # baseline: the same mouse moves over an empty margin of the page, no widget involved: how long the
    # browser holds a move before the page sees it (timeStamp -> dispatch)
    page.evaluate("() => { window.__probe.inputs = []; }")
    for n in range(presses):
        page.mouse.move(1240, 200 + 300 * (n % 20) / 19)
        page.wait_for_timeout(20)
    result["queueing"] = page.evaluate(
        "() => window.__probe.inputs.filter((i) => i.type === 'mousemove').map((i) => i.d - i.t)")
    context.close()
    result["blocked"] = blocked
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", type=Path, default=None, help="built book folder (default: _build/html)")
    parser.add_argument("--presses", type=int, default=60, help="key presses and mouse moves per explorer")
    args = parser.parse_args()
    reason = chromium_missing_reason()
    if reason:
        sys.exit(f"bench_widgets: {reason}")
    html = args.html or ROOT / "_build" / "html"
    if args.html is None and not book_is_fresh(html):
        print("building the book (its _build/html is missing or older than its sources) ...", flush=True)
        html = build_book_in_place()
    from playwright.sync_api import sync_playwright

    base, server = serve_folder(html)
    print(f"Explorer latency in the built book ({html}), chromium {CHROMIUM_VERSION()}")
    print("latency: input event (its timeStamp) -> view redrawn and laid out; from dispatch: the same from the")
    print("moment the page starts handling the event (without the browser's input queueing; Chromium holds")
    print("mouse moves for the next frame); draw: the explorer's own maths and DOM. Times in ms, target 16.\n")
    print(f"{'explorer':20s} {'input':6s} {'n':>4s} {'median':>7s} {'p95':>7s} {'max':>7s}   {'from dispatch':>21s}  "
          f"{'draw':>11s}")
    print(f"{'':20s} {'':6s} {'':4s} {'':7s} {'':7s} {'':7s}   {'median':>7s}{'p95':>7s}{'max':>7s}  {'median':>6s}{'max':>5s}")
    every, every_dispatch, queueing = [], [], []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for page_path, kind, label in PAGES:
            r = measure_page(browser, base, page_path, kind, label, args.presses)
            queueing += r["queueing"]
            if r["blocked"]:
                print(f"  {kind}: requests outside loopback were blocked: {r['blocked']}")
            for source, types in (("keys", ("keydown",)), ("mouse", ("pointermove", "mousemove"))):
                pairs = [x for x in r["pairs"] if x["type"] in types]
                if not pairs:
                    print(f"{kind:20s} {source:6s}    0   (no view update recorded)")
                    continue
                lat, draw = [x["latency"] for x in pairs], [x["draw"] for x in pairs]
                disp = [x["dispatch"] for x in pairs]
                every += lat
                every_dispatch += disp
                print(f"{kind:20s} {source:6s} {len(lat):4d} {statistics.median(lat):7.2f} {percentile(lat, 95):7.2f} "
                      f"{max(lat):7.2f}   {statistics.median(disp):7.2f}{percentile(disp, 95):7.2f}{max(disp):7.2f}  "
                      f"{statistics.median(draw):6.2f}{max(draw):5.1f}")
        browser.close()
    server.shutdown()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print()
    for name, values in (("input event -> view", every), ("dispatch -> view", every_dispatch)):
        p95 = percentile(values, 95)
        print(f"{name:20s}: {len(values)} inputs, median {statistics.median(values):.2f} ms, p95 {p95:.2f} ms, "
              f"max {max(values):.2f} ms, {sum(x > 16 for x in values)} over 16 ms "
              f"({'within' if p95 <= 16 else 'OVER'} the 16 ms target at p95)")
    if queueing:
        print(f"{'baseline':20s}: mouse moves over an empty margin (no widget): the browser holds them "
              f"median {statistics.median(queueing):.2f} ms, p95 {percentile(queueing, 95):.2f} ms before the page sees them")
    print(f"load average {load:.2f} on {os.cpu_count()} cores while measuring")


def CHROMIUM_VERSION():
    import subprocess
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.strip().split("\n")[-1]
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
