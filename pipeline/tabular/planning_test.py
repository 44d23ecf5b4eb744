"""Exact planning against closed forms, brute force and each other."""
import itertools

import numpy as np

from pipeline.envs import gridworld
from pipeline.tabular import planning


def _tiny_mdp():
  """3 states, 2 actions, random but fixed: small enough to enumerate policies."""
  rng = np.random.default_rng(3)
  P = rng.uniform(size=(2, 3, 3))
  return P / P.sum(-1, keepdims=True), rng.uniform(-1, 1, size=(3, 2))


def test_evaluate_closed_form_two_state_cycle():
  gamma = 0.9
  P = np.array([[[0.0, 1.0], [1.0, 0.0]]])
  r = np.array([[1.0], [0.0]])
  v = planning.evaluate(P, r, np.ones((2, 1)), gamma)
  np.testing.assert_allclose(v, [1 / (1 - gamma ** 2), gamma / (1 - gamma ** 2)])


def test_evaluate_matches_iterated_bellman():
  mdp = gridworld.four_rooms(gamma=0.9)
  pi = np.random.default_rng(0).dirichlet(np.ones(4), size=104)
  v = np.zeros(104)
  for _ in range(400):  # 0.9^400 ~ 5e-19
    v = np.sum(pi * (mdp.r + 0.9 * np.einsum("ast,t->sa", mdp.P, v)), -1)
  np.testing.assert_allclose(planning.evaluate(mdp.P, mdp.r, pi, 0.9), v, atol=1e-10)


def test_policy_iteration_is_best_of_all_deterministic_policies():
  P, r = _tiny_mdp()
  best = max((planning.evaluate(P, r, np.eye(2)[list(a)], 0.9) for a in
              itertools.product(range(2), repeat=3)), key=np.sum)
  v, _ = planning.policy_iteration(P, r, 0.9)
  np.testing.assert_allclose(v, best, atol=1e-10)


def test_value_iteration_matches_policy_iteration_on_four_rooms():
  mdp = gridworld.four_rooms()
  v_vi, pi_vi = planning.value_iteration(mdp.P, mdp.r, mdp.gamma, tol=1e-10)
  v_pi, pi_pi = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  np.testing.assert_allclose(v_vi, v_pi, atol=1e-6)
  # Both greedy policies are optimal in the environment.
  np.testing.assert_allclose(planning.evaluate(mdp.P, mdp.r, pi_vi, mdp.gamma), v_pi, atol=1e-6)
  assert np.all(pi_pi.sum(-1) == 1)


def test_optimal_value_dominates_random_policies():
  mdp = gridworld.four_rooms()
  v_star, _ = planning.policy_iteration(mdp.P, mdp.r, mdp.gamma)
  rng = np.random.default_rng(1)
  pis = np.eye(4)[rng.integers(0, 4, size=(50, 104))]
  assert np.all(planning.evaluate(mdp.P, mdp.r, pis, mdp.gamma) <= v_star + 1e-9)


def test_batched_policy_iteration_equals_one_by_one():
  P, r = _tiny_mdp()
  rng = np.random.default_rng(2)
  Ps = np.stack([P, P[:, :, ::-1] / 1.0, P])
  rs = np.stack([r, rng.uniform(size=(3, 2)), -r])
  v_batch, _ = planning.policy_iteration(Ps, rs, 0.9)
  for i in range(3):
    np.testing.assert_allclose(v_batch[i], planning.policy_iteration(Ps[i], rs[i], 0.9)[0])


def test_bellman_pairs_matches_policy_matrix_form():
  mdp = gridworld.four_rooms()
  rng = np.random.default_rng(4)
  pis = rng.dirichlet(np.ones(4), size=(5, 104))
  vs = rng.uniform(-1, 1, size=(5, 104))
  for i in range(5):
    by_hand = np.array([sum(pis[i, s, a] * (mdp.r[s, a] + mdp.gamma * mdp.P[a, s] @ vs[i])
                            for a in range(4)) for s in range(104)])
    np.testing.assert_allclose(planning.bellman_pairs(mdp.P, mdp.r, pis, vs, mdp.gamma)[i], by_hand)
    np.testing.assert_allclose(planning.bellman(mdp.P, mdp.r, pis[i], vs[i], mdp.gamma), by_hand)
