"""Checks for the graded exercises: they compare a learner's function with a reference and, when the two
disagree, say what is wrong in words a learner can act on.

Every ``check_*`` function returns None and prints nothing when the function under test is right, and raises
``AssertionError`` with a message otherwise, for example::

    AssertionError: lstm_step_forward: c has shape (4, 3), expected (3, 4) (B=3, H=4): transposed?
    AssertionError: lstm_step_forward: h is wrong: the gate blocks are read in the order i, f, o, g ...
    AssertionError: lstm_forward: H matches up to time step 1 but differs from time step t = 2 ...

Four rules hold for every check:

- Expected values come only from lstmkit's own code, never from a function the learner wrote: the learner's
  functions are called only to be judged.
- A solution that calls lstmkit's own version of the exercise (``lstmkit.cells.lstm_step_forward``, an LSTM
  layer, ``lstmkit.clip_grad_norm`` ..., as declared in :mod:`lstmkit.grading.exercises`) fails with a
  message saying so. Under the hardened grader those functions are not in the sandbox at all; in
  ``nbgrader validate`` the check notices the call. ``lstmkit.sigmoid``, ``lstmkit.dsigmoid``,
  ``lstmkit.dtanh`` and numpy stay available.
- Nothing is written to stderr: numerical warnings raised by the learner's code (overflow in ``np.exp`` ...)
  are caught and turned into a failure that names them, because nbgrader gives zero to a test cell that
  writes to stderr anyway.
- Inputs are copies: a function that modifies its arguments in place cannot change the reference values.

Shapes follow the course: time-major X (T, B, D), states (B, H), PyTorch parameter names and gate orders
(LSTM i, f, g, o; GRU r, z, n).
"""
from .compare import GRU_GATES, LSTM_GATES, check_array, check_sequence, check_structure
from .problems import recurrent_params
from .rnn import check_clip_by_global_norm, check_hidden_gradient_norms, check_rnn_step_forward
from .lstm_forward import check_lstm_forward, check_lstm_gates, check_lstm_step_forward, lstm_problem, lstm_sequence_problem
from .lstm_backward import check_lstm_backward, check_lstm_step_backward
from .variants import COUNT_CASES, check_count_parameters, check_gru_step_forward, check_peephole_step_forward
from .reber import REBER_MAX_HIDDEN, check_reber_acceptor, check_reber_criterion, check_reber_generator, check_reber_predictor, check_training_run

__all__ = ['GRU_GATES', 'LSTM_GATES', 'check_array', 'check_sequence', 'check_structure', 'recurrent_params', 'check_clip_by_global_norm', 'check_hidden_gradient_norms', 'check_rnn_step_forward', 'check_lstm_forward', 'check_lstm_gates', 'check_lstm_step_forward', 'lstm_problem', 'lstm_sequence_problem', 'check_lstm_backward', 'check_lstm_step_backward', 'COUNT_CASES', 'check_count_parameters', 'check_gru_step_forward', 'check_peephole_step_forward', 'REBER_MAX_HIDDEN', 'check_reber_acceptor', 'check_reber_criterion', 'check_reber_generator', 'check_reber_predictor', 'check_training_run']
