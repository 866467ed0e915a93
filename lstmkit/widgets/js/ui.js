// ---------------------------------------------------------------------------------------------------
// ui.js: small drawing helpers shared by the explorers (bars, readouts, SVG line plots).
// Inlined with lstm_math.js into every explorer's front end. Everything is built as an HTML string
// and swapped in at once, which costs well under a millisecond for these sizes.
//
// Every number the explorers show sits in an element with data-key (what it is) and data-value (the
// full double, as JSON), so tests and exercises can read exact values from the page.
// ---------------------------------------------------------------------------------------------------

function esc(text) {
  return String(text).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "\u221e";
  if (Number.isNaN(v)) return "\u2013";
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) return v.toExponential(2);
  return v.toFixed(digits);
}

function dataValue(v) {
  // JSON keeps every double exactly (shortest round-trip form); Infinity and NaN become null.
  return esc(JSON.stringify(v));
}

function readout(key, label, value, digits = 4) {
  return `<span class="lk-readout"><span class="lk-label">${label}</span> ` +
    `<span class="lk-value" data-key="${esc(key)}" data-value="${dataValue(value)}">${fmt(value, digits)}</span></span>`;
}

function bar(key, label, value, lo, hi, cls = "") {
  // A horizontal bar from 0 to value on the axis [lo, hi] (clipped); the number is printed beside it.
  const span = hi - lo;
  const pos = (v) => (100 * (Math.min(hi, Math.max(lo, v)) - lo)) / span;
  const zero = pos(0);
  const end = pos(value);
  const left = Math.min(zero, end);
  const width = Math.abs(end - zero);
  return `<div class="lk-bar-row ${cls}">` +
    `<span class="lk-bar-label">${label}</span>` +
    `<span class="lk-bar-track"><span class="lk-bar-zero" style="left:${zero}%"></span>` +
    `<span class="lk-bar-fill" style="left:${left}%;width:${width}%"></span></span>` +
    `<span class="lk-value" data-key="${esc(key)}" data-value="${dataValue(value)}">${fmt(value)}</span>` +
    `<span class="lk-bar-range">[${lo}, ${hi}]</span></div>`;
}

function niceTicks(lo, hi, count = 5) {
  const step0 = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Math.abs(t) < 1e-12 ? 0 : t);
  return ticks;
}

