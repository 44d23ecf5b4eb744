"""The three tabulation inputs end to end: a synthetic study, a scores CSV, the paper."""
import csv
import json
import os

import numpy as np
import pytest

from pipeline import config_schema
from pipeline import records
from pipeline.errors import PipelineError
from pipeline.scoring import tabulate
from pipeline.scoring.report import Options

FAST = Options(reps=20, curve_reps=20, curve_points=8)
FINAL = 5


def _returns(game, variant, seed, n=12):
  base = {"CartPole-v1": 100.0, "MinAtar/Breakout": 5.0}[game]
  bonus = 3.0 if variant == "muzero_pve" else 0.0
  return [base + bonus + seed + 0.5 * i for i in range(n)]


def _make_run(study, name, game, variant, seed, returns, finished=True, actors=1, relative=False):
  run_dir = os.path.join(study, "runs", name)
  os.makedirs(run_dir)
  with open(os.path.join(run_dir, "run.json"), "w") as f:
    json.dump({"game": game, "variant": variant, "seed": seed}, f)
  c = config_schema.base_config()
  c.env.name, c.seed = game, seed
  c.past_policies.enabled = variant == "muzero_pve"
  c.scoring.final_episodes = FINAL
  with open(os.path.join(run_dir, "config.json"), "w") as f:
    json.dump(c.to_dict(), f)
  rec = os.path.join(study, "records", name)
  writers = [records.EpisodeWriter(rec, "selfplay", a) for a in range(actors)]
  for i, r in enumerate(returns):  # actors take turns: the timeline interleaves them
    writers[i % actors].write(r, length=10, frames=40, param_version=i)
  for w in writers:
    w.close()
  records.EpisodeWriter(rec, "eval", 0).write(1e6, 1, 1, 0)  # eval episodes are not scored
  with open(os.path.join(run_dir, "records"), "w") as f:
    f.write(os.path.relpath(rec, run_dir) if relative else rec)
  if finished:
    with open(os.path.join(run_dir, "result.json"), "w") as f:
      json.dump({"ok": True}, f)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
  root = str(tmp_path_factory.mktemp("study"))
  for game in ("CartPole-v1", "MinAtar/Breakout"):
    for variant in ("muzero", "muzero_pve"):
      for seed in (0, 1):
        name = f"{game.replace('/', '_')}-{variant}-{seed}"
        last = game == "MinAtar/Breakout" and variant == "muzero_pve" and seed == 1
        _make_run(root, name, game, variant, seed, _returns(game, variant, seed),
                  finished=not last, actors=2 if seed == 1 else 1, relative=seed == 0)
  _make_run(root, "CartPole-v1-muzero-2", "CartPole-v1", "muzero", 2, [])  # no episodes yet
  os.makedirs(os.path.join(root, "runs", "starting"))                        # no run.json yet
  os.makedirs(os.path.join(root, "runs", "torn"))
  with open(os.path.join(root, "runs", "torn", "run.json"), "w") as f:       # half written
    f.write('{"game": "CartPole-v1", "vari')
  summary = tabulate.tabulate_study(root, FAST)
  return root, summary


def test_study_scored_by_evaluation_episodes(tmp_path):
  root = str(tmp_path)
  _make_run(root, "cp-0", "CartPole-v1", "muzero", 0, [10.0, 20.0])
  _make_run(root, "cp-1", "CartPole-v1", "muzero_pve", 0, [30.0])
  summary = tabulate.tabulate_study(root, FAST, episodes="eval")
  assert summary["scored_by"] == "eval"
  with open(os.path.join(root, "tables", "table3_scores.csv"), newline="") as f:
    row = next(csv.DictReader(f))
  # Each run has one eval record of return 1e6 (see _make_run); self-play is ignored.
  assert float(row["muzero_mean"]) == float(row["muzero_pve_mean"]) == 1e6
  with pytest.raises(PipelineError, match="episodes="):
    tabulate.tabulate_study(root, FAST, episodes="train")


def test_study_scores_match_hand_computation(study):
  root, summary = study
  with open(os.path.join(root, "tables", "table3_scores.csv"), newline="") as f:
    rows = {r["game"]: r for r in csv.DictReader(f)}
  for game in ("CartPole-v1", "MinAtar/Breakout"):
    for variant in ("muzero", "muzero_pve"):
      per_seed = [np.mean(_returns(game, variant, s)[-FINAL:]) for s in (0, 1)]
      assert float(rows[game][f"{variant}_mean"]) == pytest.approx(np.mean(per_seed))
      # Two seeds 1 apart: SEM = std(ddof=1) / sqrt(2) = 0.5.
      assert float(rows[game][f"{variant}_sem"]) == pytest.approx(0.5)
      assert rows[game][f"{variant}_seeds"] == "2"
  assert "paper_muzero_mean" not in rows["CartPole-v1"]  # no Atari game, no paper columns


