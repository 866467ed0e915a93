# Two commands do everything on a fresh clone:
#   make book   - set up .venv and build the book into _build/html
#   make test   - set up .venv, install what the tests need where it can (tools/setup_test_deps.sh: torch's
#                 CPU wheel into .venv; chromium, bubblewrap, PostgreSQL through apt-get when run as root)
#                 and run the whole test suite; the run ends with a banner naming any test that did not run
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install book pdf test bench bench-widgets bench-site clean reber-results reber-data bench-reber release autograde feedback export bench-autograde bench-book bench-validate bench-similarity text-results bench-charlm longlag-results bench-longlag

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -c 'import sys; sys.exit(None if sys.version_info >= (3, 11, 5) else \
	  "make install: the pinned packages need Python 3.11.5 or newer; $(PYTHON) is " + sys.version.split()[0] + \
	  ". Run make with PYTHON=/path/to/python3.11 (or newer).")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Front-end files of the book (the core widgets and MathJax from npm, anywidget's front end from its
# wheel, the book's own code in tools/site_js/), bundled into _offline/ and served by the site itself.
_offline/.vendored: package.json package-lock.json tools/vendor_assets.py $(wildcard tools/site_js/*) $(VENV)/.installed
	npm ci --no-audit --no-fund
	$(PY) tools/vendor_assets.py

install: $(VENV)/.installed _offline/.vendored

book: install
	$(PY) tools/sync_notebooks.py
	@# The execution cache is keyed on the pages' code only: dropped when lstmkit changed since (the rule,
	@# shared with the tests: tools/book_cache.py).
	$(PY) tools/book_cache.py
	$(BIN)/jupyter-book build . -W -n --keep-going
	test -f _build/html/index.html
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

pdf: book                             ## the whole book as one PDF, printed offline by chromium (tools/build_pdf.py)
	$(PY) tools/build_pdf.py

test: install
	bash tools/setup_test_deps.sh
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench_lstm.py

bench-widgets: install                ## slider input -> updated explorer in the built book (target 16 ms)
	$(PY) benchmarks/bench_widgets.py

bench-site: install                   ## bytes and requests per page of the built book (targets 1.5 MB, 25 requests)
	$(PY) benchmarks/bench_site_weight.py

clean:
	rm -rf _build $(VENV)

# Graded exercises (nbgrader; course directory = this folder, see nbgrader_config.py; COURSE=DIR for another
# folder with its own nbgrader_config.py). Each target runs nbgrader's command for every assignment through
# `python -m lstmkit.grading plain` (lstmkit/grading/plain.py): it goes on past a broken notebook and ends by
# naming every student and assignment it could not process (exit status 1 then). nbgrader calls alembic
# through PATH, so every command runs with the virtualenv's bin/ first on PATH.
# The assignments, as lstmkit/grading/exercises.py declares them (asked when a target runs, after the install).
ASSIGNMENTS = $(shell $(PY) -c 'from lstmkit.grading.exercises import ASSIGNMENTS; print(*ASSIGNMENTS)')
COURSE ?= .
IN_COURSE := cd "$(COURSE)" && PATH="$(abspath $(BIN)):$$PATH"
PLAIN := $(IN_COURSE) "$(abspath $(PY))" -m lstmkit.grading plain

release: $(VENV)/.installed           ## solutions/ -> exercises/ (the student version; commit the result)
	$(PLAIN) release $(ASSIGNMENTS)

autograde: $(VENV)/.installed         ## grade every submission in submitted/<student>/<assignment>/
	$(PLAIN) autograde $(ASSIGNMENTS)

feedback: $(VENV)/.installed          ## autograded/ -> feedback/ (HTML per student, test cells without their hidden part)
	$(PLAIN) feedback $(ASSIGNMENTS)

export: $(VENV)/.installed            ## gradebook.db -> grades.csv (with a status column: lstmkit/grading/export.py)
	$(IN_COURSE) nbgrader export --to=grades.csv

bench-autograde: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(PY) benchmarks/bench_autograde.py

bench-validate: $(VENV)/.installed     ## nbgrader validate of a correct notebook, per assignment (target 5 s)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(PY) benchmarks/bench_validate.py

bench-similarity: $(VENV)/.installed   ## similarity of 1,000 students of one assignment (target 45 s)
	$(PY) benchmarks/bench_similarity.py

# The Reber chapter's results (lstmkit/data/reber_runs.json, reber_elman_runs.json, reber_lag_runs.json: package
# data, read by the chapter through lstmkit.results.load_runs, so its notebook runs outside the repository too):
# 10 seeds per model and grammar (budget 100,000 sequences), the same SRN trained with Elman's one-step
# gradient (a run that never meets the criterion uses the whole budget), then success against dependency
# length (longer inner strings through the loop probability, 5 seeds, budget 30,000).
REBER := $(PY) -m lstmkit.reber --quiet
reber-results: install
	rm -f lstmkit/data/reber_runs.json lstmkit/data/reber_elman_runs.json lstmkit/data/reber_lag_runs.json
	for m in lstm srn; do for g in embedded reber; do \
	  $(REBER) --model $$m --grammar $$g --seeds 10 --max-sequences 100000 \
	    --json lstmkit/data/reber_runs.json --append || exit 1; done; done
	for g in embedded reber; do \
	  $(REBER) --model elman --grammar $$g --seeds 10 --max-sequences 100000 \
	    --json lstmkit/data/reber_elman_runs.json --append || exit 1; done
	$(REBER) --model srn --hidden 15 --grammar embedded --seeds 10 --max-sequences 100000 \
	  --json lstmkit/data/reber_small_runs.json
	for p in 0.5 0.7 0.8 0.9; do for m in lstm srn; do \
	  $(REBER) --model $$m --grammar embedded --seeds 5 --p-loop $$p --max-sequences 30000 \
	    --json lstmkit/data/reber_lag_runs.json --append || exit 1; done; done

# The text chapter's language models (lstmkit/data/charlm.json and charlm_{lstm,gru,srn}.npz: package data, read by
# the chapter through lstmkit.results and lstmkit.charlm.experiment.load_model): an LSTM, a GRU and an SRN with the
# same number of weights, trained on the standard library of the Python that runs it, on one thread (the same
# numbers on every run with the same Python and numpy). The settings are the defaults of lstmkit/charlm/experiment.py.
text-results: install                 ## about 45 minutes on a free core
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m lstmkit.charlm --out lstmkit/data

bench-charlm: install                 ## char-LM training throughput, lstmkit against torch.nn.LSTM (one thread)
	$(PY) benchmarks/bench_charlm.py

# The long-time-lag chapter's results (lstmkit/data/longlag_runs.json and longlag_gradients.json, package data read
# through lstmkit.results): the grid of lstmkit.longlag.GRID (LSTM, GRU and SRN of equal size on the adding problem
# against T, on temporal order and on the copy task; about two and a half hours of one core, 75 minutes with JOBS=2),
# then one seed of each network trained at T = GRAD_T for the gradient figure. JOBS=N spreads the seeds over N
# processes (the records are the same).
JOBS ?= 1
GRAD_T ?= 100
longlag-results: install
	rm -f lstmkit/data/longlag_runs.json
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) -m lstmkit.tasks --grid --quiet --jobs $(JOBS) \
	  --json lstmkit/data/longlag_runs.json
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) -m lstmkit.tasks --task adding --T $(GRAD_T) \
	  --max-sequences 200000 --gradients lstmkit/data/longlag_gradients.json

# The training data of the reber assignment (X, Y, mask of lstmkit.reber.TRAINING_SET_N embedded Reber strings
# drawn from TRAINING_SET_SEED): the student's graded code cannot use lstmkit.reber. Then run `make release`.
reber-data: install                   ## solutions/reber/reber_data.npz (copied into exercises/reber/ by make release)
	$(PY) -c "from lstmkit import reber; reber.save_training_set('solutions/reber/reber_data.npz')"

bench-reber: install                  ## time per seed of the LSTM on the embedded Reber grammar (target 1.5 s)
	$(PY) benchmarks/bench_reber.py

bench-longlag: install                ## the LSTM on the adding problem at T = 100, 10 seeds (targets 10/10, 20 s a seed)
	$(PY) benchmarks/bench_longlag.py

bench-book: install                   ## clean and cached book build times (targets 180 s / 30 s)
	$(PY) benchmarks/bench_book.py
