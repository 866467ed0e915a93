"""lstmkit: recurrent networks from scratch in numpy, for learning how LSTMs work.

Conventions used everywhere (book, code, exercises):

- arrays are time-major: inputs X (T, B, D), hidden outputs H (T, B, H);
- parameters carry PyTorch's names (weight_ih, weight_hh, bias_ih, bias_hh), so weights move across;
- gate order is PyTorch's: LSTM i, f, g, o; GRU r, z, n.
"""
from .activations import sigmoid, dsigmoid, dtanh
from .cells import (rnn_step_forward, rnn_step_backward, lstm_step_forward, lstm_step_backward,
                    gru_step_forward, gru_step_backward)
from .layers import RNN, LSTM, GRU
from .dense import Dense
from .stack import Stack
from .losses import softmax_cross_entropy, sigmoid_binary_cross_entropy, mean_squared_error
from .optim import SGD, Adam, clip_grad_norm, global_grad_norm
from .gradcheck import gradcheck, numerical_gradient, relative_error
from . import init

__version__ = "0.1.0"
