"""TF losses against numpy re-derivations, the environment, and Lemmas 1-2."""
import numpy as np
import pytest
import tensorflow as tf

from pipeline.tabular import datasets
from pipeline.envs import gridworld
from pipeline.tabular import losses
from pipeline.tabular import planning
from pipeline.tabular import policies
from pipeline.tabular import rings

f32 = lambda x: tf.constant(np.asarray(x, np.float32))


def _pairs(n=20, seed=0):
  rng = np.random.default_rng(seed)
  return policies.mixed_policies(rng, n, 104, 4), policies.random_functions(rng, n, 104)


def test_bellman_k_matches_numpy_for_random_models():
  rng = np.random.default_rng(1)
  M, B, S, A, k = 2, 3, 7, 3, 4
  P = rng.dirichlet(np.ones(S), size=(M, A, S))
  r = rng.uniform(-1, 1, (M, S, A))
  pi = rng.dirichlet(np.ones(A), size=(M, B, S))
  x = rng.uniform(-1, 1, (M, B, S))
  got = losses.bellman_k(f32(r), f32(P), f32(pi), f32(x), k, 0.9).numpy()
  for m in range(M):
    for b in range(B):
      want = planning.bellman(P[m], r[m], pi[m, b], x[m, b], 0.9, k)
      np.testing.assert_allclose(got[m, b], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [1, 2, 5, 30, 60])
def test_environment_has_zero_order_k_ve_loss(k):
  mdp = gridworld.four_rooms()
  pis, vs = _pairs()
  target = datasets.env_targets(mdp, pis, vs, [k])[k]
  args = (f32(pis[None]), f32(vs[None]), f32(target[None]), k, mdp.gamma)
  loss = losses.ve_loss(f32(mdp.r[None]), f32(mdp.P[None]), *args).numpy()
  assert loss[0] < 1e-6 * np.mean(np.sum(target ** 2, -1))
  # The loss does see a wrong model: swapping two actions' dynamics.
  wrong = losses.ve_loss(f32(mdp.r[None]), f32(mdp.P[None][:, [1, 0, 2, 3]]), *args).numpy()
  assert wrong[0] > 1e3 * loss[0] + 1e-3


def test_environment_has_zero_pve_loss():
  mdp = gridworld.four_rooms()
  pis, _ = _pairs()
  values = datasets.env_values(mdp, pis)
  loss = losses.pve_loss(f32(mdp.r[None]), f32(mdp.P[None]), f32(pis[None]), f32(values[None]),
                         mdp.gamma).numpy()
  assert loss[0] < 1e-6 * np.mean(np.sum(values ** 2, -1))
  wrong = losses.pve_loss(f32(mdp.r[None] + 0.01), f32(mdp.P[None]), f32(pis[None]),
                          f32(values[None]), mdp.gamma).numpy()
  assert np.isclose(wrong[0], 104 * 0.01 ** 2, rtol=1e-2)  # T~ v_pi - v_pi = 0.01 everywhere


GAMMA = 0.9
ONE_ACTION = lambda n, batch=1: np.ones((batch, n, 1))


def _ve(model, env, k, v):
  """Project's order-k VE loss of `model` against `env` (ring MDPs) on functions v [B, n]."""
  (Pm, rm), (Pe, re) = model, env
  pi = ONE_ACTION(v.shape[1], len(v))
  target = np.stack([planning.bellman(Pe, re, pi[0], vi, GAMMA, k) for vi in v])
  return losses.ve_loss(f32(rm[None]), f32(Pm[None]), f32(pi[None]), f32(v[None]),
                        f32(target[None]), k, GAMMA).numpy()[0]


def _pve(model, env):
  (Pm, rm), (Pe, re) = model, env
  n = re.shape[0]
  v_pi = planning.evaluate(Pe, re, ONE_ACTION(n)[0], GAMMA)
  return losses.pve_loss(f32(rm[None]), f32(Pm[None]), f32(ONE_ACTION(n)[None]),
                         f32(v_pi[None, None]), GAMMA).numpy()[0]


def test_lemma1_false_ring_is_order_n_ve_and_pve():
  n = 6
  g = np.random.default_rng(5).uniform(-1, 1, n)
  env, model = rings.ring(g), rings.false_ring(g, GAMMA, m=n)
  v = np.random.default_rng(6).uniform(-1, 1, (8, n))
  assert _ve(model, env, n, v) < 1e-9
  assert _ve(model, env, 2 * n, v) < 1e-9  # order n divides 2n
  assert _pve(model, env) < 1e-9
  assert _ve(model, env, n - 1, v) > 1e-3


def test_lemma1_infinite_false_ring_is_pve_but_not_order_1_ve():
  n = 5
  g = np.random.default_rng(7).uniform(0, 1, n)
  env, model = rings.ring(g), rings.false_ring(g, GAMMA, m=None)
  assert _pve(model, env) < 1e-9
  v = np.random.default_rng(8).uniform(-1, 1, (8, n))
  assert _ve(model, env, 1, v) > 1e-3


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_lemma2_false_ring_is_not_order_k_ve_for_k_below_n(k):
  n, c = 6, 0.7  # constant function f = c
  g = rings.indicator_rewards(n, k)
  env, model = rings.ring(g), rings.false_ring(g, GAMMA, m=n)
  f = np.full((1, n), c)
  loss = _ve(model, env, k, f)
  # Hand derivation (eq. 27-28): at s1 the gap is r_n(s1) (1 - sum_{t<k} g^t / sum_{t<n} g^t).
  r_n = sum(GAMMA ** t for t in range(k))  # rewards 1 on the first k steps only
  gap = r_n * (1 - sum(GAMMA ** t for t in range(k)) / sum(GAMMA ** t for t in range(n)))
  assert loss >= gap ** 2 * (1 - 1e-4) and gap > 0.1
  assert _ve(model, env, n, f) < 1e-9  # ... while it is order-n VE
