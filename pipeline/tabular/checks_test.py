"""The Four Rooms checks on hand-made numbers: each passes and fails where it should."""
import numpy as np

from pipeline.tabular import checks
from pipeline.tabular import model_space

INF = float("inf")


def test_diameter_grows_by_hand():
  names, orders = ["k1", "k30", "pve"], [1, 30, INF]
  ok, msg = checks.diameter_grows(names, orders, {"k1": [0.1, 0.3], "k30": [2.0, 2.0], "pve": [5.0, 7.0]})
  assert ok and "rho 1.00" in msg and "k1: 0.2+-0.1" in msg
  ok, _ = checks.diameter_grows(names, orders, {"k1": [3.0], "k30": [2.0], "pve": [5.0]})
  assert not ok  # k = 1 is not the smallest


def test_pve_plans_optimally_threshold():
  assert checks.pve_plans_optimally([0.96, 0.94], 0.95)[0]
  ok, msg = checks.pve_plans_optimally([0.96, 0.90], 0.95)
  assert not ok and "0.9300 mean, 0.9000 min over 2 models" in msg


def test_det_beats_stoch_at_each_low_rank():
  values = {"deterministic": np.array([[72.0, 72.0], [71.0, 71.0]]),
            "stochastic": np.array([[70.0, 70.0], [71.5, 71.5]])}
  assert checks.det_beats_stoch([20, 30], values, [20])[0]
  assert not checks.det_beats_stoch([20, 30], values, [20, 30])[0]


def test_optimal_set_grows_needs_spread_order_and_half_of_each_class():
  names, orders = ["k1", "k30", "k60", "pve"], [1, 30, 60, INF]
  ratios = {n: [1.0, 0.99, 0.97, 0.5] for n in names}
  ok, msg = checks.optimal_set_grows(names, orders, ratios, {"k1": 0.7, "k30": 8.0, "k60": 9.0, "pve": 11.0}, 0.95)
  assert ok and "rho of spread vs k 1.00" in msg and "k30: 3/4 plan >= 0.95, spread 8" in msg
  # one swap: spread ranks 0, 2, 1, 3 against k's 0, 1, 2, 3: rho = 1 - 6 * 2 / 60 = 0.8, passes
  ok, msg = checks.optimal_set_grows(names, orders, ratios, {"k1": 0.7, "k30": 9.5, "k60": 9.0, "pve": 11.0}, 0.95)
  assert ok and "rho of spread vs k 0.80" in msg
  # spread ranks 0, 3, 2, 1: rho = 1 - 6 * 8 / 60 = 0.2, fails
  ok, msg = checks.optimal_set_grows(names, orders, ratios, {"k1": 0.7, "k30": 10.0, "k60": 9.0, "pve": 8.5}, 0.95)
  assert not ok and "rho of spread vs k 0.20" in msg
  # fewer than half of k60 plan optimally: fails whatever the spreads
  ratios["k60"] = [1.0, 0.4, 0.4, 0.4]
  ok, _ = checks.optimal_set_grows(names, orders, ratios, {"k1": 0.7, "k30": 8.0, "k60": float("nan"), "pve": 11.0},
                                   0.95)
  assert not ok


def test_det_gap_widens_by_hand():
  ranks = [20, 50, 104]
  widening = {"deterministic": np.array([[72.0], [72.0], [72.0]]), "stochastic": np.array([[66.0], [69.0], [71.5]])}
  ok, msg = checks.det_gap_widens(ranks, widening)
  assert ok and "rho of gap vs rank -1.00" in msg and "rank 20: +6, rank 50: +3, rank 104: +0.5" in msg
  flat = {"deterministic": np.array([[72.0], [72.0], [72.0]]), "stochastic": np.array([[70.0], [68.0], [71.0]])}
  ok, msg = checks.det_gap_widens(ranks, flat)  # gaps 2, 4, 1: rho -0.5
  assert not ok and "rho of gap vs rank -0.50" in msg


def test_optimal_spread_is_the_diameter_of_the_models_that_plan_well():
  vectors = np.array([[0.0, 0.0], [3.0, 4.0], [30.0, 40.0], [1.0, 0.0]])
  ratios = [0.99, 0.96, 0.50, 0.95]  # the third does not plan well: its distance 50 is left out
  assert np.isclose(model_space.optimal_spread(vectors, ratios, 0.95), 5.0)  # (0, 0) to (3, 4)
  assert np.isnan(model_space.optimal_spread(vectors, [0.99, 0.1, 0.1, 0.1], 0.95))


def test_spearman_averages_tied_ranks_like_scipy():
  # gaps 2, 2, 1 at ranks 20, 50, 104: average ranks 2.5, 2.5, 1 against 1, 2, 3 -> rho -0.866
  values = {"deterministic": np.array([[72.0], [72.0], [72.0]]), "stochastic": np.array([[70.0], [70.0], [71.0]])}
  _, msg = checks.det_gap_widens([20, 50, 104], values)
  assert "rho of gap vs rank -0.87" in msg
  assert checks._spearman([1, 2, 3], [5.0, 5.0, 5.0]) == 0.0
