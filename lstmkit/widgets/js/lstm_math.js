// ---------------------------------------------------------------------------------------------------
// lstm_math.js: the maths of the lstmkit explorers, in plain JavaScript (float64, no dependencies).
//
// lstmkit.widgets inlines this file at the top of every explorer's front end, so the explorers keep
// computing in a page with no kernel and no network. Each function mirrors one in lstmkit (numpy);
// tests/widgets/test_widgets_math.py checks that both give the same numbers.
//
// Conventions are lstmkit's: gate order i, f, g, o (LSTM) and r, z, n (GRU); a weight matrix is an
// array of rows, one row per unit, so matvec(W, x) is the column-vector W x that lstmkit computes
// for a batch as x @ W.T. Vectors are plain arrays of numbers.
// ---------------------------------------------------------------------------------------------------

function sigmoid(x) {
  // Written as lstmkit writes it, 0.5 tanh(x / 2) + 0.5: the same function as 1 / (1 + exp(-x)),
  // never overflows, and rounds the way lstmkit rounds.
  return 0.5 * Math.tanh(0.5 * x) + 0.5;
}

function matvec(W, x) {
  // W (M, N), x (N) -> W x (M)
  const out = new Array(W.length);
  for (let m = 0; m < W.length; m++) {
    const row = W[m];
    let s = 0;
    for (let n = 0; n < x.length; n++) s += row[n] * x[n];
    out[m] = s;
  }
  return out;
}

function matTvec(W, y) {
  // W (M, N), y (M) -> W^T y (N): how a gradient flows back through W x.
  const N = W[0].length;
  const out = new Array(N).fill(0);
  for (let m = 0; m < W.length; m++) {
    const row = W[m];
    const ym = y[m];
    for (let n = 0; n < N; n++) out[n] += row[n] * ym;
  }
  return out;
}

function scaleMatrix(W, s) {
  return W.map((row) => row.map((v) => s * v));
}

function norm2(v) {
  let s = 0;
  for (const a of v) s += a * a;
  return Math.sqrt(s);
}

function preactivation(x, h, p) {
  // a = W_ih x + b_ih + W_hh h + b_hh, all G gate blocks stacked (G*H).
  const ax = matvec(p.weight_ih, x);
  const ah = matvec(p.weight_hh, h);
  return ax.map((v, k) => v + p.bias_ih[k] + ah[k] + p.bias_hh[k]);
}

// --------------------------------------------------------------------------------------------- RNN
const RNN_ACTIVATIONS = {
  // name: [phi(a), phi'(a) written with a and phi(a)]
  tanh: [Math.tanh, (a, y) => 1 - y * y],
  relu: [(a) => (a > 0 ? a : 0), (a) => (a > 0 ? 1 : 0)],
  linear: [(a) => a, () => 1],
};

function rnnStep(x, hPrev, p, activation = "tanh") {
  // h = phi(W_ih x + b_ih + W_hh h_prev + b_hh); lstmkit.cells.rnn_step_forward for phi = tanh.
  const act = RNN_ACTIVATIONS[activation];
  if (!act) throw new Error(`activation: expected one of tanh, relu, linear, got ${activation}`);
  const a = preactivation(x, hPrev, p);
  return { a, h: a.map((v) => act[0](v)), activation };
}

function rnnStepBackward(dh, step, p) {
  // dh (H) -> dh_prev = W_hh^T (phi'(a) * dh); lstmkit.cells.rnn_step_backward for tanh.
  const dphi = RNN_ACTIVATIONS[step.activation][1];
  const da = dh.map((v, j) => v * dphi(step.a[j], step.h[j]));
  return { da, dhPrev: matTvec(p.weight_hh, da) };
}

// -------------------------------------------------------------------------------------------- LSTM
function lstmGateNames(opts = {}) {
  const forgetGate = opts.forget_gate !== false;
  return forgetGate && !opts.coupled ? ["i", "f", "g", "o"] : ["i", "g", "o"];
}

