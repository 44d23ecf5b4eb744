"""Training curves on a frame grid."""
import numpy as np

from pipeline.scoring import figures


def test_curve_on_grid_trailing_mean():
  frames = np.array([10, 20, 30, 40])
  returns = np.array([1.0, 2.0, 3.0, 6.0])
  grid = np.array([5.0, 20.0, 35.0, 40.0, 50.0, 70.0])
  out = figures.curve_on_grid(frames, returns, grid, window=2)
  # 5: no episode yet; 20: mean(1, 2); 35: mean(2, 3); 40: mean(3, 6);
  # 50: still (3, 6), within one grid step of the last episode; 70: past the run's end.
  np.testing.assert_allclose(out, [np.nan, 1.5, 2.5, 4.5, 4.5, np.nan])
  assert np.all(np.isnan(figures.curve_on_grid(np.array([]), np.array([]), grid, 2)))


def test_seed_mean_sem_ignores_missing_points():
  a = np.array([1.0, 2.0, np.nan])
  b = np.array([3.0, 6.0, 5.0])
  mean, sem = figures.seed_mean_sem([a, b])
  np.testing.assert_allclose(mean, [2.0, 4.0, 5.0])
  # Two seeds: SEM = |a - b| / 2; one seed: undefined.
  np.testing.assert_allclose(sem, [1.0, 2.0, np.nan])


def test_frame_grid_and_x_axis():
  np.testing.assert_allclose(figures.frame_grid(100.0, 4), [25.0, 50.0, 75.0, 100.0])
  grids = {"a": figures.frame_grid(100.0, 4), "b": figures.frame_grid(105.0, 4)}
  x, label = figures.x_axis(grids, ["a", "b"], 4)
  assert label == "env frames" and x[-1] == 102.5
  grids["b"] = figures.frame_grid(1000.0, 4)
  x, label = figures.x_axis(grids, ["a", "b"], 4)
  assert label == "fraction of the game's frames" and x[-1] == 1.0
