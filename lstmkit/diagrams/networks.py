"""Diagrams of whole networks: ways of giving a network a past (tapped-delay line, Elman, Jordan), the RNN
unrolled in time, the LSTM's cell state as a highway through time, and the 1997 memory block."""
from __future__ import annotations

from .svg import Canvas, Diagram


def rnn_unrolled(steps: int = 3) -> Diagram:
    """The RNN folded (one cell and its loop) and unrolled over ``steps`` steps that share their weights."""
    if not 2 <= steps <= 4:
        raise ValueError(f"steps: expected 2 to 4, got {steps!r}")
    c = Canvas(600, 250)
    y, top, bottom, w = 125, 28, 225, 64
    # folded
    c.layer(70, y, "tanh", w=w, h=48)
    c.path([(70, bottom), (70, y + 24)])
    c.path([(70, y - 24), (70, top + 12)])
    c.text(82, bottom - 6, "x_t", anchor="start")
    c.text(82, top, "h_t", anchor="start")
    c.path([(102, y - 10), (128, y - 10), (128, y + 14), (102, y + 14)])
    c.text(134, y + 2, "W_{hh}", anchor="start", size=16)
    c.text(188, y, "=", size=28)
    # unrolled
    xs = [282 + k * 110 for k in range(steps)]
    names = {-1: "t-1", 0: "t", 1: "t+1", 2: "t+2"}
    c.path([(208, y), (xs[0] - w / 2, y)])
    c.text(208, y - 16, "h_{t-2}", anchor="start", size=16)
    for k, x in enumerate(xs):
        t = names[k - 1]
        c.layer(x, y, "tanh", w=w, h=48)
        c.path([(x, bottom), (x, y + 24)])
        c.path([(x, y - 24), (x, top + 12)])
        c.text(x + 10, bottom - 6, f"x_{{{t}}}", anchor="start")
        c.text(x + 10, top, f"h_{{{t}}}", anchor="start")
        c.text(x - 8, y + 52, "W_{xh}", anchor="end", size=16)
        if k + 1 < steps:
            c.path([(x + w / 2, y), (xs[k + 1] - w / 2, y)])
            c.text((x + xs[k + 1]) / 2, y - 16, "W_{hh}", size=16)
    c.path([(xs[-1] + w / 2, y), (592, y)])
    alt = (f"An RNN folded and unrolled. On the left, one tanh cell reads x t, outputs h t and feeds h t back to "
           f"itself through the recurrent weights W hh. On the right, the same cell is drawn once per time step for "
           f"{steps} steps: each copy reads its input through W xh and passes its state to the next copy through "
           f"W hh; all copies share the same weights.")
    return c.diagram("rnn-unrolled", alt)


def tapped_delay_line(taps: int = 3) -> Diagram:
    """A feed-forward network reading a window of the last ``taps`` inputs through a chain of delays."""
    if not 2 <= taps <= 4:
        raise ValueError(f"taps: expected 2 to 4, got {taps!r}")
    c = Canvas(540, 250)
    y, hid = 50, 165
    xs = [70 + k * 175 for k in range(taps)]
    c.path([(8, y), (xs[0], y)], arrow=False)
    for k, x in enumerate(xs):
        c.dot(x, y)
        c.path([(x, y), (x, hid - 22)])
        c.text(x + 8, y + 34, "x_t" if k == 0 else f"x_{{t-{k}}}", anchor="start")
        if k + 1 < taps:
            c.path([(x, y), ((x + xs[k + 1]) / 2 - 45, y)])
            c.op((x + xs[k + 1]) / 2, y, "delay", r=14, wide=90)
            c.path([((x + xs[k + 1]) / 2 + 45, y), (xs[k + 1], y)], arrow=False)
    c.layer((xs[0] + xs[-1]) / 2, hid, "hidden layer", w=xs[-1] - xs[0] + 80, h=44)
    mid = (xs[0] + xs[-1]) / 2
    c.path([(mid, hid + 22), (mid, 235)])
    c.text(mid + 10, 228, "y_t", anchor="start")
    alt = (f"A tapped-delay line. The input x t passes through a chain of {taps - 1} one-step delays, so the "
           f"network sees the last {taps} inputs at once, x t to x t-{taps - 1}, all feeding one feed-forward "
           f"hidden layer that computes the output y t. Older inputs are gone.")
    return c.diagram("tapped-delay-line", alt)


def _three_layers(c: Canvas, ctx_label: str, *, ctx_x: float = 380) -> None:
    c.layer(170, 250, "input x_t", w=170, h=44)
    c.layer(ctx_x, 250, ctx_label, w=190, h=44)
    c.layer(250, 150, "hidden h_t", w=170, h=44)
    c.layer(250, 50, "output y_t", w=170, h=44)
    c.path([(170, 228), (210, 172)])
    c.path([(ctx_x - 50, 228), (290, 172)])
    c.path([(250, 128), (250, 72)])


def elman_network() -> Diagram:
    """Elman's simple recurrent network: the hidden layer is copied into context units it reads at the next step."""
    c = Canvas(560, 290)
    _three_layers(c, "context h_{t-1}")
    c.path([(335, 150), (510, 150), (510, 250), (475, 250)], dashed=True)
    c.text(518, 200, "copy", anchor="start", size=16)
    alt = ("An Elman network. An input layer reading x t and a context layer holding h t-1 both feed the hidden "
           "layer, which computes h t and feeds the output layer y t. A dashed arrow copies the hidden layer into "
           "the context layer, which the hidden layer reads at the next step.")
    return c.diagram("elman-network", alt)


