"""Mean and standard error over seeds of the analyses' summaries, against a hand-computed example."""
import pytest

from pipeline.analysis import seeds
from pipeline.errors import PipelineError


def _summary(run, mcts, diagonal_minimum):
  return {"run": run, "env": "CartPole-v1",
          "figure2": {"checkpoints": [10, 20], "mcts": mcts},
          "figure5": {"diagonal_is_row_minimum": [diagonal_minimum]}}


def test_mean_and_standard_error_over_seeds_by_hand():
  mean, se = seeds.aggregate([_summary("s0", [1.0, 3.0], True), _summary("s1", [3.0, 7.0], False),
                              _summary("s2", [2.0, 2.0], True)])
  # Checkpoint 10: returns 1, 3, 2: mean 2, sample sd 1, SE 1 / sqrt(3).
  # Checkpoint 20: returns 3, 7, 2: mean 4, sample variance (1 + 9 + 4) / 2 = 7, SE sqrt(7 / 3).
  assert mean["figure2"]["mcts"] == pytest.approx([2.0, 4.0])
  assert se["figure2"]["mcts"] == pytest.approx([3 ** -0.5, (7 / 3) ** 0.5])
  assert mean["figure2"]["checkpoints"] == [10.0, 20.0] and se["figure2"]["checkpoints"] == [0, 0]
  # A flag: the fraction of runs where it holds (2 of 3), SE of the 0/1 values.
  assert mean["figure5"]["diagonal_is_row_minimum"] == pytest.approx([2 / 3])
  assert se["figure5"]["diagonal_is_row_minimum"] == pytest.approx([1 / 3])
  assert mean["env"] == "CartPole-v1" and "run" not in mean


def test_one_run_has_no_spread():
  mean, se = seeds.aggregate([_summary("s0", [1.0, 3.0], True)])
  assert mean["figure2"]["mcts"] == [1.0, 3.0] and se["figure2"]["mcts"] == [0.0, 0.0]


def test_runs_of_different_configs_are_one_error():
  other = _summary("s1", [1.0, 2.0, 3.0], True)
  with pytest.raises(PipelineError, match=r"figure2.mcts: lengths \[2, 3\]"):
    seeds.aggregate([_summary("s0", [1.0, 3.0], True), other])
  with pytest.raises(PipelineError, match="env"):
    seeds.aggregate([_summary("s0", [1.0, 3.0], True), dict(_summary("s1", [1.0, 3.0], True),
                                                           env="MinAtar/Breakout")])
