"""`./run.sh tables` (pipeline.jobs.tables) as a user runs it."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  return subprocess.run([sys.executable, "-m", "pipeline.jobs.tables", *args], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=120)


def test_reference_paper_prints_p_0044(tmp_path):
  r = _run("--reference=paper", "--reps=20", f"--workdir={tmp_path}")
  assert r.returncode == 0, r.stderr
  assert "p = 0.044" in r.stdout
  assert os.path.isfile(tmp_path / "tables" / "summary.json")
  assert "Summary JSON:" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--scores={csv}"], "bad.csv:3: expected 4 fields"),
    (["--scores={tmp}/missing.csv"], "missing.csv: no such file"),
    (["--reference=nature"], "unknown reference 'nature'; known: paper"),
    ([], "nothing to tabulate"),
    (["--reference=paper", "--ci=1.5", "--workdir={tmp}"], "ci=1.5; must be in (0, 1)"),
    (["--reference=paper", "--reps=0", "--workdir={tmp}"], "reps=0, curve_reps=500; both must be >= 1"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
  bad = tmp_path / "bad.csv"
  bad.write_text("game,variant,seed,score\npong,muzero,0,1\npong,muzero\n")
  r = _run(*[a.format(csv=bad, tmp=tmp_path) for a in args])
  assert r.returncode == 2
  assert r.stderr.strip().count("\n") == 0 and r.stderr.startswith("error: ")
  assert message in r.stderr