def jordan_network() -> Diagram:
    """Jordan's network: the outputs are copied into state units, which also keep a decaying copy of themselves."""
    c = Canvas(560, 312)
    _three_layers(c, "state s_t")
    c.path([(335, 50), (510, 50), (510, 250), (475, 250)], dashed=True)
    c.text(518, 150, "copy", anchor="start", size=16)
    c.path([(410, 272), (410, 290), (350, 290), (350, 272)])
    c.text(380, 302, "μ", size=16)
    alt = ("A Jordan network. An input layer reading x t and a layer of state units both feed the hidden layer, "
           "which feeds the output layer y t. A dashed arrow copies the output into the state units, which also "
           "feed back to themselves with a weight mu, so they keep a decaying trace of past outputs.")
    return c.diagram("jordan-network", alt)


def cell_state_highway(steps: int = 3) -> Diagram:
    """The cell state through ``steps`` LSTM steps: the only operations on it are × f_t and + i_t g_t; the
    gradient flows back along it, multiplied by one forget gate per step."""
    if not 2 <= steps <= 4:
        raise ValueError(f"steps: expected 2 to 4, got {steps!r}")
    c = Canvas(600, 270)
    belt, box = 95, 200
    width = 544 / steps
    names = {0: "t-1", 1: "t", 2: "t+1", 3: "t+2"}
    c.path([(580, 40), (20, 40)], color="gradient", dashed=True)
    c.text(300, 20, "gradient ∂L/∂c: multiplied by f at each step back", color="gradient", size=16)
    xs = []
    for k in range(steps):
        x0 = 28 + k * width
        c.panel(x0 + 6, 58, width - 12, 190)
        xt, xp = x0 + 0.33 * width, x0 + 0.67 * width
        xs.append((xt, xp))
        t = names[k]
        c.layer((xt + xp) / 2, box, f"gates at {t}", w=width - 44, h=40)
        c.path([(xt, box - 20), (xt, belt + 15)])
        c.path([(xp, box - 20), (xp, belt + 15)])
        c.text(xt - 6, 150, f"f_{{{t}}}", on="panel", anchor="end", size=16)
        c.text(xp + 6, 150, "i ⊙ g", on="panel", anchor="start", size=16)
    stops = [8] + [x for pair in xs for x in pair] + [592]
    for a, b in zip(stops, stops[1:]):
        c.path([(a + 15 if a != 8 else a, belt), (b - 15 if b != 592 else b, belt)], color="belt", thick=True,
               arrow=b == 592)
    for xt, xp in xs:
        c.op(xt, belt, "×")
        c.op(xp, belt, "+")
    c.text(10, belt - 20, "c", color="belt", anchor="start")
    alt = (f"The cell state as a highway through {steps} LSTM steps. A thick line runs straight through all the "
           f"cells; in each cell only two operations touch it, a multiplication by the forget gate f and an "
           f"addition of the input gate times the candidate, computed by the gates below. A dashed arrow above "
           f"runs backwards: the gradient along the cell state is multiplied by one forget gate per step.")
    return c.diagram("cell-state-highway", alt)


def memory_block(cells: int = 2) -> Diagram:
    """The 1997 memory cell block: ``cells`` memory cells sharing one input gate and one output gate; each cell
    squashes its input (g), is gated in, keeps its state s on a self-connection of weight 1.0 (the constant error
    carousel), squashes it (h) and is gated out."""
    if cells != 2:
        raise ValueError(f"cells: only blocks of size 2 are drawn, got {cells!r}")
    c = Canvas(600, 330)
    c.panel(34, 18, 540, 294, frame=True)
    c.text(304, 300, "memory cell block of size 2", size=16)
    rows, xg, xin, xs, xh, xout = (88, 228), 110, 200, 300, 395, 480
    for k, y in enumerate(rows, start=1):
        c.path([(8, y), (xg - 29, y)])
        c.layer(xg, y, "g", w=50)
        c.path([(xg + 25, y), (xin - 15, y)])
        c.op(xin, y, "×")
        c.path([(xin + 15, y), (xs - 17, y)])
        c.op(xs, y, f"s_{k}", r=17)
        c.path([(xs - 9, y - 15), (xs - 9, y - 36), (xs + 9, y - 36), (xs + 9, y - 15)])
        c.text(xs + 16, y - 40, "1.0", anchor="start", size=16)
        c.path([(xs + 17, y), (xh - 25, y)])
        c.layer(xh, y, "h", w=50)
        c.path([(xh + 25, y), (xout - 15, y)])
        c.op(xout, y, "×")
        c.path([(xout + 15, y), (592, y)])
        c.text(52, y - 28, f"cell {k}", anchor="start", size=16)
    mid = (rows[0] + rows[1]) / 2
    for x, gate, name in ((xin, "i", "in"), (xout, "o", "out")):
        c.layer(x, mid, "σ", w=50, gate=gate)
        c.path([(x, mid - 20), (x, rows[0] + 15)])
        c.path([(x, mid + 20), (x, rows[1] - 15)])
        c.text(x + 32, mid, f"{name}_j", anchor="start")
        c.path([(x - 60, mid), (x - 25, mid)])
    alt = ("The memory cell block of the 1997 LSTM, with two cells sharing one input gate, in j, and one output "
           "gate, out j. "
           "Each cell squashes its input with g, multiplies it by the shared input gate, adds it to its state s, "
           "which feeds back to itself with a fixed weight of 1.0, the constant error carousel, then squashes the "
           "state with h and multiplies it by the shared output gate.")
    return c.diagram("memory-block-1997", alt)
