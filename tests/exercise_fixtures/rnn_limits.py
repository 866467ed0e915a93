"""Wrong submissions for exercise 1 (rnn_limits).

Each entry replaces the learner's code of some answer cells (by grade id; the other answer cells hold the
reference solution) and lists the test cells that must score zero, and a phrase the visible test's message
must contain.
"""

SUBMISSIONS = {
    "unused_initial_state": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    return np.tanh(x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"])
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="the previous state is unused"),
    "calls_reference": dict(
        cells={"rnn_step_forward": '''
from lstmkit.cells import rnn_step_forward as _step

def rnn_step_forward(x, h_prev, params):
    h, _ = _step(x, h_prev, params)
    return h
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="lstmkit's own version of this exercise"),
    "norms_without_tanh_derivative": dict(
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    T = H.shape[0]
    norms = np.zeros(T, dtype=H.dtype)
    g = dh_last
    norms[T - 1] = np.linalg.norm(g)
    for t in range(T - 1, 0, -1):
        g = g @ W_hh
        norms[t - 1] = np.linalg.norm(g)
    return norms
'''},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="the tanh derivative (1 - H[t]**2) is missing"),
    "norms_always_float64": dict(   # right in float64, wrong dtype in float32: only the hidden test sees it
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    T = H.shape[0]
    norms = np.zeros(T)
    g = dh_last
    norms[T - 1] = np.linalg.norm(g)
    for t in range(T - 1, 0, -1):
        g = (g * (1 - H[t] ** 2)) @ W_hh
        norms[t - 1] = np.linalg.norm(g)
    return norms
'''},
        loses=["test_hidden_gradient_norms_hidden"],
        message=None),
    "per_tensor_clipping": dict(
        cells={"clip_by_global_norm": '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    clipped = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        clipped[k] = g * (max_norm / n) if n > max_norm else g.copy()
    return clipped, total
'''},
        loses=["test_clip_by_global_norm", "test_clip_by_global_norm_hidden"],
        message="each array was clipped by its own norm"),
}

# ----------------------------------------------------------------------------------------------------------
# More mistakes, one per case, as learners make them. Rule for arrays changed in place, the same for every
# part of every assignment: a function must not modify the arrays (or dicts) it is given; a function that
# does loses its own test cells, and only those (a correct caller of it is not charged again).
# ----------------------------------------------------------------------------------------------------------
_NORMS = '''
def hidden_gradient_norms(H, W_hh, dh_last):
    T = H.shape[0]
    norms = np.zeros(T, dtype=H.dtype)
    g = dh_last
    norms[T - 1] = np.linalg.norm(g)
    for t in {loop}:
        g = {step}
        norms[t - 1] = {norm}
    return norms
'''


def _norms(loop="range(T - 1, 0, -1)", step="(g * (1 - H[t] ** 2)) @ W_hh", norm="np.linalg.norm(g)"):
    return _NORMS.format(loop=loop, step=step, norm=norm)


_CLIP = '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values())))
{body}
'''

SUBMISSIONS.update({
    # The step with the sigmoid the learner has just used for gates elsewhere: the Elman step squashes with tanh.
    "rnn_sigmoid_instead_of_tanh": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    return sigmoid(a)
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="the activation is the sigmoid"),
    "rnn_recurrent_weights_not_transposed": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"] + params["bias_hh"]
    return np.tanh(a)
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="instead of W_hh.T"),
    # The maths of the book read literally, for column vectors: h comes out (H, B).
    "rnn_column_vectors": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    a = (params["weight_ih"] @ x.T + params["bias_ih"][:, None]
         + params["weight_hh"] @ h_prev.T + params["bias_hh"][:, None])
    return np.tanh(a)
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="transposed"),
    # A float64 buffer: the visible test already tries float32.
    "rnn_float64_buffer": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    a = np.zeros((x.shape[0], params["bias_ih"].shape[0]))
    a += x @ params["weight_ih"].T + params["bias_ih"]
    a += h_prev @ params["weight_hh"].T + params["bias_hh"]
    return np.tanh(a)
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="has dtype float64, expected float32"),
    # Like lstmkit.rnn_step_forward, which the book shows: (h, cache). The exercise asks for h alone.
    "rnn_returns_h_and_preactivation": dict(
        cells={"rnn_step_forward": '''
