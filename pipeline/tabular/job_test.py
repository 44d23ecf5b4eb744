"""The four_rooms stage end to end: outputs, resume, and one-line errors."""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from pipeline.tabular import experiment

ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = """
from pipeline.tabular import config as config_lib
def get_config():
  c = config_lib.base_config()
  m = c.model_space
  m.ve_orders = (1, 2); m.num_models = 8; m.num_pairs = 100
  m.num_steps = 20; m.pve_num_steps = 20; m.num_snapshots = 2
  cap = c.capacity
  cap.ranks = (20, 104); cap.num_base_policies = 10; cap.copies_per_policy = 2
  cap.num_seeds = 2; cap.num_steps = 20; cap.chunk_steps = 10; cap.low_ranks = (20,)
  c.trajectories.num = 20
  c.log_every_secs = 0.1
  return c
"""


def _run(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, "-m", "pipeline.jobs.four_rooms", *args], cwd=ROOT,
                        capture_output=True, text=True, env=env, timeout=300)


def _one_error_line(proc, pattern):
  """Exit 2 and exactly one 'error: ...' line (last), without a traceback."""
  lines = [l for l in proc.stderr.splitlines() if l.strip()]
  assert proc.returncode == 2, proc.stderr
  assert sum(l.startswith("error:") for l in lines) == 1 and "Traceback" not in proc.stderr
  assert lines[-1].startswith("error:") and pattern in lines[-1], proc.stderr


@pytest.fixture(name="tiny")
def _tiny(tmp_path):
  path = tmp_path / "tiny.py"
  path.write_text(TINY)
  return str(path)


def test_bad_inputs_give_one_clear_line(tmp_path, tiny):
  _one_error_line(_run("--config=/nonexistent/four_rooms.py"), "four_rooms.py")
  _one_error_line(_run(f"--config={tiny}", "--config.model_space.not_a_key=1"), "not_a_key")
  blocker = tmp_path / "a_file"
  blocker.write_text("x")
  _one_error_line(_run(f"--config={tiny}", f"--workdir={blocker}/run"), "not writable")
  _one_error_line(_run(f"--config={tiny}", "--config.model_space.num_steps=0",
                       f"--workdir={tmp_path}/w"), "num_steps")
  _one_error_line(_run(f"--config={tiny}", "--config.trajectories.start=(0,0)",
                       f"--workdir={tmp_path}/w"), "free (row, col) cell")
  _one_error_line(_run(f"--config={tiny}", "--config.capacity.loss=magic",
                       f"--workdir={tmp_path}/w"), "config.capacity.loss='magic'")


def test_end_to_end_then_resume(tmp_path, tiny):
  work = tmp_path / "run"
  first = _run(f"--config={tiny}", f"--workdir={work}")
  assert first.returncode == 0, first.stderr
  for name in ("fig3_model_space.png", "fig4a_capacity.png", "fig4b_trajectories.png"):
    assert (work / "figures" / name).stat().st_size > 10_000
  for name in ("diameters.csv", "diameters.md", "capacity.csv", "capacity.md"):
    assert (work / "tables" / name).exists()
  assert first.stdout.count("CHECK ") == 5  # the four claims (two for Figure 4a) and PVE plans optimally
  assert "model-steps/s" in first.stderr and "left" in first.stderr
  assert list((work / "model_space" / "k2" / "tb").glob("events.*"))

  # Rerun (in-process: TF is loaded already): nothing is retrained or rewritten.
  ckpts = {p: p.stat().st_mtime_ns for p in work.glob("*/*/ckpt/*")}
  spec = importlib.util.spec_from_file_location("tiny_config", tiny)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  lines = experiment.run(module.get_config(), str(work))
  assert sum(l.startswith("CHECK ") for l in lines) == 5
  assert ckpts and ckpts == {p: p.stat().st_mtime_ns for p in work.glob("*/*/ckpt/*")}

  changed = _run(f"--config={tiny}", "--config.seed=1", f"--workdir={work}")
  _one_error_line(changed, "different config")
  # A corrupt checkpoint raises PipelineError (training_test.py), which run_job
  # turns into one line like the errors above.