function lstmStep(x, hPrev, cPrev, p, opts = {}) {
  // One step of lstmkit.cells.lstm_step_forward (same options: forget_gate, peepholes, coupled).
  const forgetGate = opts.forget_gate !== false;
  const peep = !!opts.peepholes;
  const coupled = !!opts.coupled;
  const names = lstmGateNames(opts);
  const H = hPrev.length;
  const a = preactivation(x, hPrev, p);
  const block = (name) => {
    const k = names.indexOf(name);
    return a.slice(k * H, (k + 1) * H);
  };
  const ai = block("i");
  if (peep) for (let j = 0; j < H; j++) ai[j] += p.peep_i[j] * cPrev[j];
  const i = ai.map(sigmoid);
  let f;
  if (coupled) {
    f = i.map((v) => 1 - v);
  } else if (forgetGate) {
    const af = block("f");
    if (peep) for (let j = 0; j < H; j++) af[j] += p.peep_f[j] * cPrev[j];
    f = af.map(sigmoid);
  } else {
    f = i.map(() => 1); // the 1997 cell: c_prev passes unchanged
  }
  const g = block("g").map(Math.tanh);
  const c = cPrev.map((cp, j) => f[j] * cp + i[j] * g[j]);
  const ao = block("o");
  if (peep) for (let j = 0; j < H; j++) ao[j] += p.peep_o[j] * c[j];
  const o = ao.map(sigmoid);
  const tanhC = c.map(Math.tanh);
  const h = o.map((v, j) => v * tanhC[j]);
  return { a, i, f, g, o, c, h, tanhC, cPrev, names };
}

function lstmStepBackward(dh, dc, step, p) {
  // Backward of one standard LSTM step (forget gate, no peepholes, not coupled), as in
  // lstmkit.cells.lstm_step_backward: returns the gradients w.r.t. h_prev and c_prev.
  if (step.names.join("") !== "ifgo") throw new Error("lstmStepBackward: standard cell only");
  const H = dh.length;
  const da = new Array(4 * H);
  const dcPrev = new Array(H);
  for (let j = 0; j < H; j++) {
    const { i, f, g, o, tanhC, cPrev } = step;
    const dct = dc[j] + dh[j] * o[j] * (1 - tanhC[j] * tanhC[j]); // through h = o tanh(c)
    da[j] = dct * g[j] * i[j] * (1 - i[j]);
    da[H + j] = dct * cPrev[j] * f[j] * (1 - f[j]);
    da[2 * H + j] = dct * i[j] * (1 - g[j] * g[j]);
    da[3 * H + j] = dh[j] * tanhC[j] * o[j] * (1 - o[j]);
    dcPrev[j] = dct * f[j];
  }
  return { da, dhPrev: matTvec(p.weight_hh, da), dcPrev };
}

// --------------------------------------------------------------------------------------------- GRU
function gruStep(x, hPrev, p) {
  // One step of lstmkit.cells.gru_step_forward (reset_after=False, Cho et al.), gate order r, z, n:
  // n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn); h = (1 - z) n + z h_prev.
  const H = hPrev.length;
  const gx = matvec(p.weight_ih, x).map((v, k) => v + p.bias_ih[k]);
  const gh = matvec(p.weight_hh.slice(0, 2 * H), hPrev).map((v, k) => v + p.bias_hh[k]);
  const r = new Array(H);
  const z = new Array(H);
  for (let j = 0; j < H; j++) {
    r[j] = sigmoid(gx[j] + gh[j]);
    z[j] = sigmoid(gx[H + j] + gh[H + j]);
  }
  const rh = r.map((rj, j) => rj * hPrev[j]);
  const ghn = matvec(p.weight_hh.slice(2 * H), rh).map((v, j) => v + p.bias_hh[2 * H + j]);
  const n = ghn.map((v, j) => Math.tanh(gx[2 * H + j] + v));
  const h = n.map((nj, j) => (1 - z[j]) * nj + z[j] * hPrev[j]);
  return { r, z, n, h };
}

// ============================================================ the four explorers' computations
// Each takes the widget's state (the synced traits) and returns plain numbers and arrays; the
// Python twins are lstmkit.widgets.gate_values, memory_values, vanishing_values, variant_values.

const GATES = ["i", "f", "g", "o"];

