"""Value targets inside the learner's compiled step (TensorFlow, XLA-friendly).

The same targets as pipeline/targets.py (rlax on the host; the tests use rlax
as the oracle), for sequences given as [B, L] tensors: reward r_t, discount
d_t, bootstrap value v_t, `last_t` and `mask_t` (pipeline/replay/spec.py).

TD(lambda):  z_t = r_t + gamma d_t ((1 - lambda_t) v_{t+1} + lambda_t z_{t+1}),
with z = v at an episode's last step and at the sequence's last step
(bootstrap), lambda_t = 0 just before a last step, and z = 0 on padding
(absorbing). n-step: rlax.n_step_bootstrapped_returns with the same cut.
"""
import tensorflow as tf


def _shifted(rewards, discounts, values, last, mask, gamma):
  """The per-transition inputs [B, L - 1]: reward, discount, bootstrap, lambda cut."""
  r = rewards[:, :-1] * mask[:, :-1]
  disc = gamma * discounts[:, :-1] * mask[:, :-1] * (1.0 - last[:, :-1])
  return r, disc, values[:, 1:], 1.0 - last[:, 1:]


def _finish(returns, values, last, mask):
  z = tf.concat([returns, values[:, -1:]], axis=1)
  return tf.where(last > 0, values, z) * mask


def lambda_targets(rewards, discounts, values, last, mask, gamma: float,
                   td_lambda: float) -> tf.Tensor:
  """TD(lambda) targets z [B, L] (module doc); a backward loop over the static L."""
  r, disc, boot, cut = _shifted(rewards, discounts, values, last, mask, gamma)
  lam = td_lambda * cut
  g = boot[:, -1]
  out = []
  for t in reversed(range(r.shape[1])):
    g = r[:, t] + disc[:, t] * ((1.0 - lam[:, t]) * boot[:, t] + lam[:, t] * g)
    out.append(g)
  returns = tf.stack(out[::-1], axis=1) if out else tf.zeros_like(values[:, :0])
  return _finish(returns, values, last, mask)


def n_step_targets(rewards, discounts, values, last, mask, gamma: float, n: int) -> tf.Tensor:
  """n-step targets z [B, L], as rlax.n_step_bootstrapped_returns (lambda_t = the cut)."""
  r, disc, boot, lam = _shifted(rewards, discounts, values, last, mask, gamma)
  b, t = tf.shape(r)[0], r.shape[1]
  pad = lambda x, value, size: tf.concat([x, tf.fill([b, size], value)], axis=1)
  tail = lambda x, size: tf.repeat(x[:, -1:], size, axis=1)
  targets = tf.concat([boot[:, n - 1:], tail(boot, min(n - 1, t))], axis=1)
  r, disc, lam = pad(r, 0.0, n - 1), pad(disc, 1.0, n - 1), pad(lam, 1.0, n - 1)
  boot = tf.concat([boot, tail(boot, n - 1)], axis=1)
  for i in reversed(range(n)):
    s = slice(i, i + t)
    targets = r[:, s] + disc[:, s] * ((1.0 - lam[:, s]) * boot[:, s] + lam[:, s] * targets)
  return _finish(targets, values, last, mask)


def value_targets(rewards, discounts, values, last, mask, gamma: float, td_lambda: float,
                  n_step: int = 0) -> tf.Tensor:
  """z [B, L]: n-step targets if n_step > 0, else TD(lambda)."""
  if n_step > 0:
    return n_step_targets(rewards, discounts, values, last, mask, gamma, n_step)
  return lambda_targets(rewards, discounts, values, last, mask, gamma, td_lambda)
