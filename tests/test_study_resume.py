"""A study killed mid-run (SIGKILL to the study runner: its run stops itself), then the same
command again: a finished run is kept, the interrupted one resumes from its checkpoint."""
import json
import os
import re
import signal
import subprocess
import time

from conftest import job, run, spawn
from pipeline.study import checkpoint_step

STUDY_CONFIG = '''
import ml_collections

TINY = (("learner.batch_size", 16), ("replay.min_size_to_sample", 16),
        ("replay.samples_per_insert", 8.0), ("search.num_simulations", 4),
        ("evaluate.num_simulations", 4), ("actors.envs_per_actor", 4),
        ("evaluate.num_envs", 2), ("network.hidden_sizes", (32,)), ("network.latent_size", 16),
        ("network.head_hidden", 16), ("learner.checkpoint_every_seconds", 1.0),
        ("search.implementation", "reference"), ("evaluate.target_return", 0.0),
        ("evaluate.every_steps", 0))


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "tiny"
  c.games = [{"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": TINY + (("learner.num_steps", 80),)}]
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds = [0, 1]
  c.budget = (("scoring.final_episodes", 20), ("evaluate.num_episodes", 2))
  c.workers = 1
  return c
'''


def test_killed_study_resumes_its_unfinished_run(tmp_path, job_env):
  config = tmp_path / "study_tiny.py"
  config.write_text(STUDY_CONFIG)
  workdir = tmp_path / "study"
  cmd = job("study", f"--config={config}", f"--workdir={workdir}", "--reps=50", "--curve_reps=20")
  first, second = workdir / "runs" / "cartpole_v1__muzero__s0", workdir / "runs" / "cartpole_v1__muzero__s1"
  # Seed 0 finished in an earlier session of the study (its result.json is what
  # marks a finished run); it must be kept, not redone.
  first.mkdir(parents=True)
  (first / "result.json").write_text('{"learner_steps": 80, "finished": "earlier"}')
  proc = spawn(cmd, env=job_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, start_new_session=True)
  deadline = time.time() + 300
  while checkpoint_step(str(second)) < 15 and time.time() < deadline:
    assert proc.poll() is None, proc.stdout.read()[-3000:]
    time.sleep(0.2)
  assert checkpoint_step(str(second)) >= 15, "the second run wrote no checkpoint in time"
  os.kill(proc.pid, signal.SIGKILL)  # the study runner alone: its run gets SIGTERM (PDEATHSIG)
  proc.wait()
  deadline = time.time() + 120
  while "stopped; run the same command to resume" not in (second / "pipeline.log").read_text():
    assert time.time() < deadline, "the run did not stop after its study died"
    time.sleep(0.2)
  time.sleep(2.0)  # the run's last exit steps (its Reverb server, its actors)
  assert (first / "result.json").exists() and not (second / "result.json").exists()
  first_result = (first / "result.json").read_text()
  killed_at = checkpoint_step(str(second))

  again = run(cmd, job_env, timeout=300)
  assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
  assert "2 runs: 1 finished already, 1 to run" in again.stdout
  assert "started cartpole_v1__muzero__s0" not in again.stdout
  assert "started cartpole_v1__muzero__s1 (resuming at step " in again.stdout
  assert (first / "result.json").read_text() == first_result  # the finished run was not redone
  log = (second / "pipeline.log").read_text()
  resumed = re.search(r"learner resumed at step (\d+)", log)
  assert resumed and int(resumed.group(1)) == killed_at, log[-2000:]
  assert json.loads((second / "result.json").read_text())["learner_steps"] == 80
  assert json.loads((workdir / "study_wall_seconds.json").read_text())["wall_seconds"] > 0
  summary = json.loads((workdir / "tables" / "summary.json").read_text())
  assert summary["runs"]["finished"] == 1 and summary["runs"]["no_episodes"] == 1  # seed 0: no records
