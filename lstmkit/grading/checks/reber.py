"""Checks of chapter 5: the Reber grammar, the 1997 criterion and a trained network's weights."""
import time

import numpy as np

from ... import reber as _reber
from .calling import _call
from .compare import _fmt_shape
from .mistakes import CheckFailed, fail


# =============================================================================================
# Chapter 5: the Reber grammar
# =============================================================================================
def _expected_reber_length(m):
    """Expected number of symbols of a string of machine m (solves E[s] = sum p (1 + E[next]))."""
    states = list(m.transitions)
    index = {s: k for k, s in enumerate(states)}
    A = np.eye(len(states))
    b = np.zeros(len(states))
    for s, outs in m.transitions.items():
        for _, nxt, pr in outs:
            b[index[s]] += pr
            if nxt in index:
                A[index[s], index[nxt]] -= pr
    return float(np.linalg.solve(A, b)[index[m.start]])


def check_reber_generator(fn, *, n=500, seed=0):
    """fn(n, seed) -> list of n random strings of the Reber grammar, B...E, every choice a fair coin, drawn
    from np.random.default_rng(seed). Checks: all grammatical, every transition of the machine taken, each
    choice close to 50/50, mean length near its expected value, same seed -> same strings."""
    m = _reber.reber_machine()
    strings = _call(fn, "reber_strings", n, seed)
    if not isinstance(strings, (list, tuple)) or len(strings) != n:
        got = f"{len(strings)} items" if isinstance(strings, (list, tuple)) else type(strings).__name__
        raise fail("generic", f"reber_strings should return a list of n strings, found {'a list of' if isinstance(strings, (list, tuple)) else 'a'} {'another length' if isinstance(strings, (list, tuple)) else got}",
                   f"reber_strings({n}, {seed}) should return a list of {n} strings, found {got}")
    for s in strings:
        if not isinstance(s, str):
            raise fail("generic", f"reber_strings should return strings like 'BTXSE', found {type(s).__name__}")
        verdict = _reber.accept(s, m)
        if not verdict.ok:
            raise fail("reber.not_grammatical", "reber_strings returned a string that is not a Reber string",
                       f"{s!r}: at position {verdict.position}, {verdict.reason}")
    again = _call(fn, "reber_strings", n, seed)
    if list(again) != list(strings):
        raise fail("reber.seed_ignored", "reber_strings gave different strings for the same seed: draw every "
                   "random choice from rng = np.random.default_rng(seed) (rng.random(), rng.integers())")
    other = _call(fn, "reber_strings", n, seed + 1)
    if list(other) == list(strings):
        raise fail("reber.same_strings", "reber_strings gave the same strings for two different seeds: use the seed")
    counts = {}
    for s in strings:
        state = m.start
        for ch in s:
            counts[(state, ch)] = counts.get((state, ch), 0) + 1
            state = m.next_state(state, ch)
    for state, outs in m.transitions.items():
        if len(outs) < 2:
            continue
        visits = sum(counts.get((state, sym), 0) for sym, _, _ in outs)
        for sym, nxt, pr in outs:
            k = counts.get((state, sym), 0)
            if k == 0:
                raise fail("reber.transition_missing", f"the transition {state} --{sym}--> {nxt} never occurs in your "
                           f"strings: at state {state} the grammar allows {' or '.join(o[0] for o in outs)}, each "
                           f"with probability 1/2", f"in {n} strings")
            z = (k - visits * pr) / np.sqrt(visits * pr * (1 - pr))
            if abs(z) > 5:
                raise fail("reber.unfair_choice", f"at state {state} your strings do not choose {sym} half of the "
                           f"time; each choice should be a fair coin (50%)",
                           f"{sym} {k} times out of {visits} ({k / visits:.0%})")
    lengths = np.array([len(s) for s in strings])
    want = _expected_reber_length(m)
    if abs(lengths.mean() - want) > 5 * lengths.std() / np.sqrt(n) + 0.05:
        raise fail("reber.mean_length", f"your strings do not have the mean length of Reber strings ({want:.2f} "
                   f"symbols with B and E)", f"your mean length: {lengths.mean():.2f}")
    _check_not_replayed(strings, n, seed)


