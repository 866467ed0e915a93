// ---------------------------------------------------------------------------------------------------
// memory_explorer.js: a value stored in the cell state, step after step, next to a tanh RNN.
// ---------------------------------------------------------------------------------------------------

function drawMemory(s) {
  const v = LSTMMath.memoryValues(s);
  const T = v.c.length;
  const steps = Array.from({ length: T }, (_, n) => n + 1);
  const lags = Array.from({ length: T }, (_, n) => n);
  const what = ["", "erase", "overwrite"][s.schedule];
  const marks = s.schedule > 0 && s.erase_step <= T ? [{ x: s.erase_step, label: what }] : [];
  const lagMarks = s.schedule > 0 && s.erase_step <= T ? [{ x: s.erase_step - 1, label: what }] : [];
  const traj = linePlot({
    key: "trajectory", xs: steps, width: 330, xLabel: "step t", yLabel: "state",
    series: [
      { key: "c", label: "LSTM cell state c<sub>t</sub>", values: v.c, cls: "lk-s1" },
      { key: "h", label: "RNN state h<sub>t</sub>", values: v.h, cls: "lk-s2" },
    ],
    marks,
  });
  const grads = linePlot({
    key: "gradients", xs: lags, log: true, zerosAtBottom: true, width: 330, xLabel: "lag t - 1", yLabel: "|gradient product|", hline: 0.5,
    series: [
      { key: "cell_grad", label: "\u2202c<sub>t</sub>/\u2202c<sub>1</sub> = \u220f f", values: v.cell_grad, cls: "lk-s1" },
      { key: "rnn_grad", label: "\u2202h<sub>t</sub>/\u2202h<sub>1</sub> = \u220f w (1 - h\u00b2)", values: v.rnn_grad, cls: "lk-s2" },
    ],
    marks: lagMarks,
  });
  const lag = (x) => (x === null ? `beyond ${T - 1}` : String(x));
  return (
    `<div class="lk-title">Storing v = ${fmt(s.v, 2)} at step 1, then ${T - 1} more steps</div>` +
    `<div class="lk-row lk-plots">${traj}${grads}</div>` +
    `<div class="lk-row">` +
    readout("half_life", "half-life ln 2 / (-ln f) =", v.half_life, 2) + " steps; " +
    `<span class="lk-readout">half left after lag <span class="lk-value" data-key="cell_half_lag" data-value="${dataValue(v.cell_half_lag)}">${lag(v.cell_half_lag)}</span> (LSTM), ` +
    `<span class="lk-value" data-key="rnn_half_lag" data-value="${dataValue(v.rnn_half_lag)}">${lag(v.rnn_half_lag)}</span> (RNN)</span>` +
    `</div><div class="lk-row">` +
    readout("c_T", `c<sub>${T}</sub> =`, v.c[T - 1]) + " " +
    readout("h_T", `h<sub>${T}</sub> =`, v.h[T - 1]) + " " +
    readout("cell_grad_T", `\u2202c<sub>${T}</sub>/\u2202c<sub>1</sub> =`, v.cell_grad[T - 1]) + " " +
    readout("rnn_grad_T", `\u2202h<sub>${T}</sub>/\u2202h<sub>1</sub> =`, v.rnn_grad[T - 1]) +
    `</div>`
  );
}

function render({ model, el }) {
  return mountExplorer(model, el, "memory-explorer", drawMemory);
}

export { LSTMMath };
export const compute = LSTMMath.memoryValues;
export default { render };
