"""The benchmark reports (MuZero / DQN side by side, Gumbel against pUCT) read their data as
hand-made examples say."""
import os
import subprocess
import sys

import pytest

from benchmarks import gumbel_report, minatar_dqn_curves, minatar_dqn_report as report


def test_values_at_frames_and_wall_clock():
  curves = {("dqn", "train_running_avg"): [(10.0, 100, 1.0), (20.0, 200, 2.0), (40.0, 400, 4.0)],
            ("muzero", "selfplay_running_avg"): [(5.0, 50, 0.5), (30.0, 300, 3.5)],
            ("muzero", "greedy_eval"): [(25.0, 250, 6.0)],
            ("dqn", "greedy_eval"): [(40.0, 400, 5.5)]}
  assert report.value_at(curves[("dqn", "train_running_avg")], 99, 1) is None
  [row] = report.table_rows(["MinAtar/Breakout"], [curves], {"MinAtar/Breakout": 0.49}, ["r1"])
  assert (row["frames"], row["muzero"], row["muzero_eval"]) == (300, 3.5, 6.0)
  assert row["dqn_at_frames"] == 2.0          # its last value at or before 300 frames
  assert row["dqn_at_wall"] == 2.0 and row["dqn_frames_at_wall"] == 200  # by 30 s: 200 frames
  assert row["dqn_last"] == (40.0, 400, 4.0) and row["random"] == 0.49
  assert row["dqn_eval"] == (40.0, 400, 5.5)
  assert ("| MinAtar/Breakout | r1 | 300 (30 s) | 3.50 | 6.00 | 2.00 | 2.00 (200) | 4.00 (400) | "
          "5.50 (40 s) | 0.49 |") in report.markdown([row])


def test_a_muzero_run_alone_borrows_the_dqn_curve_of_its_game():
  dqn = {("dqn", "train_running_avg"): [(1.0, 10, 0.5)], ("dqn", "greedy_eval"): [(1.0, 10, 2.0)]}
  alone = {("muzero", "selfplay_running_avg"): [(1.0, 10, 0.7)]}
  out = report.with_dqn_of_the_same_game(["MinAtar/Breakout", "MinAtar/Breakout", "MinAtar/Asterix"],
                                         [dqn, alone, dict(alone)])
  assert out[1][("dqn", "train_running_avg")] == [(1.0, 10, 0.5)]
  assert out[1][("dqn", "greedy_eval")] == [(1.0, 10, 2.0)]
  assert ("dqn", "train_running_avg") not in out[2]  # no DQN run of Asterix


def test_dqn_episode_curve_is_the_running_average_at_each_episode_end(tmp_path):
  path = tmp_path / "episodes.csv"
  path.write_text("episode,frame_at_start,return\n1,0,1.0\n2,10,3.0\n3,30,5.0\n")
  log = "INFO:root:Avg return: 0.1 | Time per frame: 0.5\n"
  # Episode 3 has no end within the frames: dropped. Ends at frames 10 and 30.
  assert minatar_dqn_curves.dqn_episode_curve(str(path), log) == [
      (5.0, 10, 0.01), (15.0, 30, 0.99 * 0.01 + 0.03)]


def test_muzero_evaluations_end_with_the_final_one_or_the_deadline_one(tmp_path):
  play = [(1.0, 10, 0.1), (9.0, 90, 0.5)]
  (tmp_path / "eval").mkdir()
  (tmp_path / "eval" / "curve.csv").write_text("wall_seconds,env_frames,eval_return_mean\n4.0,40,2.0\n")
  assert minatar_dqn_curves.muzero_evals(str(tmp_path), play) == [(4.0, 40, 2.0)]
  # Stopped by the deadline: the evaluate stage's summary, placed at the last self-play point.
  (tmp_path / "eval" / "summary.json").write_text('{"eval_return_mean": 3.5, "learner_step": 7}')
  assert minatar_dqn_curves.muzero_evals(str(tmp_path), play) == [(4.0, 40, 2.0), (9.0, 90, 3.5)]
  assert minatar_dqn_curves.muzero_evals(str(tmp_path), []) == [(4.0, 40, 2.0)]
  # Finished: result.json's final evaluation, not the summary.
  (tmp_path / "result.json").write_text(
      '{"wall_seconds": 12.0, "env_frames": 100, "eval_return_mean": 4.5}')
  assert minatar_dqn_curves.muzero_evals(str(tmp_path), play) == [(4.0, 40, 2.0), (12.0, 100, 4.5)]


