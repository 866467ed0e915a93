"""Checks for the graded exercises: they compare a learner's function with a reference and, when the two
disagree, say what is wrong in words a learner can act on.

Every ``check_*`` function returns None and prints nothing when the function under test is right, and raises
:class:`CheckFailed` (an ``AssertionError``) otherwise: a diagnosis in words, the detail, and a mistake code
with the book section that explains it (see :mod:`.mistakes`), for example::

    CheckFailed: lstm_step_forward: c has the wrong shape: transposed?

    lstm_step_forward: c has shape (4, 3), expected (3, 4) (B=3, H=4)

    [mistake generic]
    Read: intro.html#notation

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
- Inputs are copies, and the learner's function must leave them alone: one that modifies an argument in place, or
  returns one, fails naming it (the same rule in validate, plain and hardened grading; see :mod:`.calling`).

Shapes follow the course: time-major X (T, B, D), states (B, H), PyTorch parameter names and gate orders
(LSTM i, f, g, o; GRU r, z, n).
"""
from .compare import GRU_GATES, LSTM_GATES, check_array, check_sequence, check_structure
from .mistakes import MISTAKES, CheckFailed
from .problems import recurrent_params
from .rnn import check_clip_by_global_norm, check_hidden_gradient_norms, check_rnn_step_forward
from .lstm_forward import check_lstm_forward, check_lstm_gates, check_lstm_step_forward, lstm_problem, lstm_sequence_problem
from .lstm_backward import check_lstm_backward, check_lstm_step_backward
from .variants import COUNT_CASES, check_count_parameters, check_gru_step_forward, check_peephole_step_forward
from .reber import REBER_MAX_HIDDEN, check_reber_acceptor, check_reber_criterion, check_reber_generator, check_reber_predictor, check_training_run

__all__ = ['MISTAKES', 'CheckFailed', 'GRU_GATES', 'LSTM_GATES', 'check_array', 'check_sequence', 'check_structure', 'recurrent_params', 'check_clip_by_global_norm', 'check_hidden_gradient_norms', 'check_rnn_step_forward', 'check_lstm_forward', 'check_lstm_gates', 'check_lstm_step_forward', 'lstm_problem', 'lstm_sequence_problem', 'check_lstm_backward', 'check_lstm_step_backward', 'COUNT_CASES', 'check_count_parameters', 'check_gru_step_forward', 'check_peephole_step_forward', 'REBER_MAX_HIDDEN', 'check_reber_acceptor', 'check_reber_criterion', 'check_reber_generator', 'check_reber_predictor', 'check_training_run']