_TRAINING_SET_CACHE = {}


def _training_inner_strings():
    """The inner Reber strings of exercise 5's training set (reber_data.npz), regenerated from the same n and
    seed (lstmkit.reber.TRAINING_SET_N / TRAINING_SET_SEED) so that the check does not depend on the current
    directory, and the fraction of fresh Reber strings that are not among them (what a true generator makes)."""
    if not _TRAINING_SET_CACHE:
        seen = frozenset(s[2:-2] for s in _reber.generate("embedded", _reber.TRAINING_SET_N,
                                                           seed=_reber.TRAINING_SET_SEED))
        fresh = _reber.generate("reber", 20_000, seed=20_240_605)
        _TRAINING_SET_CACHE["seen"] = seen
        _TRAINING_SET_CACHE["novel"] = sum(s not in seen for s in fresh) / len(fresh)
    return _TRAINING_SET_CACHE["seen"], _TRAINING_SET_CACHE["novel"]


def _binomial_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), 0 < p < 1."""
    import math

    return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(k + 1))


def _check_not_replayed(strings, n, seed):
    """Fail when far fewer of the strings are new (not an inner string of the training set reber_data.npz)
    than a generator of the grammar makes: the strings were sampled from the training file."""
    seen, p = _training_inner_strings()
    novel = sum(s not in seen for s in strings)
    if novel >= p * n or _binomial_cdf(novel, n, p) > 1e-6:
        return
    raise fail("reber.replayed", "reber_strings: your strings all come from the training set reber_data.npz. Walk "
               "the machine yourself, drawing every choice from rng = np.random.default_rng(seed)",
               f"reber_strings({n}, {seed}): only {novel} of your {n} strings are not in the training set, where a "
               f"generator of the grammar makes about {p * n:.0f} new ones")


def _acceptor_corpus(seed):
    rng = np.random.default_rng(seed)
    good = _reber.generate("reber", 120, seed=rng)
    corpus = list(dict.fromkeys(good))
    for s in good[:80]:
        k = int(rng.integers(len(s)))
        corpus.append(s[:k] + _reber.SYMBOLS[int(rng.integers(7))] + s[k + 1:])   # one symbol replaced
        corpus.append(s[:k] + s[k + 1:])                                            # one symbol dropped
        corpus.append(s[:k])                                                        # cut short
        corpus.append(s + _reber.SYMBOLS[int(rng.integers(7))])                     # one symbol too many
    corpus += ["", "B", "E", "BE", "BTE", "BTXSE", "BPVVE", "BTXSEE", "TXSE", "BTXS", "BTSSXXTVVE", "BTXXVVE",
               "BPTVPSE", "BPVPXVVE", "BTXXTTVVE", "BPE", "BTSSSSSSSSXSE", "BTXSEBTXSE", "btxse", "BTX SE"]
    corpus += _reber.generate("embedded", 10, seed=rng)
    return list(dict.fromkeys(corpus))


def check_reber_acceptor(fn, *, seed=0):
    """fn(s: str) -> bool: True exactly when s is a complete string of the Reber grammar (with B and E)."""
    for s in _acceptor_corpus(seed):
        try:
            found = _call(fn, "is_reber", s)
        except CheckFailed as exc:
            if exc.mistake.code != "generic.raised":
                raise
            foreign = not set(s) <= set(_reber.SYMBOLS)
            raise fail("reber.acceptor_raises", "is_reber raised an exception instead of returning False"
                       + (" on a string with a symbol outside the grammar: any symbol other than B, T, P, S, X, V, E "
                          "means False" if foreign else ": a string that breaks the grammar anywhere means False"),
                       f"is_reber({s!r}): {exc.detail}") from None
        if not isinstance(found, (bool, np.bool_)):
            raise fail("generic", f"is_reber should return True or False, found {type(found).__name__}",
                       f"is_reber({s!r})")
        verdict = _reber.accept(s) if set(s) <= set(_reber.SYMBOLS) else _reber.Verdict(False, 0, "foreign symbol")
        if bool(found) != verdict.ok:
            why = "it is a Reber string" if verdict.ok else \
                f"it breaks at position {verdict.position}: {verdict.reason}"
            kind = ("rejects a string of the grammar" if verdict.ok else
                    "accepts a string with a symbol outside the grammar" if verdict.reason == "foreign symbol" else
                    "accepts a string that is cut short" if _reber.accept(s + "E").ok or s == "" else
                    "accepts a string that breaks the grammar")
            raise fail("reber.acceptor_wrong", f"is_reber {kind}",
                       f"is_reber({s!r}) returned {bool(found)}, expected {verdict.ok}: {why}")


def _criterion_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    drawn = [(s, "embedded") for s in _reber.generate("embedded", 30, seed=rng)]
    drawn += [(s, "reber") for s in _reber.generate("reber", 30, seed=rng)]
    for s, grammar in drawn:
        legal = np.zeros((len(s) - 1, 7), bool)
        for t, nxt in enumerate(_reber.legal_next(s, grammar)[:-1]):
            legal[t, [_reber.INDEX[ch] for ch in nxt]] = True
        good = np.where(legal, rng.uniform(0.5, 1, legal.shape), rng.uniform(0, 0.45, legal.shape))
        cases.append((good, legal))                              # right everywhere
        bad = good.copy()
        t = int(rng.integers(len(bad)))
        j = int(rng.choice(np.flatnonzero(~legal[t])))
        bad[t, j] = good[t][legal[t]].min() + 0.01               # one illegal symbol above a legal one
        cases.append((bad, legal))
        tie = good.copy()
        tie[t, j] = good[t][legal[t]].min()                      # a tie is not a correct prediction
        cases.append((tie, legal))
        # the best legal symbol is on top, but a second legal symbol is beaten by an illegal one
        two = np.flatnonzero(legal.sum(1) == 2)
        if len(two):
            t2 = int(two[0])
            top = good.copy()
            lo = np.flatnonzero(legal[t2])
            top[t2, lo[0]], top[t2, lo[1]] = 0.95, 0.2
            top[t2, int(np.flatnonzero(~legal[t2])[0])] = 0.3
            cases.append((top, legal))
    return cases


_CRITERION_MISTAKES = (
    ("reber.criterion_tie", "a tie between a legal and an illegal output counts as right; a tie is not a correct "
     "prediction (use >, not >=)", lambda lo, hi, top: bool(np.all(lo >= hi))),
    ("reber.criterion_any", "one right step makes the whole string right: the string is right only when every step "
     "is (np.all over the steps, not np.any)", lambda lo, hi, top: bool(np.any(lo > hi))),
    ("reber.criterion_top_only", "it only asks that the most active output is a legal symbol: every legal symbol "
     "must beat every illegal one", lambda lo, hi, top: bool(np.all(top))),
)


def _criterion_mistake(answers):
    """(code, words) of the known mistake that gives every answer in ``answers`` [(found, outputs, legal)]
    (on one case two mistakes can give the same answer; over all the cases only one does)."""
    for code, words, verdict in _CRITERION_MISTAKES:
        if all(found == verdict(*_criterion_parts(outputs, legal)) for found, outputs, legal in answers):
            return code, words
    return "reber.criterion_wrong", "every legal symbol must beat every illegal one (a tie does not count), at every step"


def _criterion_parts(outputs, legal):
    """(lowest legal output, highest illegal output, is the top output legal), each (T,)."""
    lowest = np.where(legal, outputs, np.inf).min(axis=1)
    highest = np.where(legal, -np.inf, outputs).max(axis=1)
    return lowest, highest, legal[np.arange(len(legal)), outputs.argmax(axis=1)]


def check_reber_criterion(fn, *, seed=0):
    """fn(outputs (T, 7), legal (T, 7) bool) -> bool: True when, at every step t, every legal next symbol's
    output is larger than every illegal symbol's output (Hochreiter & Schmidhuber 1997)."""
    answers, first_wrong = [], None
    for outputs, legal in _criterion_cases(seed):
        found = _call(fn, "predicts_correctly", outputs, legal, arg_names=["outputs", "legal"])
        if not isinstance(found, (bool, np.bool_)):
            raise fail("generic", f"predicts_correctly should return True or False, found {type(found).__name__}")
        answers.append((bool(found), outputs, legal))
        expected = bool(_reber.correct_positions(outputs[:, None], legal[:, None].astype(float)).all())
        if bool(found) != expected and first_wrong is None:
            first_wrong = (bool(found), expected, outputs, legal)
    if first_wrong is None:
        return
    found, expected, outputs, legal = first_wrong
    bad = np.flatnonzero(~_reber.correct_positions(outputs[:, None], legal[:, None].astype(float))[:, 0])
    t = int(bad[0]) if len(bad) else None
    detail = "every step is right" if t is None else (
        f"at step t = {t} the legal symbols {sorted(_reber.SYMBOLS[k] for k in np.flatnonzero(legal[t]))} "
        f"have outputs {np.round(outputs[t][legal[t]], 3).tolist()} and the largest illegal output is "
        f"{outputs[t][~legal[t]].max():.3f}")
    code, words = _criterion_mistake(answers)
    raise fail(code, f"predicts_correctly returned {found} where the answer is {expected}: {words}", detail)