def test_study_summary_and_files(study):
  root, summary = study
  assert summary["runs"] == {"finished": 7, "running": 1, "no_episodes": 1, "total": 9}
  assert any("starting" in n for n in summary["notes"])
  assert any(n.startswith("torn: skipped") and "not valid JSON" in n for n in summary["notes"])
  with open(os.path.join(root, "tables", "summary.json")) as f:
    on_disk = json.load(f)
  for key in ("wilcoxon_p", "wilcoxon_n", "variants"):
    assert key in on_disk
  assert on_disk["variant_names"] == ["muzero", "muzero_pve"]
  assert on_disk["wilcoxon_n"] == 2  # muzero_pve is 3 higher in both games
  for v in ("muzero", "muzero_pve"):
    for m in ("median", "mean", "iqm"):
      lo, hi = on_disk["variants"][v][f"{m}_ci"]
      assert lo <= on_disk["variants"][v][m] <= hi
  # Min-max bounds of a non-Atari game span the training curves: the lowest point is an early
  # trailing mean (returns rise from 100), the highest the best final score (seed 1 of
  # muzero_pve: 104 + mean(0.5 * [7..11]) = 108.5).
  cart = on_disk["normalisation"]["bounds"]["CartPole-v1"]
  assert cart["kind"] == "minmax" and 100.0 <= cart["low"] < 102.0
  assert cart["high"] == pytest.approx(108.5)
  for name in ("table1_settings", "table2_hyperparameters", "table3_scores", "summary"):
    for ext in ("md", "csv", "tex"):
      assert os.path.getsize(os.path.join(root, "tables", f"{name}.{ext}")) > 0
  for path in summary["figures"]:
    with open(path, "rb") as f:
      assert f.read(8) == b"\x89PNG\r\n\x1a\n"
  assert sorted(os.path.basename(p) for p in summary["figures"]) == ["figure5_median.png",
                                                                     "learning_curves.png"]


def test_study_without_runs(tmp_path):
  with pytest.raises(PipelineError, match="not a study directory"):
    tabulate.tabulate_study(str(tmp_path), FAST)
  os.makedirs(tmp_path / "runs")
  with pytest.raises(PipelineError, match="no run has selfplay episodes"):
    tabulate.tabulate_study(str(tmp_path), FAST)


def test_scores_csv_with_atari_games(tmp_path):
  path = tmp_path / "scores.csv"
  lines = ["game,variant,seed,score"]
  for g, base in (("pong", -5.0), ("ms_pacman", 3000.0), ("breakout", 400.0)):
    for v, bonus in (("muzero", 0.0), ("muzero_pve", 1.0)):
      lines += [f"{g},{v},{s},{base + bonus + s}" for s in range(3)]
  path.write_text("\n".join(lines) + "\n")
  config = tmp_path / "config.json"
  config.write_text(json.dumps(config_schema.base_config().to_dict()))
  summary = tabulate.tabulate_scores_csv(str(path), str(tmp_path / "tables"), FAST, str(config))
  assert summary["wilcoxon_n"] == 3 and summary["normalisation"]["human_table"] == "muzero"
  with open(tmp_path / "tables" / "table3_scores.csv", newline="") as f:
    rows = {r["game"]: r for r in csv.DictReader(f)}
  assert float(rows["pong"]["muzero_mean"]) == -4.0
  assert float(rows["pong"]["paper_muzero_mean"]) == -7.0
  # human-normalised: pong's muzero per-game mean -4 -> (-4 + 20.71) / 35.3
  assert summary["normalisation"]["bounds"]["pong"] == {"kind": "human", "low": -20.71, "high": 14.59}
  assert os.path.isfile(tmp_path / "tables" / "table2_hyperparameters.md")
  dqn = tabulate.tabulate_scores_csv(str(path), str(tmp_path / "t2"), Options(reps=20, human_table="dqn_zoo"))
  assert dqn["normalisation"]["human_table_file"] == "atari57_human_random_dqn_zoo.csv"


def test_paper_reference(tmp_path):
  summary = tabulate.tabulate_paper(str(tmp_path), FAST)
  assert round(summary["wilcoxon_p"], 3) == 0.044
  assert summary["wilcoxon_n"] == 53 and summary["bootstrap"]["task_bootstrap"]
  with open(tmp_path / "table3_scores.csv", newline="") as f:
    rows = list(csv.DictReader(f))
  assert len(rows) == 57 and rows[0]["muzero_sem"] == "2809.0"
