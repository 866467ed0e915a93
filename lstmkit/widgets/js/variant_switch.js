// ---------------------------------------------------------------------------------------------------
// variant_switch.js: standard, peephole, coupled (CIFG) LSTM and GRU on the same inputs.
// ---------------------------------------------------------------------------------------------------

const VARIANT_LABELS = { standard: "standard LSTM", peephole: "peephole LSTM", coupled: "coupled (CIFG)", gru: "GRU" };

function gateTable(run, variant) {
  const names = variant === "gru" ? ["r", "z", "n"] : ["i", "f", "g", "o"];
  const T = run.h.length;
  let rows = `<tr><th>t</th>${Array.from({ length: T }, (_, n) => `<th>${n + 1}</th>`).join("")}</tr>`;
  const rowOf = (key, label, values, signed) => {
    const cells = values
      .map((x, n) => {
        const alpha = signed ? Math.min(1, Math.abs(x)) : Math.min(1, Math.max(0, x));
        const cls = signed && x < 0 ? "lk-neg" : "lk-pos";
        return `<td class="${cls}" style="--lk-alpha:${alpha.toFixed(3)}" data-key="${key}_${n + 1}" data-value="${dataValue(x)}">${fmt(x, 2)}</td>`;
      })
      .join("");
    return `<tr><th>${label}</th>${cells}</tr>`;
  };
  for (const k of names) rows += rowOf(k, k, run.gates[k], k === "g" || k === "n");
  if (variant !== "gru") rows += rowOf("c", "c", run.c, true);
  rows += rowOf("h", "h", run.h, true);
  // a frame that scrolls sideways on a narrow screen, reachable with the keyboard
  return `<div class="lk-table-scroll" tabindex="0" role="region" aria-label="${esc(VARIANT_LABELS[variant])}: ` +
    `gates and states at every step">` +
    `<table class="lk-gates" data-variant="${variant}">${rows}</table></div>`;
}

function drawVariants(s) {
  const v = LSTMMath.variantValues(s);
  const sel = v.selected;
  const T = v.x.length;
  const steps = Array.from({ length: T }, (_, n) => n + 1);
  const series = LSTMMath.VARIANTS.map((name, n) => ({
    key: `h_${name}`, label: VARIANT_LABELS[name], values: v[name].h,
    cls: `lk-v${n}${name === sel ? " lk-selected" : ""}`,
  }));
  series.push({ key: "x", label: "input x<sub>t</sub>", values: v.x, cls: "lk-input" });
  const plot = linePlot({ key: "h", xs: steps, xLabel: "step t", yLabel: "h_t", series, width: 560, height: 230 });
  const finals = LSTMMath.VARIANTS.map((name) =>
    readout(`h_T_${name}`, `${VARIANT_LABELS[name]}:`, v[name].h[T - 1])).join(" ");
  return (
    `<div class="lk-title">Same inputs, four cells; selected: <b data-key="selected">${VARIANT_LABELS[sel]}</b></div>` +
    plot +
    `<div class="lk-row">h<sub>${T}</sub>: ${finals}</div>` +
    gateTable(v[sel], sel)
  );
}

function render({ model, el }) {
  return mountExplorer(model, el, "variant-switch", drawVariants);
}

export { LSTMMath };
export const compute = LSTMMath.variantValues;
export default { render };
