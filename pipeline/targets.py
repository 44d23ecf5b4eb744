"""Value targets on the host, with rlax, from stored rewards and search values.

A sequence of L steps holds, per step t: reward r_t (received after acting at
t), discount d_t (0 if that transition terminated the episode), search root
value v_t, `last_t` (the step is an episode's final observation: reward 0,
and v_t is 0 after a termination or the search value after a truncation)
and `mask_t` (0 on padding after an episode's end).

TD(lambda):  z_t = r_t + gamma d_t ((1 - lambda_t) v_{t+1} + lambda_t z_{t+1}),
with z = v at an episode's last step and at the sequence's last step
(bootstrap), lambda_t = 0 just before a last step, and z = 0 on padding
(absorbing). The n-step option is the same with rlax's n-step returns.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import rlax

jax.config.update("jax_platforms", "cpu")


def _per_step_arrays(rewards, discounts, values, last, mask, gamma):
  """Shifted rlax inputs for one sequence: each [L - 1]."""
  r = rewards[:-1] * mask[:-1]
  disc = gamma * discounts[:-1] * mask[:-1] * (1.0 - last[:-1])
  bootstrap = values[1:]
  lambda_cut = 1.0 - last[1:]  # stop mixing right before an episode's last step
  return r, disc, bootstrap, lambda_cut


def _finish(returns, values, last, mask):
  z = jnp.concatenate([returns, values[-1:]])
  z = jnp.where(last > 0, values, z)
  return z * mask


@functools.partial(jax.jit, static_argnames=("gamma", "td_lambda"))
def _lambda_targets(rewards, discounts, values, last, mask, gamma, td_lambda):
  def one(r_, d_, v_, l_, m_):
    r, disc, boot, cut = _per_step_arrays(r_, d_, v_, l_, m_, gamma)
    returns = rlax.lambda_returns(r, disc, boot, td_lambda * cut, stop_target_gradients=True)
    return _finish(returns, v_, l_, m_)
  return jax.vmap(one)(rewards, discounts, values, last, mask)


@functools.partial(jax.jit, static_argnames=("gamma", "n"))
def _n_step_targets(rewards, discounts, values, last, mask, gamma, n):
  def one(r_, d_, v_, l_, m_):
    r, disc, boot, cut = _per_step_arrays(r_, d_, v_, l_, m_, gamma)
    returns = rlax.n_step_bootstrapped_returns(r, disc, boot, n, lambda_t=cut,
                                               stop_target_gradients=True)
    return _finish(returns, v_, l_, m_)
  return jax.vmap(one)(rewards, discounts, values, last, mask)


def value_targets(rewards, discounts, values, last, mask, gamma: float,
                  td_lambda: float = 0.8, n_step: int = 0) -> np.ndarray:
  """Targets z [B, L] for sequences given as [B, L] arrays (see module doc)."""
  args = [jnp.asarray(a, jnp.float32) for a in (rewards, discounts, values, last, mask)]
  if n_step > 0:
    return np.asarray(_n_step_targets(*args, gamma=float(gamma), n=int(n_step)))
  return np.asarray(_lambda_targets(*args, gamma=float(gamma), td_lambda=float(td_lambda)))


@functools.partial(jax.jit, static_argnames=("size",))
def _two_hot(x, size):
  return rlax.transform_to_2hot(rlax.signed_hyperbolic(x, 0.01), -float(size), float(size),
                                2 * size + 1)


def two_hot(x: np.ndarray, size: int) -> np.ndarray:
  """Raw scalars [...] -> two-hot over the h-scale support [..., 2 size + 1]."""
  return np.asarray(_two_hot(jnp.asarray(x, jnp.float32), size=int(size)))