def test_the_self_play_curve_counts_from_muzero_s_launch(tmp_path):
  walls, frames, returns = [1000.0, 1010.0], [100, 300], [2.0, 4.0]
  # Launched at 900 (a Freeway run's first episodes end minutes after its start).
  assert minatar_dqn_curves.self_play_curve(walls, frames, returns, 900.0) == [
      (100.0, 100, 0.02), (110.0, 300, 0.99 * 0.02 + 0.04)]
  # Without a recorded launch (older runs): from the first episode's end.
  assert minatar_dqn_curves.self_play_curve(walls, frames, returns)[0][0] == 0.0
  assert minatar_dqn_curves.started_at(str(tmp_path)) is None
  (tmp_path / minatar_dqn_curves.STARTED_AT).write_text('{"unix_seconds": 900.5}')
  assert minatar_dqn_curves.started_at(str(tmp_path)) == 900.5


def test_returns_at_fixed_wall_clock_seconds():
  curves = {("dqn", "train_running_avg"): [(10.0, 1000, 1.0), (20.0, 2500, 2.0)],
            ("muzero", "selfplay_running_avg"): [(15.0, 900, 0.5), (30.0, 1800, 3.0)]}
  rows = report.at_seconds_rows(["MinAtar/Breakout"], [curves], ["r1"], [5.0, 20.0, 25.0])
  # DQN: nothing before 10 s; 2.0 at 20 s; ended at 20 s, so none at 25 s.
  assert rows[0]["cells"] == [None, (2500, 2.0), None]
  # MuZero: from 15 s on; at 20 s and 25 s its point of 15 s.
  assert rows[1]["agent"] == "muzero" and rows[1]["cells"] == [None, (900, 0.5), (900, 0.5)]
  # A second run borrowing the same DQN curve adds only its MuZero row.
  borrowed = {**curves, ("muzero", "selfplay_running_avg"): [(15.0, 900, 1.0)]}
  both = report.at_seconds_rows(["MinAtar/Breakout"] * 2, [curves, borrowed], ["r1", "r2"], [20.0])
  assert [(r["run"], r["agent"]) for r in both] == [("r1", "dqn"), ("r1", "muzero"), ("r2", "muzero")]
  text = report.at_seconds_markdown(rows, [5.0, 20.0, 25.0])
  assert "| MinAtar/Breakout | r1 | dqn | - | 2.00 (2k) | - |" in text


def test_thinned_curves_keep_a_point_per_frames_and_the_last():
  curve = [(1.0, 0, 0.1), (2.0, 300, 0.2), (3.0, 500, 0.3), (4.0, 900, 0.4), (5.0, 1000, 0.5),
           (6.0, 1100, 0.6)]
  assert report.thinned(curve, 500) == [(1.0, 0, 0.1), (3.0, 500, 0.3), (5.0, 1000, 0.5),
                                        (6.0, 1100, 0.6)]
  assert report.thinned(curve, 1) == curve and report.thinned([], 500) == []


def test_dqn_greedy_is_the_mean_of_its_episodes_at_its_last_frame(tmp_path):
  path = tmp_path / "episodes_greedy.csv"
  path.write_text("episode,return\n1,2.0\n2,5.0\n3,8.0\n")
  log = "INFO:root:Avg return: 0.1 | Time per frame: 0.002\n"
  # 1,000 frames at 0.002 s a frame: 2 s; mean of 2, 5, 8: 5.
  assert minatar_dqn_curves.dqn_greedy(str(path), log, 1000) == [(2.0, 1000, 5.0)]
  assert minatar_dqn_curves.dqn_greedy(str(tmp_path / "absent.csv"), log, 1000) == []


def test_gumbel_table_counts_targets_and_averages_over_seeds():
  row = lambda variant, seed, target, final, steps: {
      "game": "CartPole-v1", "variant": variant, "seed": seed, "learner_steps": steps,
      "env_frames": 10 * steps, "wall_seconds": steps / 10, "target_step": target,
      "target_frames": None if target is None else 10 * target,
      "target_seconds": None if target is None else target / 10,
      "final_eval": final, "selfplay_score": final / 2}
  rows = [row("muzero", 0, 100, 480.0, 100), row("muzero", 1, 300, 490.0, 300),
          row("muzero", 2, None, 200.0, 500), row("gumbel_4", 0, None, 100.0, 500)]
  text = gumbel_report.table(rows)
  # muzero: 2 of 3 reached it, median frames (1,000 and 3,000) 2,000, seconds 20;
  # last evaluations 480, 490, 200: mean 390, SEM sqrt(var_ddof1 / 3) = 95.04.
  assert "| CartPole-v1 | muzero | 3 | 2 | 2,000 | 20 | 390.00 +- 95.04 | 195.00 +- 47.52 | 300 | 3,000 | 30 |" in text
  assert "| CartPole-v1 | gumbel_4 | 1 | 0 | - | - | 100.00 +- 0.00 | 50.00 +- 0.00 | 500 | 5,000 | 50 |" in text


