"""Value targets against a brute-force definition and against rlax directly."""
import numpy as np
import rlax

from pipeline import targets


def brute_force_lambda_return(rewards, discounts, values, last, mask, gamma, lam, t):
  """z_t as the lambda-weighted mixture of n-step returns, written out directly.

  Walks forward from t inside its episode (and window): the n-step return
  G^(n) = sum_{j<n} gamma^j r_{t+j} + gamma^n v_{t+n}, stopping at a
  termination (no bootstrap), at an episode's last step (bootstrap its value)
  or at the window's end (bootstrap the last value).
  """
  L = len(rewards)
  if mask[t] == 0:
    return 0.0
  if last[t] or t == L - 1:
    return values[t]
  n_returns, acc, scale = [], 0.0, 1.0
  j = t
  while True:
    acc += scale * rewards[j]
    scale *= gamma * discounts[j]
    nxt = j + 1
    if discounts[j] == 0:            # terminated: every longer return equals this one
      final = acc
      break
    if nxt == L - 1 or last[nxt]:    # bootstrap from the final value
      final = acc + scale * values[nxt]
      break
    n_returns.append(acc + scale * values[nxt])
    j = nxt
  # lambda-mixture: (1 - lam) sum lam^(n-1) G^(n) + lam^(N-1) G_final
  z = sum((1 - lam) * lam ** i * g for i, g in enumerate(n_returns))
  return z + lam ** len(n_returns) * final


def _episode_sequence(rng, L, end_at, terminated):
  rewards = rng.normal(size=L).astype(np.float32)
  discounts = np.ones(L, np.float32)
  values = rng.normal(size=L).astype(np.float32)
  last = np.zeros(L, np.float32)
  mask = np.ones(L, np.float32)
  if end_at is not None:
    last[end_at] = 1
    rewards[end_at:] = 0
    mask[end_at + 1:] = 0
    values[end_at + 1:] = 0
    discounts[end_at:] = 0
    if terminated:
      discounts[end_at - 1] = 0
      values[end_at] = 0
  return rewards, discounts, values, last, mask


def test_lambda_targets_match_brute_force_across_episode_ends():
  rng = np.random.default_rng(0)
  L, gamma, lam = 12, 0.97, 0.8
  cases = [_episode_sequence(rng, L, None, False), _episode_sequence(rng, L, 7, True),
           _episode_sequence(rng, L, 5, False), _episode_sequence(rng, L, 1, True)]
  arrays = [np.stack(x) for x in zip(*cases)]
  z = targets.value_targets(*arrays, gamma=gamma, td_lambda=lam)
  for b, case in enumerate(cases):
    expected = [brute_force_lambda_return(*case, gamma, lam, t) for t in range(L)]
    np.testing.assert_allclose(z[b], expected, rtol=1e-4, atol=1e-4)


def test_lambda_targets_equal_rlax_without_episode_ends():
  rng = np.random.default_rng(1)
  r, d, v, last, mask = _episode_sequence(rng, 10, None, False)
  z = targets.value_targets(r[None], d[None], v[None], last[None], mask[None], 0.99, 0.8)[0]
  expected = np.asarray(rlax.lambda_returns(r[:-1], 0.99 * d[:-1], v[1:], 0.8))
  np.testing.assert_allclose(z[:-1], expected, rtol=1e-5)
  assert z[-1] == v[-1]


def test_termination_absorbs_and_truncation_bootstraps():
  # Two-step episodes, rewards 1 then the final observation.
  r = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
  d = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], np.float32)   # terminated / truncated
  v = np.array([[0.5, 0.0, 0.0], [0.5, 2.0, 0.0]], np.float32)
  last = np.array([[0, 1, 0], [0, 1, 0]], np.float32)
  mask = np.array([[1, 1, 0], [1, 1, 0]], np.float32)
  z = targets.value_targets(r, d, v, last, mask, gamma=0.9, td_lambda=0.8)
  np.testing.assert_allclose(z[0], [1.0, 0.0, 0.0], atol=1e-6)
  np.testing.assert_allclose(z[1], [1.0 + 0.9 * 2.0, 2.0, 0.0], atol=1e-6)


def test_n_step_targets_match_hand_computation():
  r = np.array([[1.0, 2.0, 3.0, 4.0, 0.0]], np.float32)
  d = np.ones_like(r)
  v = np.array([[10.0, 20.0, 30.0, 40.0, 50.0]], np.float32)
  last = np.zeros_like(r)
  mask = np.ones_like(r)
  z = targets.value_targets(r, d, v, last, mask, gamma=0.5, n_step=2)[0]
  # z_0 = 1 + .5*2 + .25*30; z_2 = 3 + .5*4 + .25*50; z_3 = 4 + .5*50 (window end)
  np.testing.assert_allclose(z[[0, 2, 3, 4]], [9.5, 17.5, 29.0, 50.0], rtol=1e-6)


def test_two_hot_round_trip():
  x = np.array([-3.0, 0.0, 2.5, 100.0], np.float32)
  probs = targets.two_hot(x, 20)
  np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-6)
  h = np.sign(x) * (np.sqrt(np.abs(x) + 1) - 1) + 0.01 * x
  np.testing.assert_allclose(probs @ np.arange(-20, 21), h, atol=1e-4)
