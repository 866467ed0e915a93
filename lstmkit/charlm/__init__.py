"""Character-level language models of Python source code (the book's chapter on real text).

- :mod:`~lstmkit.charlm.corpus`: the text, Python's own standard library read from the running Python (files
  chosen by a documented rule, split by a hash of their path), and the :class:`Vocabulary` (ASCII, V = 98);
- :mod:`~lstmkit.charlm.model`: :class:`ModelSpec` (kind, units, layers; equal weight counts across kinds),
  one-hot inputs, the text as parallel streams, :func:`bits_per_char`, :func:`sample` with a temperature;
- :mod:`~lstmkit.charlm.training`: truncated BPTT with the state carried across chunks (:func:`train_lm`);
- :mod:`~lstmkit.charlm.interpret`: features of code from Python's tokenizer and the units that track them;
- :mod:`~lstmkit.charlm.render`: text coloured by a unit's activation (accessible HTML);
- :mod:`~lstmkit.charlm.experiment`: ``python -m lstmkit.charlm`` (``make text-results``) and
  :func:`load_model` for the trained models shipped in ``lstmkit/data/``.

The model itself is lstmkit's: a :class:`~lstmkit.stack.Stack` of LSTM, GRU or RNN layers and a Dense readout
(:class:`~lstmkit.train.SequenceModel`), trained with lstmkit's softmax cross-entropy, Adam and clipping.
"""
from .corpus import ASCII, Corpus, Vocabulary
from .model import ModelSpec, bits_per_char, one_hot, sample, softmax_sample, streams
from .training import TrainConfig, TrainLog, train_lm

__all__ = ["ASCII", "Corpus", "Vocabulary", "ModelSpec", "bits_per_char", "one_hot", "sample", "softmax_sample",
           "streams", "TrainConfig", "TrainLog", "train_lm"]
