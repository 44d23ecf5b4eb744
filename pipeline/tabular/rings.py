"""Ring and false-ring MDPs of the PVE paper's appendix A.1.1 (one action).

A ring of n states moves s_i -> s_{i+1} (s_n -> s_1) with reward g(i) for
leaving s_i. Its false ring self-loops everywhere, with reward
r~(s_i) = r_m(s_i) / sum_{t<m} gamma^t where r_m is the ring's discounted
m-step return (m = n in the paper; m = None means m = infinity, i.e.
r~ = (1 - gamma) v_pi). Shapes follow planning.py: P [1, n, n], r [n, 1].
"""
import numpy as np


def ring(g):
  """(P [1, n, n], r [n, 1]) of the ring with rewards g [n] (g[i-1] = g(i))."""
  g = np.asarray(g, dtype=np.float64)
  n = g.size
  P = np.roll(np.eye(n), 1, axis=1)[None]
  return P, g[:, None]


def n_step_return(g, gamma, m):
  """[n] discounted m-step return of the ring from each state."""
  g = np.asarray(g, dtype=np.float64)
  idx = (np.arange(g.size)[:, None] + np.arange(m)[None, :]) % g.size
  return np.sum(g[idx] * gamma ** np.arange(m), axis=1)


def false_ring(g, gamma, m=None):
  """(P [1, n, n], r [n, 1]) of the false ring matching m-step returns (None: infinite)."""
  g = np.asarray(g, dtype=np.float64)
  n = g.size
  if m is None:  # r_inf / sum_t gamma^t = (1 - gamma) v_pi, v_pi in closed form.
    v = n_step_return(g, gamma, n) / (1.0 - gamma ** n)
    r = (1.0 - gamma) * v
  else:
    r = n_step_return(g, gamma, m) / np.sum(gamma ** np.arange(m))
  return np.eye(n)[None], r[:, None]


def indicator_rewards(n, k):
  """g(i) = 1{i in [1, k]} for a ring of n states (Lemma 2)."""
  return (np.arange(1, n + 1) <= k).astype(np.float64)
