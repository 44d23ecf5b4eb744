"""Order-k VE and PVE losses in TensorFlow, for M models at once.

Both are one regression: loss_m = mean_b sum_s (T~_pi^k x - y)^2 with
  order-k VE (paper eq. 8/45): x = v, y = T_pi^k v (the environment's),
  PVE       (paper eq. 9/45): x = y = v_pi, k = 1.
Shapes: r [M, S, A], P [M, A, S, S], pi [M, B, S, A], x, y [M, B, S].
"""
import tensorflow as tf


def bellman_k(r, P, pi, x, k, gamma):
  """T~_pi^k x [M, B, S] under the models (r, P)."""
  M, A, S = P.shape[0], P.shape[1], P.shape[2]
  B = pi.shape[1]
  P_flat = tf.reshape(P, [M, A * S, S])
  pi_t = tf.transpose(pi, [0, 3, 2, 1])             # [M, A, S, B]
  r_t = tf.transpose(r, [0, 2, 1])[..., None]       # [M, A, S, 1]
  v = tf.transpose(x, [0, 2, 1])                    # [M, S, B]
  for _ in range(k):
    pv = tf.reshape(tf.matmul(P_flat, v), [M, A, S, B])
    v = tf.reduce_sum(pi_t * (r_t + gamma * pv), axis=1)
  return tf.transpose(v, [0, 2, 1])


def regression_loss(r, P, pi, x, y, k, gamma):
  """[M]: mean over the batch of sum over states of (T~_pi^k x - y)^2."""
  diff = bellman_k(r, P, pi, x, k, gamma) - y
  return tf.reduce_mean(tf.reduce_sum(tf.square(diff), axis=-1), axis=-1)


def ve_loss(r, P, pi, v, env_target, k, gamma):
  """[M] order-k VE loss; env_target = T_pi^k v in the environment."""
  return regression_loss(r, P, pi, v, env_target, k, gamma)


def pve_loss(r, P, pi, v_pi, gamma):
  """[M] PVE loss ||T~_pi v_pi - v_pi||^2 with v_pi the environment's value."""
  return regression_loss(r, P, pi, v_pi, v_pi, 1, gamma)
