"""PCA against numpy's SVD, diameters against brute force."""
import itertools

import numpy as np

from pipeline.tabular import pca


def test_components_match_svd_up_to_sign():
  rng = np.random.default_rng(0)
  X = rng.normal(size=(40, 300)) * np.linspace(3, 0.1, 300)
  mean, comps = pca.fit(X)
  _, _, vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
  np.testing.assert_allclose(mean, X.mean(0))
  for i in range(2):
    assert np.isclose(abs(comps[i] @ vt[i]), 1.0, atol=1e-8)
  coords = pca.project(X, mean, comps)
  np.testing.assert_allclose(np.abs(coords), np.abs((X - X.mean(0)) @ vt[:2].T), atol=1e-8)


def test_diameter_brute_force():
  pts = np.random.default_rng(1).normal(size=(9, 2))
  brute = max(np.hypot(*(p - q)) for p, q in itertools.combinations(pts, 2))
  assert np.isclose(pca.diameter(pts), brute)
  assert np.isclose(pca.diameter(np.array([[0.0, 0.0], [3.0, 4.0]])), 5.0)


def test_group_diameters_partition():
  pts = np.arange(8.0)[:, None] * np.array([[1.0, 0.0]])
  d = pca.group_diameters(pts, 2, np.random.default_rng(0))
  assert d.shape == (2,) and np.all(d <= 7) and np.all(d >= 3)  # 4 of 8 collinear points