function gateParams(s) {
  // One LSTM unit with one input: the weights and biases of the four gates are scalars.
  return {
    weight_ih: GATES.map((k) => [s["w_x" + k]]),
    weight_hh: GATES.map((k) => [s["w_h" + k]]),
    bias_ih: GATES.map((k) => s["b_" + k]),
    bias_hh: [0, 0, 0, 0],
  };
}

function gateValues(s) {
  const step = lstmStep([s.x], [s.h_prev], [s.c_prev], gateParams(s));
  const out = {};
  GATES.forEach((k, n) => {
    out["a_" + k] = step.a[n];
    out[k] = step[k][0];
  });
  out.c = step.c[0];
  out.h = step.h[0];
  return out;
}

function memoryValues(s) {
  // One memory cell stores the value v at step 1 (input gate fully open, candidate v); from step 2
  // on it sees the candidate d through the input gate i and keeps f of its content. Schedules:
  // 0 constant gates; 1 "erase" at step r (forget gate 0 there); 2 "overwrite" at step r (forget
  // gate 0 and input gate 1 there: c_r = d). Beside it, a one-unit tanh RNN h_t = tanh(w h_{t-1} + d)
  // starts from h_1 = tanh(v).
  const T = Math.round(s.T);
  const c = [s.v];
  const h = [Math.tanh(s.v)];
  const cellGrad = [1]; // dc_t / dc_1 = prod of the forget gates: the fraction of v still in c_t
  const rnnGrad = [1]; // dh_t / dh_1 = prod of w (1 - h_s^2)
  for (let t = 2; t <= T; t++) {
    const atR = s.schedule > 0 && t === Math.round(s.erase_step);
    const ft = atR ? 0 : s.f;
    const it = atR && s.schedule === 2 ? 1 : s.i;
    c.push(ft * c[t - 2] + it * s.d);
    cellGrad.push(cellGrad[t - 2] * ft);
    const ht = Math.tanh(s.w * h[t - 2] + s.d);
    h.push(ht);
    rnnGrad.push(rnnGrad[t - 2] * s.w * (1 - ht * ht));
  }
  const firstBelowHalf = (g) => {
    const k = g.findIndex((v) => Math.abs(v) <= 0.5);
    return k < 0 ? null : k; // the lag (t - 1) at which at most half is left, null if never within T
  };
  let halfLife;
  if (s.f >= 1) halfLife = null; // never decays (reported as infinite)
  else if (s.f <= 0) halfLife = 0;
  else halfLife = Math.LN2 / -Math.log(s.f);
  return {
    c,
    h,
    cell_grad: cellGrad,
    rnn_grad: rnnGrad,
    half_life: halfLife,
    cell_half_lag: firstBelowHalf(cellGrad),
    rnn_half_lag: firstBelowHalf(rnnGrad),
  };
}

const VANISHING_ACTIVATIONS = ["tanh", "relu", "linear"];

function vanishingValues(s) {
  // Gradient norm against lag. The loss is L = e . h_T (e a fixed unit vector); BPTT carries
  // dL/dh_t (RNN) and dL/dh_t, dL/dc_t (LSTM) back from t = T. Lag k means step T - k.
  // The RNN's recurrent matrix is rho Q with Q orthogonal, so rho is both its spectral radius and its
  // largest singular value; the LSTM's recurrent gate blocks are scaled by the same rho.
  const d = s.data;
  const T = d.X.length;
  const H = d.e.length;
  const activation = VANISHING_ACTIVATIONS[s.activation_index];
  const zeros = (n) => new Array(n).fill(0);
  const rnnP = {
    weight_ih: d.rnn_weight_ih,
    weight_hh: scaleMatrix(d.Q, s.rho),
    bias_ih: zeros(H),
    bias_hh: zeros(H),
  };
  const lstmBias = zeros(4 * H);
  for (let j = 0; j < H; j++) lstmBias[H + j] = s.forget_bias;
  const lstmP = {
    weight_ih: d.lstm_weight_ih,
    weight_hh: scaleMatrix(d.lstm_weight_hh, s.rho),
    bias_ih: lstmBias,
    bias_hh: zeros(4 * H),
  };
  const rnnSteps = [];
  const lstmSteps = [];
  let h = zeros(H);
  let hl = zeros(H);
  let cl = zeros(H);
  for (let t = 0; t < T; t++) {
    const rs = rnnStep(d.X[t], h, rnnP, activation);
    rnnSteps.push(rs);
    h = rs.h;
    const ls = lstmStep(d.X[t], hl, cl, lstmP);
    lstmSteps.push(ls);
    hl = ls.h;
    cl = ls.c;
  }
  const rnnNorm = [norm2(d.e)];
  const lstmHNorm = [norm2(d.e)];
  const lstmCNorm = [0];
  let dh = d.e.slice();
  let dhl = d.e.slice();
  let dcl = zeros(H);
  for (let t = T - 1; t >= 1; t--) {
    dh = rnnStepBackward(dh, rnnSteps[t], rnnP).dhPrev;
    rnnNorm.push(norm2(dh));
    const back = lstmStepBackward(dhl, dcl, lstmSteps[t], lstmP);
    dhl = back.dhPrev;
    dcl = back.dcPrev;
    lstmHNorm.push(norm2(dhl));
    lstmCNorm.push(norm2(dcl));
  }
  return { rnn_norm: rnnNorm, lstm_h_norm: lstmHNorm, lstm_c_norm: lstmCNorm, activation };
}

