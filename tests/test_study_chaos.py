"""The study chaos benchmark's checks (benchmarks/study_chaos.py) on hand-made
examples, so each can fail: a finished run started again, a run resumed
elsewhere than its checkpoint, a result.json rewritten, Table 3 cells that
differ. No processes."""
import random

import pytest

from benchmarks import study_chaos

STUDY_LEG = """[study] 4 runs: 1 finished already, 3 to run, 2 at a time
[study] started cartpole_v1__muzero__s1 (resuming at step 120)
[study] started cartpole_v1__muzero_pve__s0
"""


def test_kill_delays_are_seeded_and_in_range():
  delays = study_chaos.kill_delays(random.Random(1), 6, 15.0, 60.0)
  assert len(delays) == 6 and all(15.0 <= d <= 60.0 for d in delays)
  assert delays == study_chaos.kill_delays(random.Random(1), 6, 15.0, 60.0)
  assert len(set(delays)) > 1
  with pytest.raises(ValueError):
    study_chaos.kill_delays(random.Random(0), 0, 1.0, 2.0)
  with pytest.raises(ValueError):
    study_chaos.kill_delays(random.Random(0), 3, 5.0, 2.0)


def test_starts_reads_the_study_lines():
  assert study_chaos.starts(STUDY_LEG) == {"cartpole_v1__muzero__s1": 120,
                                           "cartpole_v1__muzero_pve__s0": 0}


def test_learner_start_reads_the_pipeline_line():
  log = ("x\n[pipeline] learner resumed at step 2489; replay holds 2811 sequences\n"
         "[pipeline] learner resumed at step 3960; replay holds 1 sequences\n")
  assert study_chaos.learner_start(log) == 2489
  assert study_chaos.learner_start("[pipeline] learner starting at step 0; replay") == 0
  assert study_chaos.learner_start("killed before the learner started") is None


def test_restarts_that_keep_finished_runs_and_resume_at_checkpoints_pass():
  leg = {"finished": {"cartpole_v1__muzero__s0"}, "stdout": STUDY_LEG,
         "checkpoints": {"cartpole_v1__muzero__s1": 120},
         "learner": {"cartpole_v1__muzero__s1": 120, "cartpole_v1__muzero_pve__s0": None}}
  assert study_chaos.check_restarts([leg]) == ([], [])


def test_a_finished_run_started_again_or_a_wrong_resume_is_caught():
  redo = {"finished": {"cartpole_v1__muzero_pve__s0"}, "stdout": STUDY_LEG,
          "checkpoints": {"cartpole_v1__muzero__s1": 120}, "learner": {}}
  assert study_chaos.check_restarts([redo])[0] == ["cartpole_v1__muzero_pve__s0"]
  # The study said 120 but the checkpoint at the kill was 150 (a checkpoint lost).
  lost = {"finished": set(), "stdout": STUDY_LEG,
          "checkpoints": {"cartpole_v1__muzero__s1": 150}, "learner": {}}
  assert study_chaos.check_restarts([lost])[1] == [("cartpole_v1__muzero__s1", 150, 120)]
  # The study's line was right but the learner itself started from scratch.
  scratch = {"finished": set(), "stdout": STUDY_LEG,
             "checkpoints": {"cartpole_v1__muzero__s1": 120},
             "learner": {"cartpole_v1__muzero__s1": 0}}
  assert study_chaos.check_restarts([scratch])[1] == [("cartpole_v1__muzero__s1", 120, 0)]


def test_changed_results():
  first = {"a": '{"learner_steps": 300}', "b": '{"learner_steps": 300}'}
  assert study_chaos.changed_results(first, dict(first)) == []
  assert study_chaos.changed_results(first, {"a": first["a"], "b": '{"x": 1}'}) == ["b"]
  assert study_chaos.changed_results(first, {"a": first["a"]}) == ["b"]  # gone


def test_table_cells_compare_games_and_seed_counts_not_scores():
  clean = ("game,atari_id,muzero_mean,muzero_sem,muzero_seeds,muzero_pve_mean,muzero_pve_sem,"
           "muzero_pve_seeds\nCartPole-v1,,30.1,2.0,2,25.0,1.0,2\n")
  rerun = clean.replace("30.1", "41.7").replace("25.0", "22.2")
  assert study_chaos.table_cells(clean) == study_chaos.table_cells(rerun)
  one_seed_short = clean.replace(",1.0,2", ",1.0,1")
  assert study_chaos.table_cells(clean) != study_chaos.table_cells(one_seed_short)
  other_game = clean.replace("CartPole-v1", "MinAtar/Breakout")
  assert study_chaos.table_cells(clean) != study_chaos.table_cells(other_game)
