#!/usr/bin/env bash
# One entry point: ./run.sh [setup|test|bench NAME|<stage>] [absl flags...]
#   ./run.sh             the default study (sets up when needed)
#   ./run.sh setup --gpu TensorFlow with its CUDA libraries (also chosen when
#                        nvidia-smi lists a GPU; PVE_GPU=0 or 1 overrides)
#   ./run.sh test        set up when needed, then pytest
#   ./run.sh <stage>     python -m pipeline.jobs.<stage> with the flags given
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.installed"

gpu_wanted() {
  case "${PVE_GPU:-}" in
    1) return 0 ;;
    0) return 1 ;;
    "") command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q "^GPU" ;;
    *) echo "run.sh: error: PVE_GPU=${PVE_GPU}; expected 0 or 1" >&2; exit 2 ;;
  esac
}

setup() {
  local want extras="test"
  if gpu_wanted; then extras="test,gpu"; fi
  want="$( (cat setup.py constraints.txt; echo "$extras") | sha256sum | cut -d' ' -f1)"
  if [[ -n "${PVE_SETUP_PRINT:-}" ]]; then  # say what would be installed, install nothing
    echo "pip install -c constraints.txt -e .[${extras}]"
    return 0
  fi
  if [[ -x "$PY" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    return 0
  fi
  echo "run.sh: setting up $VENV (tensorflow, dm-reverb, rlax, ...; extras: ${extras})" >&2
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || { echo "run.sh: error: $python not found (Python 3.11 is required)" >&2; exit 2; }
  [[ -x "$PY" ]] || "$python" -m venv "$VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  "$PY" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[${extras}]"
  echo "$want" > "$STAMP"
}

stages() {
  ls pipeline/jobs/*.py | xargs -n1 basename | sed 's/\.py$//' | grep -v -e '^_' -e '_test$' | tr '\n' ' '
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
case "$cmd" in
  setup)
    for arg in "$@"; do
      case "$arg" in
        --gpu) export PVE_GPU=1 ;;
        --cpu) export PVE_GPU=0 ;;
        *) echo "run.sh: error: unknown setup option '$arg'; known: --gpu --cpu" >&2; exit 2 ;;
      esac
    done
    setup ;;
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