def test_export_study_lists_each_run_and_which_were_reused(tmp_path):
  import csv
  import json
  from benchmarks import export_study
  study, out = tmp_path / "study", tmp_path / "out"
  for sub in ("tables", "figures"):
    (study / sub).mkdir(parents=True)
  (study / "tables" / "summary.json").write_text("{}")
  (study / "study_wall_seconds.json").write_text(json.dumps({"wall_seconds": 50.0}))
  runs = {"g__muzero__s0": (10.0, "/elsewhere/docs/study_a/"), "g__muzero__s1": (30.0, None),
          "g__muzero__s2": (None, None)}
  for name, (seconds, source) in runs.items():
    run = study / "runs" / name
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"game": "g", "variant": "muzero", "seed": int(name[-1])}))
    if seconds is not None:
      (run / "result.json").write_text(json.dumps({"wall_seconds": seconds, "learner_steps": 5,
                                                    "env_frames": 7, "eval_return_mean": 1.5}))
    if source:
      (run / "reused_from.txt").write_text(source + "\n")
  export_study.export(str(study), str(out), "cmd")
  rows = list(csv.DictReader(open(out / "runs.csv")))
  assert [(r["run"], r["reused_from"], r["wall_seconds"]) for r in rows] == [
      ("g__muzero__s0", "study_a", "10.0"), ("g__muzero__s1", "", "30.0")]
  info = json.load(open(out / "run_info.json"))
  assert (info["runs_finished"], info["runs_reused"], info["runs_unfinished"]) == (2, 1, ["g__muzero__s2"])
  assert (info["sum_of_run_wall_seconds"], info["sum_of_reused_run_wall_seconds"]) == (40.0, 10.0)
  assert info["study_wall_seconds"] == 50.0 and info["command"] == "cmd"


def test_arms_average_their_seeds_and_count_the_runs_ahead_of_the_mean_of_dqn_s():
  dqn = lambda pts, greedy: {("dqn", "train_running_avg"): pts,
                             ("dqn", "greedy_eval"): [(pts[-1][0], pts[-1][1], greedy)]}
  run = lambda ret10, ret20, greedy: {
      ("muzero", "selfplay_running_avg"): [(10.0, 900, ret10), (20.0, 1800, ret20)],
      ("muzero", "greedy_eval"): [(20.0, 1800, greedy)]}
  games = ["MinAtar/Breakout"] * 6
  curves = report.with_dqn_of_the_same_game(games, [
      dqn([(10.0, 1000, 2.0), (20.0, 2000, 5.0)], 6.0),
      dqn([(10.0, 1000, 4.0), (15.0, 1500, 6.0)], 8.0),  # ends before 20 s
      run(1.0, 4.0, 3.0), run(3.0, 6.0, 5.0), run(5.0, 8.0, 10.0),
      {("muzero", "selfplay_running_avg"): [(10.0, 900, 7.0)]}])
  labels = ["dqn_breakout_s0", "dqn_breakout_s1", "c1_race_s0", "c1_race_s1", "c1_race_s12",
            "c1_other_s0"]
  assert report.arm_of("c1_race_s12") == "c1_race" and report.arm_of("alone") == "alone"
  dqn_arm, race, other = report.arm_rows(games, curves, labels, [10.0, 20.0])
  assert (dqn_arm["agent"], dqn_arm["arm"], dqn_arm["runs"]) == ("dqn", "dqn_breakout", labels[:2])
  assert dqn_arm["cells"] == [[2.0, 4.0], [5.0]] and dqn_arm["greedy"] == [6.0, 8.0]
  assert (race["agent"], race["arm"], race["runs"]) == ("muzero", "c1_race", labels[2:5])
  assert race["greedy"] == [3.0, 5.0, 10.0]
  # DQN's mean over the runs that reach each second: (2 + 4) / 2 at 10 s, 5 alone at 20 s.
  assert race["cells"] == [[1.0, 3.0, 5.0], [4.0, 6.0, 8.0]] and race["dqn"] == [3.0, 5.0]
  assert other["cells"] == [[7.0], []]  # its curve ends at 10 s
  # Mean 3, sample SD 2, SE 2 / sqrt 3 = 1.1547; 1 of 3 ahead of 3.0; 6.0, 2 of 3 ahead of 5.0.
  text = report.arms_markdown([dqn_arm, race, other], [10.0, 20.0])
  assert ("| MinAtar/Breakout | muzero | c1_race | 3 | 3.00 +- 1.15 [1.00, 5.00], 1/3 ahead of "
          "3.00 | 6.00 +- 1.15 [4.00, 8.00], 2/3 ahead of 5.00 | 6.00 [3.00, 10.00] |") in text
  assert ("| MinAtar/Breakout | muzero | c1_other | 1 | 7.00 [7.00, 7.00], 1/1 ahead of 3.00 | - "
          "| - |") in text
  # DQN's own row: mean 3, SD sqrt 2, SE 1; no count against itself.
  assert ("| MinAtar/Breakout | dqn | dqn_breakout | 2 | 3.00 +- 1.00 [2.00, 4.00] | "
          "5.00 [5.00, 5.00] | 7.00 [6.00, 8.00] |") in text