def rnn_step_forward(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T + params["bias_hh"]
    return np.tanh(a), a
'''},
        loses=["test_rnn_step_forward", "test_rnn_step_forward_hidden"],
        message="return h alone"),
    "norms_transposed_recurrent_weights": dict(
        cells={"hidden_gradient_norms": _norms(step="(g * (1 - H[t] ** 2)) @ W_hh.T")},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="multiplied by W_hh.T"),
    "norms_reverse_order": dict(
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    g = dh_last
    norms = [np.linalg.norm(g)]
    for t in range(H.shape[0] - 1, 0, -1):
        g = (g * (1 - H[t] ** 2)) @ W_hh
        norms.append(np.linalg.norm(g))
    return np.array(norms, dtype=H.dtype)
'''},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="reverse order"),
    # Issue 12: a list where the task asks for a numpy array (it used to pass the float64 visible test and fail
    # the hidden float32 one with a dtype message).
    "norms_list_not_array": dict(
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    g = dh_last
    norms = [np.linalg.norm(g)]
    for t in range(H.shape[0] - 1, 0, -1):
        g = (g * (1 - H[t] ** 2)) @ W_hh
        norms.insert(0, np.linalg.norm(g))
    return norms
'''},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="found a list"),
    # Multiplies dh_last in place on the first step back: the caller's array changes (the norms are right).
    "norms_modify_dh_last": dict(
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    T = H.shape[0]
    norms = np.zeros(T, dtype=H.dtype)
    g = dh_last
    norms[T - 1] = np.linalg.norm(g)
    for t in range(T - 1, 0, -1):
        g *= 1 - H[t] ** 2
        g = g @ W_hh
        norms[t - 1] = np.linalg.norm(g)
    return norms
'''},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="modified its input dh_last in place"),
    # Off by one at the end of the loop: norms[0] is never computed and stays 0.
    "norms_loop_stops_early": dict(
        cells={"hidden_gradient_norms": _norms(loop="range(T - 1, 1, -1)")},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="at t = 0"),
    # The mean of the per-example norms instead of the norm of the whole (B, H) array.
    "norms_mean_over_examples": dict(
        cells={"hidden_gradient_norms": '''
def hidden_gradient_norms(H, W_hh, dh_last):
    T = H.shape[0]
    norms = np.zeros(T, dtype=H.dtype)
    g = dh_last
    norms[T - 1] = np.linalg.norm(g, axis=1).mean()
    for t in range(T - 1, 0, -1):
        g = (g * (1 - H[t] ** 2)) @ W_hh
        norms[t - 1] = np.linalg.norm(g, axis=1).mean()
    return norms
'''},
        loses=["test_hidden_gradient_norms", "test_hidden_gradient_norms_hidden"],
        message="whole batch"),
    # Issue 12: scales the caller's gradients in place (and returns a new dict around them).
    "clip_scales_in_place": dict(
        cells={"clip_by_global_norm": _CLIP.format(body='''
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return dict(grads), total''')},
        loses=["test_clip_by_global_norm", "test_clip_by_global_norm_hidden"],
        message="modified its input grads"),
    # Issue 12: below the threshold it returns the caller's dict itself; the task asks for a new one.
    "clip_returns_same_dict": dict(
        cells={"clip_by_global_norm": _CLIP.format(body='''
    if total <= max_norm:
        return grads, total
    return {k: g * (max_norm / total) for k, g in grads.items()}, total''')},
        loses=["test_clip_by_global_norm", "test_clip_by_global_norm_hidden"],
        message="a new dict"),
    "clip_returns_norm_first": dict(
        cells={"clip_by_global_norm": _CLIP.format(body='''
    scale = max_norm / total if total > max_norm else 1.0
    return total, {k: g * scale for k, g in grads.items()}''')},
        loses=["test_clip_by_global_norm", "test_clip_by_global_norm_hidden"],
        message="(clipped, total_norm)"),
})
