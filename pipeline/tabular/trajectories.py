"""Figure 4b: trajectories of the env's optimal policy in the env and in a model."""
import numpy as np

from pipeline.tabular import planning


def sample(P, pi, start, num, length, rng):
  """[num, length + 1] state indices of trajectories of pi under P [A, S, S]."""
  P_pi, _ = planning.policy_matrices(P, np.zeros(pi.shape), pi)
  cdf = np.cumsum(P_pi, axis=-1)
  cdf[:, -1] = 1.0  # guard against float round-off in the last bin
  states = np.empty((num, length + 1), np.int64)
  states[:, 0] = start
  for t in range(length):
    u = rng.uniform(size=num)
    states[:, t + 1] = np.argmax(cdf[states[:, t]] > u[:, None], axis=-1)
  return states
