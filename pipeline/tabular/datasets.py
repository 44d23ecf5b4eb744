"""Training sets (pi, x, y, k) for each model class, built exactly in numpy.

Order-k VE class: x = v ~ U(-1, 1), y = T_pi^k v in the environment.
PVE class: x = y = v_pi (exact policy evaluation), k = 1.
"""
import numpy as np

from pipeline.tabular import planning


def _chunks(n, size):
  return [(i, min(i + size, n)) for i in range(0, n, size)]


def env_values(mdp, pis, chunk=1000):
  """v_pi [N, S] of policies pis [N, S, A] in the environment."""
  out = np.empty(pis.shape[:2])
  for i, j in _chunks(len(pis), chunk):
    out[i:j] = planning.evaluate(mdp.P, mdp.r, pis[i:j], mdp.gamma)
  return out


def env_targets(mdp, pis, vs, orders):
  """{k: T_pi^k v [N, S]} for each k in orders, one pass of max(orders) updates."""
  orders = sorted(set(int(k) for k in orders))
  out = {}
  v = np.asarray(vs, np.float64)
  for t in range(1, orders[-1] + 1):
    v = planning.bellman_pairs(mdp.P, mdp.r, pis, v, mdp.gamma)
    if t in orders:
      out[t] = v
  return out


def ve_set(pis, vs, targets, k):
  """(pi, x, y, k) for the order-k VE class."""
  return pis, vs, targets[k], k


def pve_set(pis, values):
  """(pi, x, y, k) for the PVE class."""
  return pis, values, values, 1