def test_arm_curves_average_the_runs_where_every_run_covers_the_point():
  run = lambda pts: {("muzero", "selfplay_running_avg"): pts}
  curves = [run([(5.0, 100, 1.0), (12.0, 300, 3.0), (20.0, 500, 5.0)]),
            run([(8.0, 200, 2.0), (14.0, 400, 6.0)]),  # ends at 14 s
            {("dqn", "train_running_avg"): [(0.0, 0, 0.5), (20.0, 600, 4.0)]}]
  labels = ["c1_a_s0", "c1_a_s1", "dqn_breakout_s0"]
  rows = report.arm_curves(["MinAtar/Breakout"] * 3, curves, labels, 0, 10.0)
  got = {(r["arm"], r["x"]): (r["runs"], r["mean"], r["se"]) for r in rows}
  # At 10 s the runs hold 1.0 and 2.0 (mean 1.5, SD 0.7071, SE 0.5); 0 s is before the runs'
  # first points and 20 s after the second run's end.
  assert got[("c1_a", 10.0)] == (2, 1.5, 0.5)
  assert ("c1_a", 0.0) not in got and ("c1_a", 20.0) not in got
  assert got[("dqn_breakout", 0.0)] == (1, 0.5, None) and got[("dqn_breakout", 20.0)][1] == 4.0
  by_frames = report.arm_curves(["MinAtar/Breakout"] * 3, curves, labels, 1, 125)
  got = {(r["arm"], r["x"]): r["mean"] for r in by_frames}
  # At 250 frames the runs' points at 100 and 200 frames; at 375, at 300 and 200 (3.0, 2.0).
  assert got[("c1_a", 250)] == 1.5 and got[("c1_a", 375)] == 2.5 and ("c1_a", 500) not in got


def test_the_game_of_a_dqn_workdir_is_in_its_name(tmp_path):
  assert report.game_of(str(tmp_path / "dqn_space_invaders")) == "MinAtar/SpaceInvaders"
  assert report.game_of(str(tmp_path / "dqn_space_invaders_s2")) == "MinAtar/SpaceInvaders"
  assert report.game_of(str(tmp_path / "dqn_breakout_s0/")) == "MinAtar/Breakout"
  with pytest.raises(ValueError, match="dqn_GAME"):
    report.game_of(str(tmp_path / "c1_race_s0"))


def test_arms_at_frame_counts_compare_with_dqn_at_the_same_frames():
  curves = [{("dqn", "train_running_avg"): [(10.0, 1000, 2.0), (20.0, 3000, 5.0)]},
            {("muzero", "selfplay_running_avg"): [(10.0, 500, 1.0), (20.0, 1500, 4.0)]},
            {("muzero", "selfplay_running_avg"): [(10.0, 800, 3.0), (20.0, 2000, 6.0)]}]
  labels = ["dqn_breakout_s0", "c1_a_s0", "c1_a_s1"]
  dqn_arm, arm = report.arm_rows(["MinAtar/Breakout"] * 3, curves, labels, [1000, 2000], axis=1)
  # At 1,000 frames the MuZero runs hold their points at 500 and 800 frames; at 2,000 only the
  # second run reaches it (the first ends at 1,500); DQN holds 2.0 at both.
  assert arm["cells"] == [[1.0, 3.0], [6.0]] and arm["dqn"] == [2.0, 2.0]
  text = report.arms_markdown([dqn_arm, arm], [1000, 2000], "frames")
  assert "| game | agent | arm | runs | at 1,000 frames | at 2,000 frames |" in text
  assert "| c1_a | 2 | 2.00 +- 1.00 [1.00, 3.00], 1/2 ahead of 2.00 | 6.00 [6.00, 6.00], 1/1" in text


def test_a_workdir_without_curves_is_one_error_line(tmp_path):
  (tmp_path / "c1_a_s0").mkdir()
  script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "benchmarks", "minatar_dqn_report.py")
  r = subprocess.run([sys.executable, script, f"--out={tmp_path}/out",
                      f"--workdirs={tmp_path}/c1_a_s0"], capture_output=True, text=True,
                     timeout=120)
  assert r.returncode != 0 and "Traceback" not in r.stderr
  assert r.stderr.strip().splitlines() == [
      f"error: no curves.csv (a finished `bench minatar_dqn` run) in: {tmp_path}/c1_a_s0"]
  assert not (tmp_path / "out").exists()
