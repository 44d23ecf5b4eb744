#!/usr/bin/env bash
# One entry point: ./run.sh [setup|test|bench NAME|<stage>] [absl flags...]
#   ./run.sh             the default study (sets up when needed)
#   ./run.sh test        set up when needed, then pytest
#   ./run.sh <stage>     python -m pipeline.jobs.<stage> with the flags given
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.installed"

setup() {
  local want
  want="$(cat setup.py constraints.txt | sha256sum | cut -d' ' -f1)"
  if [[ -x "$PY" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    return 0
  fi
  echo "run.sh: setting up $VENV (tensorflow, dm-reverb, rlax, ...)" >&2
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || { echo "run.sh: error: $python not found (Python 3.11 is required)" >&2; exit 2; }
  [[ -x "$PY" ]] || "$python" -m venv "$VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  "$PY" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
  echo "$want" > "$STAMP"
}

stages() {
  ls pipeline/jobs/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -v -e '^_' -e '_test$' | tr '\n' ' '
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
case "$cmd" in
  setup) setup ;;
  test)
    setup
    exec "$PY" -m pytest "$@" ;;
  bench)
    setup
    name="${1:-}"; [[ $# -gt 0 ]] && shift
    if [[ -z "$name" || ! -f "benchmarks/$name.py" ]]; then
      echo "run.sh: error: unknown benchmark '$name'; known: $(ls benchmarks/*.py | xargs -n1 basename | sed 's/\.py$//' | tr '\n' ' ')" >&2
      exit 2
    fi
    exec "$PY" "benchmarks/$name.py" "$@" ;;
  "")
    # The default study: MuZero vs MuZero + past policies on CartPole and MinAtar.
    setup
    exec "$PY" -m pipeline.jobs.study --config=configs/study_default.py --workdir=runs/study_default ;;
  *)
    if [[ ! "$cmd" =~ ^[a-z_0-9]+$ || ! -f "pipeline/jobs/$cmd.py" ]]; then
      echo "run.sh: error: unknown command '$cmd'; known: setup test bench $(stages)" >&2
      exit 2
    fi
    setup
    exec "$PY" -m "pipeline.jobs.$cmd" "$@" ;;
esac
