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
