"""Policy/function data sets of appendix A.3 (numpy). pi [N, S, A], v [N, S].

Figure 3: half uniformly random deterministic policies, half stochastic with
pi(a|s) proportional to U(0, 1) draws; functions v(s) ~ U(-1, 1).
Figure 4a: policies met by policy iteration in the environment (each step
improves a random 10% of states; restart from a random policy at the
optimum), each expanded by replacing a random 10% of states with uniform
(Pi) or random deterministic (Pi_det) action choices.
"""
import numpy as np

from pipeline.tabular import planning


def random_deterministic(rng, n, S, A):
  """[n, S, A] one-hot policies, actions uniform."""
  return np.eye(A)[rng.integers(0, A, size=(n, S))]


def random_stochastic(rng, n, S, A):
  """[n, S, A] with pi(a|s) = f_a / sum f, f ~ U(0, 1)."""
  f = rng.uniform(0.0, 1.0, size=(n, S, A))
  return f / f.sum(-1, keepdims=True)


def mixed_policies(rng, n, S, A):
  """[n, S, A]: each policy deterministic or stochastic with probability 1/2."""
  det = rng.uniform(size=n) < 0.5
  return np.where(det[:, None, None], random_deterministic(rng, n, S, A),
                  random_stochastic(rng, n, S, A))


def random_functions(rng, n, S):
  """[n, S] with v(s) ~ U(-1, 1)."""
  return rng.uniform(-1.0, 1.0, size=(n, S))


def policy_iteration_path(rng, mdp, num, improve_fraction=0.1):
  """[num, S, A] distinct successive deterministic policies of partial policy iteration."""
  S, A = mdp.num_states, mdp.num_actions
  pi = random_deterministic(rng, 1, S, A)[0]
  out = [pi]
  while len(out) < num:
    v = planning.evaluate(mdp.P, mdp.r, pi, mdp.gamma)
    q = planning.q_values(mdp.P, mdp.r, v, mdp.gamma)
    gain = q.max(-1) > np.sum(q * pi, -1) + 1e-12 * (1 + np.abs(v))
    if not gain.any():  # optimal: restart from a new random policy
      pi = random_deterministic(rng, 1, S, A)[0]
      out.append(pi)
      continue
    chosen = gain & (rng.uniform(size=S) < improve_fraction)
    if chosen.any():
      pi = np.where(chosen[:, None], planning.greedy(q), pi)
      out.append(pi)
  return np.stack(out)


def add_noise(rng, base, copies, fraction, deterministic):
  """[len(base) * copies, S, A]: a random `fraction` of states re-drawn per copy."""
  n, S, A = base.shape
  pis = np.repeat(base, copies, axis=0)
  pick = rng.uniform(size=(n * copies, S)) < fraction
  if deterministic:
    noise = random_deterministic(rng, n * copies, S, A)
  else:
    noise = np.full((n * copies, S, A), 1.0 / A)
  return np.where(pick[..., None], noise, pis)
