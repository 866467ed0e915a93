#!/usr/bin/env bash
# What the test suite needs beyond .venv, installed where this machine allows (run by `make test` and so by
# .ci/run; needs `make install` first):
#   torch      CPU wheel into .venv from requirements-torch.txt   -> the cross-checks against PyTorch
#   chromium   Debian package (root + apt-get only)               -> the browser tests (Playwright)
#   bubblewrap Debian package (root + apt-get only)               -> the sandboxed grading tests
#   postgresql Debian package (root + apt-get only)               -> the PostgreSQL gradebook test
#   keyutils   Debian package (root + apt-get only)               -> keyctl, to inspect the key rings the grading
#                                                                    sandbox gives each job (no test needs it)
# Nothing here is fatal: what cannot be installed is listed, its tests skip, and the end of the test run
# repeats the list in a banner (tests/support/optional_deps.py finds each dependency the same way as below).
# Quick when everything is present: the pip step is remembered in .venv/.test-deps; the system packages
# are only looked up (no apt-get update unless something is missing).
set -euo pipefail
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$SELF")/.."

VENV=${VENV:-.venv}
PY=$VENV/bin/python
STAMP=$VENV/.test-deps
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
say() { echo "setup_test_deps: $*"; }

# ------------------------------------------------------------------------------------------------ torch
torch_present() { compgen -G "$VENV/lib/python3*/site-packages/torch/__init__.py" >/dev/null; }
if [ -f "$STAMP" ] && [ "$STAMP" -nt requirements-torch.txt ] && [ "$STAMP" -nt "$SELF" ] \
   && { torch_present || grep -qx "torch: failed" "$STAMP"; }; then
  torch_present || say "torch: not installed (an earlier attempt failed; rm $STAMP to retry): the PyTorch cross-checks will skip"
elif "$PY" -m pip install --quiet -r requirements-torch.txt; then
  echo "torch: installed" >"$STAMP"
  say "torch installed into $VENV (requirements-torch.txt)"
else
  echo "torch: failed" >"$STAMP"
  say "torch could not be installed into $VENV (pip install -r requirements-torch.txt failed): the PyTorch cross-checks will skip"
fi

# ------------------------------------------------------------------------------------- system packages
# Found the way the tests look for them, so a package installed by other means counts too.
on_path() {   # an executable regular file, like Python's shutil.which (bash's `command -v` also accepts others)
  local d
  case $1 in */*) [ -f "$1" ] && [ -x "$1" ]; return ;; esac
  IFS=: read -ra dirs <<<"$PATH"
  for d in "${dirs[@]}"; do [ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ] && return 0; done
  return 1
}
present() {
  case $1 in
    chromium)   on_path "$CHROMIUM" ;;
    bubblewrap) on_path bwrap ;;
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ;;
    keyutils)   on_path keyctl ;;
  esac
}
what_skips() {
  case $1 in
    chromium)   echo "the browser tests (tests/book/test_site_*.py, tests/widgets/test_widgets_browser.py, test_widgets_lab.py, tests/grading/test_nbgrader_lab.py, the report pages of tests/grading/test_report*.py)" ;;
    bubblewrap) echo "the sandboxed grading tests (tests/grading/test_grading*.py)" ;;
    postgresql) echo "the PostgreSQL gradebook test (tests/grading/test_grading_postgres.py)" ;;
    keyutils)   echo "no test" ;;
  esac
}
missing() { local p; for p in chromium bubblewrap postgresql keyutils; do present "$p" || echo "$p"; done; }

mapfile -t todo < <(missing)
if [ ${#todo[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    why="not running as root"
  elif ! command -v apt-get >/dev/null; then
    why="no apt-get on this machine"
  else
    why="apt-get failed"
    say "installing ${todo[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq "${todo[@]}" >/dev/null; then why=""; fi
    mapfile -t todo < <(missing)
  fi
  if [ ${#todo[@]} -gt 0 ]; then
    say "could not install ${todo[*]} ($why; as root: apt-get install -y ${todo[*]})"
    for p in "${todo[@]}"; do say "  without $p: $(what_skips "$p") will skip"; done
  fi
fi
exit 0
