"""In-graph value targets against rlax on random sequences with episode ends."""
import numpy as np
import pytest
import rlax
import tensorflow as tf

from pipeline import targets as host_targets
from pipeline.learner import returns


def random_sequences(rng, b, length):
  """[B, L] fields with terminations, truncations, padding and a sequence opening on a last step."""
  rewards = rng.normal(size=(b, length)).astype(np.float32)
  discounts = np.ones((b, length), np.float32)
  values = rng.normal(size=(b, length)).astype(np.float32)
  last = np.zeros((b, length), np.float32)
  mask = np.ones((b, length), np.float32)
  for i in range(b):
    kind = i % 4  # 0: no end, 1: terminated, 2: truncated, 3: opens on a last step
    if kind == 0:
      continue
    end = 0 if kind == 3 else int(rng.integers(1, length))
    last[i, end] = 1
    rewards[i, end:] = 0
    mask[i, end + 1:] = 0
    values[i, end + 1:] = 0
    discounts[i, end + 1:] = 0
    if kind == 1:
      discounts[i, end - 1] = 0
      discounts[i, end] = 0
      values[i, end] = 0
  return rewards, discounts, values, last, mask


@pytest.mark.parametrize("lam", [0.0, 0.8, 0.95, 1.0])
def test_lambda_targets_equal_rlax(lam):
  rng = np.random.default_rng(int(lam * 100))
  arrays = random_sequences(rng, 16, 11)
  ours = returns.lambda_targets(*[tf.constant(a) for a in arrays], gamma=0.97, td_lambda=lam)
  oracle = host_targets.value_targets(*arrays, gamma=0.97, td_lambda=lam)
  np.testing.assert_allclose(ours.numpy(), oracle, rtol=1e-5, atol=1e-5)


def test_lambda_targets_without_episode_ends_equal_rlax_lambda_returns_directly():
  rng = np.random.default_rng(3)
  r, v = rng.normal(size=(2, 9)).astype(np.float32), rng.normal(size=(2, 9)).astype(np.float32)
  ones = np.ones_like(r)
  ours = returns.lambda_targets(r, ones, v, np.zeros_like(r), ones, gamma=0.9, td_lambda=0.7)
  for i in range(2):
    g = rlax.lambda_returns(r[i, :-1], 0.9 * ones[i, :-1], v[i, 1:], 0.7)
    np.testing.assert_allclose(ours.numpy()[i, :-1], np.asarray(g), rtol=1e-5)
    assert ours.numpy()[i, -1] == pytest.approx(v[i, -1])


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_n_step_targets_equal_rlax(n):
  rng = np.random.default_rng(n)
  arrays = random_sequences(rng, 16, 11)
  ours = returns.n_step_targets(*[tf.constant(a) for a in arrays], gamma=0.9, n=n)
  oracle = host_targets.value_targets(*arrays, gamma=0.9, n_step=n)
  np.testing.assert_allclose(ours.numpy(), oracle, rtol=1e-5, atol=1e-5)


def test_targets_compile_under_xla():
  rng = np.random.default_rng(5)
  arrays = [tf.constant(a) for a in random_sequences(rng, 8, 7)]
  fn = tf.function(lambda *a: returns.value_targets(*a, gamma=0.99, td_lambda=0.8),
                   jit_compile=True)
  np.testing.assert_allclose(fn(*arrays).numpy(),
                             host_targets.value_targets(*[a.numpy() for a in arrays], 0.99, 0.8),
                             rtol=1e-5, atol=1e-5)
