"""V-trace returns in TensorFlow (in-graph), for the past-policies loss.

For one sequence of L steps (fields as in pipeline/replay/spec.py), a value
estimate V_t and importance ratios rho_t = pi(a_t | s_t) / mu(a_t | s_t):

  vs_t = V_t + delta_t + gamma_t c_t (vs_{t+1} - V_{t+1}),
  delta_t = min(rho_bar, rho_t) (r_t + gamma_t V_{t+1} - V_t),
  c_t = lambda min(c_bar, rho_t),   gamma_t = discount * d_t

(Espeholt et al. 2018). A step with no transition after it (an episode's last
step, padding, the sequence's end) keeps vs_t = V_t; padding gets 0.
rlax.vtrace is the oracle in the tests.
"""
import tensorflow as tf


def vtrace_returns(values, rewards, discounts, rhos, valid, lambda_: float = 1.0,
                   clip_rho: float = 1.0, clip_c: float = 1.0):
  """V-trace targets vs, [..., L] for inputs [..., L] (time last).

  values V_t; rewards r_t; discounts gamma * d_t; rhos the unclipped ratios;
  valid 1 where step t has a transition to t+1 inside the sequence.
  """
  next_values = tf.concat([values[..., 1:], tf.zeros_like(values[..., :1])], axis=-1)
  valid = tf.cast(valid, values.dtype)
  deltas = valid * tf.minimum(clip_rho, rhos) * (rewards + discounts * next_values - values)
  cs = valid * lambda_ * tf.minimum(clip_c, rhos) * discounts
  # Backward recursion over time: acc_t = delta_t + c_t gamma_t acc_{t+1}.
  time_major = lambda x: tf.transpose(x, [tf.rank(x) - 1] + list(range(x.shape.rank - 1)))
  acc = tf.scan(lambda acc, xs: xs[0] + xs[1] * acc, (time_major(deltas), time_major(cs)),
                initializer=tf.zeros_like(deltas[..., 0]), reverse=True)
  acc = tf.transpose(acc, list(range(1, acc.shape.rank)) + [0])
  return tf.stop_gradient(values + acc)
