"""The analyse stage end to end on a tiny run with 3 checkpoints: outputs, resume."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from pipeline.analysis import config as analysis_config
from pipeline.analysis import report, run_files
from pipeline.analysis.learned_model_test import tiny_config
from pipeline.analysis.stage import Analysis
from pipeline.networks.muzero_net import make_network

STEPS = (10, 20, 30)


def make_run(workdir: str) -> None:
  """RUN/config.json and checkpoints ckpt-10/20/30 of untrained tiny networks."""
  config = tiny_config()
  config.learner.num_steps = 30
  config.search.num_simulations = 3
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, "config.json"), "w") as f:
    f.write(config.to_json())
  for i, step in enumerate(STEPS):
    tf.random.set_seed(i)
    network = make_network(config, (4,), 2)
    tf.train.Checkpoint(search_network=network).write(
        os.path.join(workdir, "checkpoints", f"ckpt-{step}"))


def tiny_analysis():
  c = analysis_config.base_config()
  c.states.num_envs, c.states.steps_per_env, c.states.num_states = 2, 6, 4
  c.value_error.num_samples = 2
  c.likelihood.horizon, c.likelihood.num_states = 3, 2
  c.planning.budgets = (2, 4)
  c.planning.num_episodes, c.planning.max_episode_steps = 2, 8
  c.planning.rollout_horizon = 3
  c.search_stats.num_states = 3
  c.online.num_episodes, c.online.max_episode_steps = 2, 8
  return c


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
  workdir = str(tmp_path_factory.mktemp("run"))
  make_run(workdir)
  lines = []
  analysis = Analysis(tiny_analysis(), workdir, lines.append)
  results = analysis.run()
  summary = report.write_report(results, analysis.out_dir)
  return workdir, results, summary, lines


def test_cross_matrix_has_a_row_and_a_column_per_checkpoint(analysed):
  _, results, summary, _ = analysed
  assert results["checkpoints"] == list(STEPS)
  assert results["cross_def2"].shape == (3, 3, 5)   # horizon: the run's unroll_steps
  assert np.array(summary["figure5"]["matrix"]).shape == (3, 3)
  assert np.all(np.isfinite(results["cross_def2"]))


def test_outputs_and_progress(analysed):
  workdir, results, summary, lines = analysed
  out = os.path.join(workdir, "analysis")
  for name in ("fig2_online_performance.png", "fig3_value_error_by_horizon.png", "fig4_error_vs_likelihood.png",
               "fig5_cross_checkpoint.png", "fig6_search_regularisation.png",
               "fig7_planning.png", "summary.json"):
    assert os.path.getsize(os.path.join(out, name)) > 0, name
  for table in ("online_performance", "value_error_by_horizon", "likelihood", "cross_checkpoint", "search_stats",
                "planning"):
    assert os.path.exists(os.path.join(out, f"{table}.md"))
    assert os.path.exists(os.path.join(out, f"{table}.csv"))
  assert results["likelihood"][30].probs.shape == (2, 2 ** 3)
  np.testing.assert_allclose(results["likelihood"][30].probs.sum(axis=1), 1.0)
  assert results["planning"]["returns"]["true", "uniform"].shape == (2, 2)
  for policy in ("mcts", "prior_sampled", "prior_argmax"):  # [checkpoints, episodes]
    assert results["online"]["returns"][policy].shape == (3, 2)
    assert len(summary["figure2"][policy]) == 3
  assert summary["figure4"][30]["sequences"] == 8
  assert lines[-1].startswith("[") and "search-30-uniform-4" in lines[-1]
  parts = [line for line in lines if line.startswith("[")]
  assert parts[-1].startswith(f"[{len(parts)}/{len(parts)}]")  # the part count is right
  assert json.load(open(os.path.join(out, "summary.json")))["checkpoints"] == list(STEPS)


def test_a_second_run_reuses_every_part(analysed):
  workdir, results, _, _ = analysed
  lines = []
  again = Analysis(tiny_analysis(), workdir, lines.append)
  second = again.run()
  assert again.cache.misses == 0 and again.cache.hits == again._parts_total
  np.testing.assert_array_equal(second["cross_def2"], results["cross_def2"])
  # A changed setting recomputes only the parts that depend on it.
  changed = tiny_analysis()
  changed.planning.budgets = (2, 3)
  third = Analysis(changed, workdir, lines.append)
  third.run()
  assert third.cache.misses == 2 * 2 + 2  # budget 3: 2 models x 2 priors, 2 search cells


def test_checkpoint_selection_keeps_first_and_last():
  ckpts = [(s, f"p{s}") for s in range(0, 100, 10)]
  assert [s for s, _ in run_files.select_checkpoints(ckpts, 4)] == [0, 30, 60, 90]
  assert run_files.select_checkpoints(ckpts, 0) == ckpts
  assert [s for s, _ in run_files.select_checkpoints(ckpts, 1)] == [90]


def test_a_run_with_milestones_is_analysed_at_its_milestones_only(tmp_path):
  # Seeds keep the same milestones but different rotating ckpt-* steps: only the milestones.
  os.makedirs(tmp_path / "checkpoints")
  for name in ("ckpt-2921", "ckpt-5000", "milestone-2500", "milestone-5000"):
    (tmp_path / "checkpoints" / f"{name}.index").write_text("")
  assert [s for s, _ in run_files.list_checkpoints(str(tmp_path))] == [2500, 5000]
  for name in ("milestone-2500", "milestone-5000"):
    os.remove(tmp_path / "checkpoints" / f"{name}.index")
  assert [s for s, _ in run_files.list_checkpoints(str(tmp_path))] == [2921, 5000]


def test_the_stage_reports_a_missing_run_in_one_line(tmp_path):
  import subprocess
  import sys
  repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  proc = subprocess.run([sys.executable, "-m", "pipeline.jobs.analyse",
                         "--config=configs/analysis_cartpole.py",
                         f"--workdir={tmp_path / 'nope'}"], cwd=repo, capture_output=True,
                        text=True, timeout=120)
  assert proc.returncode == 2
  assert proc.stderr.strip().splitlines()[-1].startswith("error: --workdir=")


def test_a_seeds_report_of_the_analysed_runs(analysed, tmp_path):
  from pipeline.analysis import stage
  workdir, _, summary, _ = analysed
  lines = []
  # The same run twice (its parts cached): the mean is its numbers, the SE 0.
  out = stage.analyse_seeds(tiny_analysis(), [workdir, workdir], str(tmp_path / "seeds"),
                            lines.append)
  assert out["n"] == 2 and out["se"]["figure2"]["mcts"] == [0.0] * 3
  assert out["mean"]["figure2"]["mcts"] == summary["figure2"]["mcts"]
  assert any("2 runs analysed" in line for line in lines)
  assert sum(line.startswith("CHECK ") for line in lines) == 3 * 8  # each run's, then the means'
  with open(tmp_path / "seeds" / "checks.txt") as f:
    assert f.read().splitlines() == lines[-8:]
  for name in ("seeds_summary.json", "seeds_summary.md", "seeds_summary.csv",
               "fig2_online_performance_seeds.png", "fig3_value_error_by_horizon_seeds.png",
               "fig5_cross_checkpoint_seeds.png", "fig6_search_regularisation_seeds.png",
               "fig7_planning_seeds.png"):
    assert os.path.getsize(tmp_path / "seeds" / name) > 0
