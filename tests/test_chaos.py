"""The chaos benchmark's checks (benchmarks/chaos.py) on hand-made examples, so
each of them can fail: the kill schedule's minimum kills, lost / duplicated /
missing episode records, a learner step that went backwards. No processes."""
import random

import pytest

from benchmarks import chaos


def test_the_schedule_has_the_minimum_kills_and_is_reproducible():
  for seed in range(50):
    plan = chaos.make_schedule(random.Random(seed), 10)
    assert len(plan) == 10 and set(plan) <= set(chaos.NAMES)
    assert plan.count("replay") >= 2 and plan.count("learner") >= 2
    assert all(plan.count(n) >= 1 for n in chaos.NAMES)
  assert chaos.make_schedule(random.Random(3), 10) == chaos.make_schedule(random.Random(3), 10)
  orders = {tuple(chaos.make_schedule(random.Random(s), 7)) for s in range(20)}
  assert len(orders) > 1  # random order, not a fixed one


def test_too_few_kills_for_the_minimum_is_refused():
  with pytest.raises(ValueError, match="--kills=6; must be >= 7"):
    chaos.make_schedule(random.Random(0), 6)
  assert sorted(chaos.make_schedule(random.Random(0), 2, {"a": 2}, ("a", "b"))) == ["a", "a"]


def test_records_intact():
  before = {(0, 0), (0, 1), (1, 0)}
  final = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
  assert chaos.check_records(before, final) == {"lost": [], "duplicated": [], "gaps": []}


def test_records_lost_duplicated_or_with_a_gap_are_caught():
  before = {(0, 0), (0, 1), (1, 0), (1, 1)}
  final = [(0, 0), (0, 1), (0, 1), (1, 0), (1, 2)]
  assert chaos.check_records(before, final) == {
      "lost": [(1, 1)], "duplicated": [(0, 1)], "gaps": [(1, 1)]}
  # An actor whose indices do not start at 0.
  assert chaos.check_records(set(), [(0, 1), (0, 2)])["gaps"] == [(0, 0)]


def test_a_step_that_went_backwards_is_caught():
  assert chaos.backwards([(40, 40), (40, 55), (55, 60)]) == []
  assert chaos.backwards([(40, 40), (50, 30)]) == [(50, 30)]


def test_outage_row_and_markdown():
  row = chaos.outage_row("replay", 2, 2, 0, [3.04, 5.26])
  assert row == {"component": "replay", "kills": 2, "restarts": 2, "unexpected_exits": 0,
                 "outages": 2, "outage_s_total": 8.3, "outage_s_max": 5.3}
  assert chaos.markdown([row]).splitlines()[2] == "| replay | 2 | 2 | 0 | 2 | 8.3 | 5.3 |"


def test_checkpoint_step_reads_the_managers_state_file(tmp_path):
  assert chaos.checkpoint_step(str(tmp_path)) == 0
  (tmp_path / "checkpoints").mkdir()
  (tmp_path / "checkpoints" / "checkpoint").write_text(
      'model_checkpoint_path: "ckpt-120"\nall_model_checkpoint_paths: "ckpt-80"\n'
      'all_model_checkpoint_paths: "ckpt-120"\n')
  assert chaos.checkpoint_step(str(tmp_path)) == 120