REBER_MAX_HIDDEN = 256
"""The largest hidden size whose weights check_reber_predictor runs (bounds the work of a test)."""
_REBER_PARAMS = {"lstm_params": ("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                 "readout_params": ("weight", "bias")}
_REBER_CONTRACT = ("a tuple (lstm_params, readout_params) of two dicts of numpy float arrays with PyTorch's names: "
                   "lstm_params weight_ih (4H, 7), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) (gate blocks i, "
                   "f, g, o: lstm.params) and readout_params weight (7, H), bias (7,) (readout.params)")


def _reber_weights(weights, source="train_reber"):
    """Check that ``weights`` is (lstm_params, readout_params) as the exercise asks (see _REBER_CONTRACT).

    Returns (lstm_params, readout_params, H): float64 copies and the hidden size, read from bias_ih.
    ``source`` names where the weights came from, for the messages.
    """
    if callable(weights) and not isinstance(weights, (tuple, list, dict)):
        raise fail("reber.weights_contract", "train_reber must return the trained weights (lstm_params, readout_params), not a "
                             "function: the test runs them through lstmkit's LSTM")
    if not (isinstance(weights, (tuple, list)) and len(weights) == 2
            and all(isinstance(w, dict) for w in weights)):
        if isinstance(weights, (tuple, list)):
            kinds = ", ".join(type(w).__name__ for w in weights[:4]) + (", ..." if len(weights) > 4 else "")
            found = f"a {type(weights).__name__} of {len(weights)} item(s) ({kinds})"
        else:
            found = f"a {type(weights).__name__}"
        hint = ""
        if isinstance(weights, (tuple, list)) and any(type(w).__name__ in ("LSTM", "Dense") for w in weights):
            hint = ": return the layers' parameter dicts, (lstm.params, readout.params), not the layers"
        elif isinstance(weights, (tuple, list)) and any(callable(w) for w in weights):
            hint = (": return the trained weights, not a function (the test runs them through lstmkit's LSTM)")
        raise fail("reber.weights_contract", f"{source} returned {found}, expected {_REBER_CONTRACT}{hint}")
    if set(weights[0]) == set(_REBER_PARAMS["readout_params"]) and set(_REBER_PARAMS["lstm_params"]) <= set(weights[1]):
        raise fail("reber.weights_contract", f"{source} returns the readout's parameters first: return them in the "
                   f"order (lstm_params, readout_params)")
    found = dict(zip(_REBER_PARAMS, weights))
    for group, keys in _REBER_PARAMS.items():
        params = found[group]
        for k in keys:
            if k not in params:
                raise fail("reber.weights_contract", f"{source}: {group} has no {k!r} (its keys: {sorted(map(str, params))}); "
                                     f"expected the keys {', '.join(keys)}")
        extra = [k for k in params if k not in keys]
        if extra:
            raise fail("reber.weights_contract", f"{source}: {group} has a key {extra[0]!r} that lstmkit's "
                                 f"{'LSTM(7, H)' if group == 'lstm_params' else 'Dense(H, 7)'} does not use; "
                                 f"expected exactly {', '.join(keys)}")
        for k in keys:
            v = params[k]
            if not isinstance(v, np.ndarray):
                raise fail("reber.weights_contract", f"{source}: {group}[{k!r}] is a {type(v).__name__}, expected a numpy array")
            if not np.issubdtype(v.dtype, np.floating):
                raise fail("reber.weights_contract", f"{source}: {group}[{k!r}] has dtype {v.dtype}, expected floating point "
                                     f"(float64 or float32)")
    b = found["lstm_params"]["bias_ih"]
    if b.ndim != 1 or b.size == 0 or b.size % 4:
        raise fail("reber.weights_contract", f"{source}: lstm_params['bias_ih'] has shape {_fmt_shape(b.shape)}, expected (4H,): "
                             f"one bias per unit of the four gate blocks i, f, g, o")
    H = b.size // 4
    if H > REBER_MAX_HIDDEN:
        raise fail("reber.weights_contract", f"{source}: lstm_params['bias_ih'] has {b.size} entries, so H = {H} hidden units; the "
                             f"test runs networks of at most H = {REBER_MAX_HIDDEN}")
    expected = {("lstm_params", "weight_ih"): ("(4H, 7)", (4 * H, 7)),
                ("lstm_params", "weight_hh"): ("(4H, H)", (4 * H, H)),
                ("lstm_params", "bias_hh"): ("(4H,)", (4 * H,)),
                ("readout_params", "weight"): ("(7, H)", (7, H)),
                ("readout_params", "bias"): ("(7,)", (7,))}
    for (group, k), (symbolic, shape) in expected.items():
        v = found[group][k]
        if v.shape != shape:
            hint = ": transposed?" if v.shape == shape[::-1] else ""
            raise fail("reber.weights_contract", f"{source}: {group}[{k!r}] has shape {_fmt_shape(v.shape)}, expected {symbolic} = "
                                 f"{_fmt_shape(shape)} with H = {H} (from bias_ih){hint}")
    for group, keys in _REBER_PARAMS.items():
        for k in keys:
            if not np.all(np.isfinite(found[group][k])):
                raise fail("reber.weights_contract", f"{source}: {group}[{k!r}] holds NaN or inf values: the training diverged "
                                     f"(a smaller learning rate or gradient clipping helps)")
    copies = {group: {k: np.array(found[group][k], dtype=np.float64) for k in keys}
              for group, keys in _REBER_PARAMS.items()}
    return copies["lstm_params"], copies["readout_params"], H


def _reber_outputs(lstm_params, readout_params, H, data):
    """lstmkit's own LSTM(7, H) and Dense(H, 7), float64, with the given weights, run on encoded strings:
    outputs (T, B, 7)."""
    from ...dense import Dense
    from ...layers import LSTM

    lstm, readout = LSTM(_reber.N_SYMBOLS, H), Dense(H, _reber.N_SYMBOLS)
    for layer, params in ((lstm, lstm_params), (readout, readout_params)):
        for k, v in params.items():
            layer.params[k][...] = v
    with np.errstate(all="ignore"):  # huge weights give inf or NaN outputs: wrong predictions, no warning
        hidden, _ = lstm.forward(data.X, mask=data.mask)
        return readout.forward(hidden)


def check_reber_predictor(weights, *, n=256, seed=2024, grammar="embedded", min_correct=1.0,
                          source="train_reber"):
    """weights = (lstm_params, readout_params): a trained LSTM's and its Dense readout's parameters, PyTorch's
    names (see _REBER_CONTRACT), as plain arrays.

    The weights run through lstmkit's own LSTM and Dense (float64) on n fresh strings of ``grammar`` drawn
    from ``seed``; a string counts as correct when every one of its predictions meets the 1997 criterion.
    Fails unless the fraction of correct strings is >= min_correct.
    """
    lstm_params, readout_params, H = _reber_weights(weights, source)
    strings = _reber.generate(grammar, n, seed=seed)
    data = _reber.encode(strings, grammar)
    outputs = _reber_outputs(lstm_params, readout_params, H, data)
    ok = _reber.strings_correct(outputs, data.Y, data.mask)
    frac = float(ok.mean())
    if frac < min_correct:
        extra = ""
        if grammar == "embedded":
            extra = (f"; the final T/P, which needs the memory of the second symbol, is predicted right for "
                     f"{_reber.final_tp_accuracy(outputs, data):.0%} of the strings")
        first_bad = strings[int(np.flatnonzero(~ok)[0])]
        raise fail("reber.not_learned", f"your weights in lstmkit's LSTM(7, {H}) do not predict enough fresh "
                   f"{grammar} Reber strings correctly at every position (1997 criterion): needed "
                   f"{min_correct:.0%}",
                   f"{int(ok.sum())} of {n} strings correct{extra}. First failure: {first_bad!r}")


def _same_weights(a, b):
    return all(np.array_equal(np.asarray(a[g][k]), np.asarray(b[g][k])) for g in (0, 1) for k in a[g])


def check_training_run(train_fn, *, seed=1, budget_seconds=60.0, n=256, test_seed=4048, grammar="embedded",
                       min_correct=1.0, other_seed=None):
    """Run train_fn(seed) -> (lstm_params, readout_params) within ``budget_seconds`` of wall time, then run
    those weights through lstmkit's own LSTM on fresh strings with :func:`check_reber_predictor`. The learner's
    code only produces numbers: the predictions that are judged are computed here.

    other_seed: also train with this seed and fail if the weights are the same (a trainer that ignores its
    seed); it doubles the time of the check, so the hidden test uses it and the visible one does not.
    """
    start = time.perf_counter()
    weights = _call(train_fn, "train_reber", seed, seconds=budget_seconds * 1.5)
    elapsed = time.perf_counter() - start
    if elapsed > budget_seconds:
        raise fail("reber.training_slow", f"train_reber took longer than its budget of {budget_seconds:.0f} s: "
                   f"stop as soon as the criterion holds, or use a smaller network or larger batches",
                   f"train_reber({seed}) took {elapsed:.0f} s")
    check_reber_predictor(weights, n=n, seed=test_seed, grammar=grammar, min_correct=min_correct,
                          source="train_reber")
    if other_seed is not None:
        again = _call(train_fn, "train_reber", other_seed, seconds=budget_seconds * 1.5)
        _reber_weights(again, "train_reber")
        if _same_weights(weights, again):
            raise fail("reber.training_seed_ignored", "train_reber returned the same weights for two different "
                       "seeds: draw the initial weights and the order of the batches from the seed "
                       "(lstmkit.LSTM(..., seed=seed), np.random.default_rng(seed))")