function linePlot(opts) {
  // opts: {key, xs, series: [{key, label, values, cls}], log, zerosAtBottom, xLabel, yLabel, yMin,
  //        yMax, hline, width, height, marks: [{x, label}]}. In log mode the series are plotted as
  //        log10 |value|; zeros are left out, or drawn on the bottom edge with zerosAtBottom.
  const W = opts.width || 460;
  const Hh = opts.height || 220;
  const m = { l: 52, r: 12, t: 12, b: 36 };
  const xs = opts.xs;
  const floor = 1e-300;
  const yOf = (v) => (opts.log ? Math.log10(Math.max(Math.abs(v), floor)) : v);
  let lo = opts.yMin;
  let hi = opts.yMax;
  if (lo === undefined || hi === undefined) {
    const all = [];
    for (const s of opts.series) for (const v of s.values) if (Number.isFinite(v) && (!opts.log || v !== 0)) all.push(yOf(v));
    let dlo = all.length ? Math.min(...all) : 0;
    let dhi = all.length ? Math.max(...all) : 1;
    if (opts.log) {
      dlo = Math.max(Math.floor(dlo), -30);
      dhi = Math.min(Math.ceil(dhi), 30);
      if (dhi - dlo < 1) dhi = dlo + 1;
    } else if (dhi - dlo < 1e-9) {
      dlo -= 1;
      dhi += 1;
    }
    if (lo === undefined) lo = dlo;
    if (hi === undefined) hi = dhi;
  }
  const x0 = xs[0];
  const x1 = xs[xs.length - 1] === x0 ? x0 + 1 : xs[xs.length - 1];
  const px = (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y) => Hh - m.b - ((Math.min(hi, Math.max(lo, y)) - lo) / (hi - lo)) * (Hh - m.t - m.b);
  // what a screen reader says for the figure: the axes and the curves drawn
  const described = `${opts.yLabel || "value"} against ${opts.xLabel || "x"}: ` +
    opts.series.map((s) => String(s.label).replace(/<[^>]*>/g, "")).join(", ");
  let svg = `<svg class="lk-plot" data-key="${esc(opts.key)}" viewBox="0 0 ${W} ${Hh}" width="${W}" height="${Hh}" role="img" aria-label="${esc(described)}">`;
  const yt = opts.log ? niceTicks(lo, hi, Math.min(6, hi - lo)).filter((t) => Number.isInteger(t)) : niceTicks(lo, hi);
  for (const t of yt) {
    svg += `<line class="lk-grid" x1="${m.l}" x2="${W - m.r}" y1="${py(t)}" y2="${py(t)}"/>`;
    const label = opts.log ? `1e${t}` : fmt(t, 2);
    svg += `<text class="lk-tick" x="${m.l - 4}" y="${py(t) + 4}" text-anchor="end">${label}</text>`;
  }
  for (const t of niceTicks(x0, x1, 6)) {
    if (t < x0 || t > x1) continue;
    svg += `<text class="lk-tick" x="${px(t)}" y="${Hh - m.b + 14}" text-anchor="middle">${fmt(t, 0)}</text>`;
  }
  svg += `<line class="lk-axis" x1="${m.l}" x2="${W - m.r}" y1="${Hh - m.b}" y2="${Hh - m.b}"/>`;
  svg += `<line class="lk-axis" x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${Hh - m.b}"/>`;
  if (opts.hline !== undefined) {
    const y = py(yOf(opts.hline));
    svg += `<line class="lk-hline" x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}"/>`;
  }
  for (const mark of opts.marks || []) {
    svg += `<line class="lk-mark" x1="${px(mark.x)}" x2="${px(mark.x)}" y1="${m.t}" y2="${Hh - m.b}"/>`;
    svg += `<text class="lk-tick" x="${px(mark.x) + 3}" y="${m.t + 10}">${esc(mark.label)}</text>`;
  }
  for (const s of opts.series) {
    let d = "";
    s.values.forEach((v, n) => {
      if (!Number.isFinite(v) || (opts.log && Math.abs(v) < floor)) {
        if (opts.log && v === 0 && opts.zerosAtBottom) d += `${d ? "L" : "M"}${px(xs[n]).toFixed(2)},${py(lo).toFixed(2)}`;
        else if (!opts.zerosAtBottom) d += " ";   // a gap: the next point starts a new piece
        return;
      }
      d += `${d && !d.endsWith(" ") ? "L" : "M"}${px(xs[n]).toFixed(2)},${py(yOf(v)).toFixed(2)}`;
    });
    svg += `<path class="lk-line ${s.cls || ""}" data-key="${esc(s.key)}" data-series="${dataValue(s.values)}" d="${d}"/>`;
  }
  svg += `<text class="lk-axis-label" x="${(m.l + W - m.r) / 2}" y="${Hh - 4}" text-anchor="middle">${esc(opts.xLabel || "")}</text>`;
  svg += `<text class="lk-axis-label" transform="translate(12 ${(m.t + Hh - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel || "")}</text>`;
  svg += "</svg>";
  const legend = opts.series
    .map((s) => `<span class="lk-legend-item"><span class="lk-swatch ${s.cls || ""}"></span>${s.label}</span>`)
    .join("");
  return `<figure class="lk-figure">${svg}<figcaption class="lk-legend">${legend}</figcaption></figure>`;
}

function readState(model, keys) {
  const s = {};
  for (const k of keys) s[k] = model.get(k);
  return s;
}

function mountExplorer(model, el, kind, draw) {
  // Draw once, then again whenever a synced value changes (a slider moved, Python set a trait).
  // The names of the state are the explorer's schema, sent by Python (lstmkit/widgets/schema.py).
  const keys = model.get("_state_keys");
  el.classList.add("lk-explorer", `lk-${kind}`);
  const root = document.createElement("div");
  root.className = "lk-root";
  root.dataset.explorer = kind;
  el.appendChild(root);
  let renders = 0;
  const update = () => {
    const start = performance.now();
    const state = readState(model, keys);
    try {
      root.innerHTML = draw(state);
      // the scalar values drawn (the large fixed arrays stay in the widget state only)
      const scalars = {};
      for (const k of keys) if (typeof state[k] === "number") scalars[k] = state[k];
      root.dataset.state = JSON.stringify(scalars);
      renders += 1;
      root.dataset.renders = String(renders);
      root.dataset.drawMs = (performance.now() - start).toFixed(3);   // maths and DOM, for the benchmark
    } catch (err) {
      root.innerHTML = `<div class="lk-error">${esc(err.message)}</div>`;
      throw err;
    }
  };
  update();
  model.on("change", update);
  return () => model.off("change", update);
}
