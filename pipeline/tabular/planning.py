"""Exact planning in tabular MDPs (numpy, float64), batched over models.

Shapes: P [..., A, S, S], r [..., S, A], pi [..., S, A], v [..., S]. Leading
dims of P/r (models) and of pi (policies) broadcast against each other.
"""
import numpy as np


def policy_matrices(P, r, pi):
  """P_pi [..., S, S] and r_pi [..., S] of policy pi."""
  P_pi = sum(pi[..., :, a, None] * P[..., a, :, :] for a in range(P.shape[-3]))
  r_pi = np.sum(pi * r, axis=-1)
  return P_pi, r_pi


def evaluate(P, r, pi, gamma):
  """v_pi [..., S]: solves (I - gamma P_pi) v = r_pi exactly."""
  P_pi, r_pi = policy_matrices(P, r, pi)
  eye = np.eye(P_pi.shape[-1])
  return np.linalg.solve(eye - gamma * P_pi, r_pi[..., None])[..., 0]


def q_values(P, r, v, gamma):
  """Q [..., S, A] = r + gamma * sum_s' P[a, s, s'] v(s')."""
  pv = np.matmul(P, v[..., None, :, None])[..., 0]  # [..., A, S]
  return r + gamma * np.swapaxes(pv, -1, -2)


def bellman(P, r, pi, v, gamma, k=1):
  """T_pi^k v [..., S]: k applications of the policy's Bellman operator."""
  P_pi, r_pi = policy_matrices(P, r, pi)
  for _ in range(k):
    v = r_pi + gamma * np.matmul(P_pi, v[..., None])[..., 0]
  return v


def bellman_pairs(P, r, pis, vs, gamma):
  """T_pi v [N, S] for pairs pis [N, S, A], vs [N, S] under one MDP P [A, S, S] (BLAS)."""
  pv = np.stack([vs @ P[a].T for a in range(P.shape[0])], axis=-1)  # [N, S, A]
  return np.sum(pis * (r + gamma * pv), axis=-1)


def greedy(q):
  """Deterministic one-hot policy [..., S, A] of argmax_a q (lowest index on ties)."""
  return np.eye(q.shape[-1])[np.argmax(q, axis=-1)]


def value_iteration(P, r, gamma, tol=1e-10, max_iters=100_000):
  """(v*, greedy pi*) by value iteration until the sup-norm change is below tol."""
  v = np.zeros(r.shape[:-1])
  for _ in range(max_iters):
    new_v = q_values(P, r, v, gamma).max(-1)
    done = np.max(np.abs(new_v - v)) < tol
    v = new_v
    if done:
      break
  return v, greedy(q_values(P, r, v, gamma))


def policy_iteration(P, r, gamma, pi=None, max_iters=1000):
  """(v*, pi*) by exact policy iteration; switches action only on strict gain."""
  if pi is None:
    pi = greedy(r)
  for _ in range(max_iters):
    v = evaluate(P, r, pi, gamma)
    q = q_values(P, r, v, gamma)
    current = np.sum(q * pi, axis=-1)
    improve = q.max(-1) > current + 1e-12 * (1.0 + np.abs(current))
    if not improve.any():
      break
    pi = np.where(improve[..., None], greedy(q), pi)
  return v, pi


def optimal_policy_value(model_P, model_r, env, chunk=256):
  """Env value [N, S] of each model's optimal policy; model_P [N, A, S, S], model_r [N, S, A]."""
  out = []
  for i in range(0, len(model_r), chunk):
    _, pi = policy_iteration(model_P[i:i + chunk], model_r[i:i + chunk], env.gamma)
    out.append(evaluate(env.P, env.r, pi, env.gamma))
  return np.concatenate(out, axis=0)
