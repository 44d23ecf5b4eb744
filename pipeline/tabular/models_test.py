"""Model parameterisations: row-stochastic, rank limits, init ranges, vectors."""
import numpy as np

from pipeline.tabular import models


def test_full_models_are_row_stochastic_with_init_ranges():
  m = models.TabularModels(3, 10, 4, seed=0)
  r, P = m.matrices()
  assert r.shape == (3, 10, 4) and P.shape == (3, 4, 10, 10)
  np.testing.assert_allclose(P.numpy().sum(-1), 1.0, atol=1e-5)
  assert np.all(np.abs(r.numpy()) <= 1) and np.all(np.abs(m.logits.numpy()) <= 5)


def test_rank_limited_models_respect_each_models_rank():
  ranks = [1, 3, 7]
  m = models.TabularModels(3, 12, 2, seed=1, ranks=ranks)
  P = m.transitions().numpy().astype(np.float64)
  np.testing.assert_allclose(P.sum(-1), 1.0, atol=1e-5)
  for i, rank in enumerate(ranks):
    for a in range(2):
      assert np.linalg.matrix_rank(P[i, a], tol=1e-5) == rank


def test_rank_limited_equals_product_of_row_softmaxes():
  m = models.TabularModels(1, 6, 2, seed=2, ranks=[4])
  softmax = lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)
  D = softmax(m.d_logits.numpy()[0].astype(np.float64))
  K = softmax(m.k_logits.numpy()[0].astype(np.float64))
  np.testing.assert_allclose(m.transitions().numpy()[0], D @ K, atol=1e-6)


def test_vectors_round_trip():
  rng = np.random.default_rng(0)
  r, P = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 3, 5, 5))
  vec = models.model_vectors(r, P)
  assert vec.shape == (2, 5 * 3 + 3 * 5 * 5)
  r2, P2 = models.split_vectors(vec, 5, 3)
  np.testing.assert_array_equal(r2, r)
  np.testing.assert_array_equal(P2, P)
