"""python -m lstmkit.charlm: train and record the text chapter's language models (see experiment.py)."""
import sys

from .experiment import main

sys.exit(main())
