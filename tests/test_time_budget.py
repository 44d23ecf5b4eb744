"""learner.stop_after_seconds: a run stops training on its wall-clock budget, then
evaluates and writes its result like a run that trained all its steps."""
import json
import os

from conftest import TINY, job, run


def test_a_run_stops_on_its_wall_clock_budget(tmp_path, job_env):
  workdir = str(tmp_path / "run")
  budget = 40.0  # the first learner step must come within it, on a loaded 2-core machine too
  cmd = job("pipeline", *TINY, "--config.learner.num_steps=1000000", "--config.evaluate.every_steps=0",
            "--config.evaluate.target_return=0", f"--config.learner.stop_after_seconds={budget}",
            "--log_every_seconds=2", f"--workdir={workdir}")
  r = run(cmd, job_env, timeout=240)
  assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
  done = json.load(open(os.path.join(workdir, "train.done")))
  result = json.load(open(os.path.join(workdir, "result.json")))
  assert done["time_budget_reached"] and not done["target_reached"]
  assert 0 < result["learner_steps"] == done["learner_steps"] < 1_000_000
  assert result["wall_seconds"] >= budget  # the clock also holds the final evaluation
  again = run(cmd, job_env, timeout=120)  # a finished run is not redone
  assert again.returncode == 0 and "already finished" in again.stdout
