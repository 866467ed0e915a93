// ---------------------------------------------------------------------------------------------------
// gate_explorer.js: one LSTM step with one unit and one input (lstm_math.js and ui.js come first).
// ---------------------------------------------------------------------------------------------------

const GATE_TITLES = { i: "input gate i", f: "forget gate f", g: "candidate g", o: "output gate o" };

function drawGate(s) {
  const v = LSTMMath.gateValues(s);
  const pre = ["i", "f", "g", "o"]
    .map((k) => readout(`a_${k}`, `a<sub>${k}</sub> =`, v[`a_${k}`], 3))
    .join(" ");
  const cRange = Math.max(2, Math.ceil(Math.abs(s.c_prev) + 1));
  return (
    `<div class="lk-title">One LSTM step: a = w<sub>x</sub> x + w<sub>h</sub> h<sub>t-1</sub> + b for each gate</div>` +
    `<div class="lk-row lk-pre">${pre}</div>` +
    `<div class="lk-bars">` +
    bar("i", GATE_TITLES.i, v.i, 0, 1, "lk-gate") +
    bar("f", GATE_TITLES.f, v.f, 0, 1, "lk-gate") +
    bar("g", GATE_TITLES.g, v.g, -1, 1, "lk-cand") +
    bar("o", GATE_TITLES.o, v.o, 0, 1, "lk-gate") +
    bar("c", "cell state c<sub>t</sub>", v.c, -cRange, cRange, "lk-state") +
    bar("h", "output h<sub>t</sub>", v.h, -1, 1, "lk-state") +
    `</div>` +
    `<div class="lk-eq">c<sub>t</sub> = f c<sub>t-1</sub> + i g = ${fmt(v.f, 3)} \u00d7 ${fmt(s.c_prev, 3)} + ` +
    `${fmt(v.i, 3)} \u00d7 ${fmt(v.g, 3)} = ${fmt(v.c, 3)}; ` +
    `h<sub>t</sub> = o tanh(c<sub>t</sub>) = ${fmt(v.o, 3)} \u00d7 ${fmt(Math.tanh(v.c), 3)} = ${fmt(v.h, 3)}</div>`
  );
}

function render({ model, el }) {
  return mountExplorer(model, el, "gate-explorer", drawGate);
}

export { LSTMMath };
export const compute = LSTMMath.gateValues;
export default { render };
