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


def _make_run(study, name, game, variant, seed, returns, finished=True, actors=1, relative=False,
              setting=None, eval_curve=()):
  run_dir = os.path.join(study, "runs", name)
  os.makedirs(run_dir)
  with open(os.path.join(run_dir, "run.json"), "w") as f:
    json.dump(dict({"game": game, "variant": variant, "seed": seed},
                   **({"setting": setting} if setting else {})), f)
  if eval_curve:  # [(env frames, mean greedy return)], as the pipeline stage writes it
    os.makedirs(os.path.join(run_dir, "eval"))
    with open(os.path.join(run_dir, "eval", "curve.csv"), "w") as f:
      f.write("learner_step,wall_seconds,env_frames,eval_return_mean,eval_episodes\n")
      for i, (frames, ret) in enumerate(eval_curve):
        f.write(f"{100 * (i + 1)},{10.0 * i},{frames},{ret},10\n")
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
                  finished=not last, actors=2 if seed == 1 else 1, relative=seed == 0,
                  eval_curve=[(100, 10.0 + seed), (300, 30.0 + seed)] if game == "CartPole-v1" else ())
        # The same game on-policy: its own rows and its own summary, not one more game.
        if game == "CartPole-v1":
          _make_run(root, f"onpolicy-{variant}-{seed}", game, variant, seed,
                    [50.0 + seed + (5.0 if variant == "muzero" else 0.0)] * 6, setting="on-policy")
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
  assert summary["runs"] == {"finished": 11, "running": 1, "no_episodes": 1, "total": 13}
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
  # CartPole: (score - random) / (500 - random), random from pipeline/data/random_baselines.csv.
  cart = on_disk["normalisation"]["bounds"]["CartPole-v1"]
  assert (cart["kind"], cart["low"], cart["high"]) == ("reference", 22.51, 500.0)
  assert on_disk["games"] == ["CartPole-v1", "MinAtar/Breakout"]  # the replay setting
  pi = on_disk["probability_of_improvement"]
  assert pi["point"] == 1.0  # muzero_pve is ahead on every seed of both games
  # The on-policy setting: its own analysis, where muzero is 5 ahead.
  on = on_disk["settings"]["on-policy"]
  assert on["games"] == ["CartPole-v1 [on-policy]"]
  assert on["probability_of_improvement"]["point"] == 0.0
  assert on["variants"]["muzero"]["mean"] == pytest.approx((55.5 - 22.51) / (500 - 22.51))
  for name in ("table1_settings", "table2_hyperparameters", "table3_scores", "summary",
               "summary_on_policy"):
    for ext in ("md", "csv", "tex"):
      assert os.path.getsize(os.path.join(root, "tables", f"{name}.{ext}")) > 0
  for path in summary["figures"]:
    with open(path, "rb") as f:
      assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(path[:-4] + ".csv") > 0  # every figure has its data beside it
  assert sorted(os.path.basename(p) for p in summary["figures"]) == [
      "figure5_median.png", "figure5_median_on_policy.png", "iqm_curve.png", "iqm_curve_on_policy.png",
      "learning_curves.png", "performance_profiles.png", "performance_profiles_on_policy.png"]


def test_study_minmax_bounds_span_the_training_curves(study):
  root, _ = study
  summary = tabulate.tabulate_study(root, Options(reps=20, curve_reps=20, curve_points=8, other="minmax"))
  # Min-max bounds of a non-Atari game span the training curves: the lowest point is an early
  # trailing mean (returns rise from 100), the highest the best final score (seed 1 of
  # muzero_pve: 104 + mean(0.5 * [7..11]) = 108.5).
  cart = summary["normalisation"]["bounds"]["CartPole-v1"]
  assert cart["kind"] == "minmax" and 100.0 <= cart["low"] < 102.0
  assert cart["high"] == pytest.approx(108.5)


def test_learning_curve_data_hand_computed(study):
  root, _ = study
  with open(os.path.join(root, "figures", "learning_curves.csv"), newline="") as f:
    rows = list(csv.DictReader(f))
  cart = [r for r in rows if r["game"] == "CartPole-v1" and r["variant"] == "muzero"]
  # Grid: 8 points up to the most frames of any CartPole run (12 episodes x 40 frames = 480):
  # 60, 120, ..., 480. Self-play at 120 frames: each seed's trailing mean of the episodes
  # ended by then (3 of 40 frames each; window 5): seed 0: 100 + mean(0, .5, 1) = 100.5,
  # seed 1: 101.5 -> mean 101.0, SEM |100.5 - 101.5| / 2 = 0.5.
  play = {float(r["env_frames"]): r for r in cart if r["kind"] == "selfplay"}
  assert float(play[120.0]["mean"]) == pytest.approx(101.0)
  assert float(play[120.0]["sem"]) == pytest.approx(0.5)
  assert play[120.0]["seeds"] == "2"
  # Evaluations (frames 100 and 300): the last one made by each grid frame; none by 60,
  # the first by 120 and 240 (10 and 11: mean 10.5), the second from 300 to 360 (one grid
  # step past the last evaluation), nothing after.
  ev = {float(r["env_frames"]): r for r in cart if r["kind"] == "eval"}
  assert sorted(ev) == [120.0, 180.0, 240.0, 300.0, 360.0]
  assert float(ev[240.0]["mean"]) == pytest.approx(10.5)
  assert float(ev[360.0]["mean"]) == pytest.approx(30.5)
  assert float(ev[360.0]["sem"]) == pytest.approx(0.5)


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


def test_curves_at_frames_hand_computed(study):
  root, _ = study
  with open(os.path.join(root, "tables", "curves_at_frames.csv"), newline="") as f:
    rows = [r for r in csv.DictReader(f) if r["game"] == "CartPole-v1" and r["variant"] == "muzero"]
  at = {(r["curve"], int(r["env_frames"])): r for r in rows}
  # Marks: 4 up to the game's most frames (12 episodes x 40 = 480): 120, 240, 360, 480.
  assert sorted({f for _, f in at}) == [120, 240, 360, 480]
  # Self-play at 480: each seed's mean of its last 5 returns, 100 + s + mean(0.5 * [7..11]):
  # 104.5 and 105.5 -> 105.0 ± 0.5.
  assert float(at[("selfplay", 480)]["mean"]) == pytest.approx(105.0)
  assert float(at[("selfplay", 480)]["sem"]) == pytest.approx(0.5)
  # Eval at 360: the evaluations at 300 frames (30 and 31); at 480 none within one spacing.
  assert float(at[("eval", 360)]["mean"]) == pytest.approx(30.5)
  assert at[("eval", 480)]["seeds"] == "0"


def test_study_of_one_variant_has_scores_and_no_comparison(tmp_path):
  """A study of one agent over seeds (e.g. the runs of an analysis) tabulates without a comparison."""
  study = str(tmp_path / "one")
  for seed in range(3):
    _make_run(study, f"cp_muzero_s{seed}", "CartPole-v1", "muzero", seed, _returns("CartPole-v1", "muzero", seed))
  summary = tabulate.tabulate_study(study, FAST, final_episodes=FINAL)
  assert summary["runs"]["finished"] == 3
  assert os.path.isfile(os.path.join(study, "tables", "table3_scores.md"))
