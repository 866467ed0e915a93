// ---------------------------------------------------------------------------------------------------
// vanishing_explorer.js: how the gradient norm falls with the lag, RNN against LSTM.
// ---------------------------------------------------------------------------------------------------

function drawVanishing(s) {
  const v = LSTMMath.vanishingValues(s);
  const T = v.rnn_norm.length;
  const lags = Array.from({ length: T }, (_, n) => n);
  const plot = linePlot({
    key: "norms", xs: lags, log: true, xLabel: "lag k (gradient at step T - k)", yLabel: "gradient norm",
    width: 560, height: 260, hline: 1,
    series: [
      { key: "rnn_norm", label: `RNN (${v.activation}) \u2016\u2202L/\u2202h\u2016`, values: v.rnn_norm, cls: "lk-s2" },
      { key: "lstm_c_norm", label: "LSTM \u2016\u2202L/\u2202c\u2016", values: v.lstm_c_norm, cls: "lk-s1" },
      { key: "lstm_h_norm", label: "LSTM \u2016\u2202L/\u2202h\u2016", values: v.lstm_h_norm, cls: "lk-s3" },
    ],
  });
  const at = (k) =>
    `<div class="lk-row">lag ${k}: ` +
    readout(`rnn_norm_${k}`, "RNN", v.rnn_norm[k]) + " " +
    readout(`lstm_c_norm_${k}`, "LSTM c", v.lstm_c_norm[k]) + " " +
    readout(`lstm_h_norm_${k}`, "LSTM h", v.lstm_h_norm[k]) + `</div>`;
  const H = s.data.e.length;
  return (
    `<div class="lk-title">L = e\u00b7h<sub>T</sub>, T = ${T}, ${H} units; W<sub>hh</sub> = \u03c1 Q with Q orthogonal, ` +
    `\u03c1 = ${fmt(s.rho, 2)}</div>` +
    plot + at(Math.min(10, T - 1)) + at(T - 1)
  );
}

function render({ model, el }) {
  return mountExplorer(model, el, "vanishing-explorer", drawVanishing);
}

export { LSTMMath };
export const compute = LSTMMath.vanishingValues;
export default { render };