const VARIANTS = ["standard", "peephole", "coupled", "gru"];

function variantParams(s, variant) {
  // Every variant is built from the same per-gate scalars (s.params) so that they differ only in
  // their equations: the peephole cell adds the diagonal peepholes, the coupled cell drops the
  // forget row and uses f = 1 - i, the GRU has its own r, z, n rows. One unit, one input.
  const P = s.params;
  const lstmRows = (gates) => ({
    weight_ih: gates.map((k) => [P.lstm_w_x[GATES.indexOf(k)]]),
    weight_hh: gates.map((k) => [P.lstm_w_h[GATES.indexOf(k)]]),
    bias_ih: gates.map((k) => P.lstm_b[GATES.indexOf(k)] + (k === "f" ? s.forget_bias : 0)),
    bias_hh: gates.map(() => 0),
  });
  if (variant === "standard") return lstmRows(GATES);
  if (variant === "peephole") {
    return Object.assign(lstmRows(GATES), {
      peep_i: [s.peephole], peep_f: [s.peephole], peep_o: [s.peephole],
    });
  }
  if (variant === "coupled") return lstmRows(["i", "g", "o"]);
  return {
    weight_ih: P.gru_w_x.map((v) => [v]),
    weight_hh: P.gru_w_h.map((v) => [v]),
    bias_ih: P.gru_b.map((v, k) => v + (k === 1 ? s.forget_bias : 0)),
    bias_hh: [0, 0, 0],
  };
}

function variantInputs(s) {
  return s.patterns[s.pattern_index].map((v) => s.amplitude * v);
}

function variantRun(s, variant) {
  const xs = variantInputs(s);
  const p = variantParams(s, variant);
  const out = { h: [], c: [], gates: {} };
  const names = variant === "gru" ? ["r", "z", "n"] : ["i", "f", "g", "o"];
  names.forEach((k) => (out.gates[k] = []));
  let h = [0];
  let c = [0];
  for (const x of xs) {
    let step;
    if (variant === "gru") {
      step = gruStep([x], h, p);
    } else {
      step = lstmStep([x], h, c, p, { peepholes: variant === "peephole", coupled: variant === "coupled" });
      c = step.c;
      out.c.push(c[0]);
    }
    h = step.h;
    out.h.push(h[0]);
    names.forEach((k) => out.gates[k].push(step[k][0]));
  }
  return out;
}

function variantValues(s) {
  const out = { x: variantInputs(s), selected: VARIANTS[s.variant_index] };
  for (const v of VARIANTS) out[v] = variantRun(s, v);
  return out;
}

const LSTMMath = {
  sigmoid, matvec, matTvec, norm2, rnnStep, rnnStepBackward, lstmStep, lstmStepBackward, gruStep,
  gateValues, memoryValues, vanishingValues, variantValues, VARIANTS, VANISHING_ACTIVATIONS,
};
