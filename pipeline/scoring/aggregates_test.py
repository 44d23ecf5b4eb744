"""rliable aggregates and intervals against hand-worked values."""
import numpy as np
import pytest

from pipeline.scoring import aggregates


def test_aggregate_hand_worked():
  x = np.array([[1.0, 2.0, 3.0, 10.0],
                [3.0, 4.0, 5.0, 20.0]])
  # Per-game means 2, 3, 4, 15: median 3.5, mean 6. IQM of the 8 scores
  # sorted 1 2 3 3 4 5 10 20 keeps the middle half 3 3 4 5: 3.75.
  # Every score >= 1: optimality gap 0.
  np.testing.assert_allclose(aggregates.aggregate(x), [3.5, 6.0, 3.75, 0.0])
  # Gaps max(0, 1 - s): 0.8 0.5 0 | 0.2 0 1.0 -> mean 2.5 / 6.
  y = np.array([[0.2, 0.5, 1.5], [0.8, 1.0, 0.0]])
  assert aggregates.aggregate(y)[3] == pytest.approx(2.5 / 6)


def test_probability_of_improvement_hand_worked_and_against_rliable():
  x = np.array([[1.0, 3.0], [2.0, 4.0]])
  y = np.array([[0.0, 3.0], [5.0, 1.0]])
  # Game 0: x {1, 2} beats y {0, 5} in 2 of 4 pairs; game 1: x {3, 4} vs y {3, 1}:
  # 3 wins and a tie (0.5) of 4 pairs. Mean (0.5 + 0.875) / 2.
  e = aggregates.probability_of_improvement(x, y, reps=200, seed=1)
  assert e.point == pytest.approx(0.6875)
  assert e.low <= e.point <= e.high
  from rliable import library, metrics
  rng = np.random.default_rng(4)
  a, b = rng.normal(0.3, 1.0, size=(3, 6)), rng.normal(size=(3, 6))
  np.random.seed(7)
  points, cis = library.get_interval_estimates(
      {"p": (a, b)}, lambda u, v: np.array([metrics.probability_of_improvement(u, v)]), reps=300)
  ours = aggregates.probability_of_improvement(a, b, reps=300, seed=7)
  assert ours.point == pytest.approx(float(points["p"][0]))
  np.testing.assert_allclose([ours.low, ours.high], np.asarray(cis["p"]).reshape(2))


def test_iqm_and_median_curves_against_rliable():
  from rliable import metrics
  arr = np.random.default_rng(2).normal(size=(3, 5, 4))
  np.testing.assert_allclose(aggregates.iqm_curve(arr),
                             [metrics.aggregate_iqm(arr[..., t]) for t in range(4)])
  np.testing.assert_allclose(aggregates.median_curve(arr),
                             [metrics.aggregate_median(arr[..., t]) for t in range(4)])


def test_intervals_bracket_the_point_and_are_reproducible():
  rng = np.random.default_rng(1)
  m = {"a": rng.normal(size=(3, 8)), "b": rng.normal(1.0, 1.0, size=(3, 8))}
  state = np.random.get_state()[1].copy()
  est, task = aggregates.interval_estimates(m, reps=50, seed=3)
  np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG restored
  assert not task
  for v in m:
    for k in aggregates.METRICS:
      e = est[v][k]
      assert e.low <= e.point <= e.high
  again, _ = aggregates.interval_estimates({"b": m["b"]}, reps=50, seed=3)
  assert again["b"] == est["b"]  # a variant's CI does not depend on the others


def test_identical_runs_give_a_zero_width_interval():
  x = np.tile(np.array([[1.0, 5.0, 2.0]]), (4, 1))
  est, _ = aggregates.interval_estimates({"a": x}, reps=30)
  for k in aggregates.METRICS:
    assert est["a"][k].low == est["a"][k].high == pytest.approx(est["a"][k].point)


def test_one_run_per_game_resamples_games():
  x = np.array([[1.0, 2.0, 3.0, 4.0, 50.0]])
  est, task = aggregates.interval_estimates({"a": x}, reps=100)
  assert task
  assert est["a"]["mean"].high > est["a"]["mean"].low


def test_score_matrix_uses_the_fewest_seeds():
  m = aggregates.score_matrix({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0]}, ["a", "b"])
  np.testing.assert_array_equal(m, [[1.0, 4.0], [2.0, 5.0]])


def test_common_games():
  per = {"x": {"a": [1.0], "b": [2.0]}, "y": {"a": [1.0], "b": []}}
  assert aggregates.common_games(per) == ["a"]
