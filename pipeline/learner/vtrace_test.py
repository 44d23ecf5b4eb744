"""In-graph V-trace against rlax.vtrace on random inputs."""
import numpy as np
import rlax
import tensorflow as tf

from pipeline.learner.vtrace import vtrace_returns


def test_matches_rlax_on_random_sequences():
  rng = np.random.default_rng(0)
  for trial in range(20):
    L = int(rng.integers(2, 25))
    v = rng.normal(size=L).astype(np.float32)
    r = rng.normal(size=L).astype(np.float32)
    disc = (0.99 * (rng.random(L) > 0.1)).astype(np.float32)
    rho = np.exp(rng.normal(size=L)).astype(np.float32)
    lam = float(rng.choice([1.0, 0.9]))
    clip = float(rng.choice([1.0, 2.0]))
    valid = np.ones(L, np.float32)
    valid[-1] = 0.0   # the sequence's last step bootstraps
    ours = vtrace_returns(*(tf.constant(x[None]) for x in (v, r, disc, rho, valid)),
                          lambda_=lam, clip_rho=clip, clip_c=1.0).numpy()[0]
    errors = rlax.vtrace(v[:-1], v[1:], r[:-1], disc[:-1], rho[:-1], lam, clip)
    np.testing.assert_allclose(ours[:-1], v[:-1] + np.asarray(errors), rtol=1e-4, atol=1e-5)
    assert ours[-1] == v[-1]


def test_on_policy_with_lambda_one_is_the_discounted_return():
  # rho = 1, lambda = 1: vs_t is the n-step return bootstrapped at the end.
  v = np.array([0.3, -1.0, 2.0, 5.0], np.float32)
  r = np.array([1.0, 2.0, 3.0, 0.0], np.float32)
  g = 0.5
  ours = vtrace_returns(tf.constant(v), tf.constant(r), tf.constant([g, g, g, g]),
                        tf.ones(4), tf.constant([1.0, 1.0, 1.0, 0.0])).numpy()
  expected = [1 + g * 2 + g * g * 3 + g ** 3 * 5, 2 + g * 3 + g * g * 5, 3 + g * 5, 5]
  np.testing.assert_allclose(ours, expected, rtol=1e-6)


def test_batched_shapes():
  x = tf.random.uniform((3, 2, 7))
  assert vtrace_returns(x, x, x, x, tf.ones_like(x)).shape == (3, 2, 7)
