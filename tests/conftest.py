"""Helpers for the end-to-end tests: run stages as real processes.

Every process a test starts goes through `spawn` or `run`: it gets SIGKILL
when the pytest process dies however it dies (Linux PDEATHSIG; a stage's own
children die with it the same way), so a killed `./run.sh test` leaves
nothing running (tests/test_hygiene.py).
"""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipeline.processes import die_with_parent  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A CartPole run small enough for a test: a few seconds of play per stage.
TINY = ["--config=configs/cartpole.py", "--config.learner.batch_size=16",
        "--config.replay.min_size_to_sample=16", "--config.replay.samples_per_insert=8",
        "--config.search.num_simulations=4", "--config.evaluate.num_simulations=4",
        "--config.actors.envs_per_actor=4", "--config.evaluate.num_episodes=2",
        "--config.evaluate.num_envs=2", "--config.network.hidden_sizes=(32,)",
        "--config.network.latent_size=16", "--config.network.head_hidden=16"]


@pytest.fixture
def job_env(tmp_path, monkeypatch):
  """The environment of a stage process; records go under tmp_path, here too."""
  monkeypatch.setenv("PVE_RECORDS_ROOT", str(tmp_path / "tfrecords"))
  return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")


def job(stage, *args):
  """The command line of a stage, as run.sh would run it."""
  return [sys.executable, "-m", f"pipeline.jobs.{stage}", *args]


def spawn(cmd, **kwargs) -> subprocess.Popen:
  """subprocess.Popen(cmd, cwd=REPO, ...) that dies with this process."""
  kwargs.setdefault("cwd", REPO)
  return subprocess.Popen(cmd, preexec_fn=die_with_parent, **kwargs)


def run(cmd, env, timeout=240, **kwargs):
  return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                        timeout=timeout, preexec_fn=die_with_parent, **kwargs)


def error_lines(stderr: str):
  return [l for l in stderr.splitlines() if l.startswith("error:")]
