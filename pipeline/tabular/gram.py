"""The order-1 regression loss over a whole data set, exactly, at a cost that
does not grow with the data set (for the PVE classes of Figure 4a).

With k = 1 the residual of pair i at state s is linear in the model's row s:
  T~_pi x (s) - y(s) = phi_i(s) . theta(s) - y_i(s),
  theta(s) = [r~(s, .), P~_0(s, :), ..., P~_{A-1}(s, :)]            F = A + A*S numbers,
  phi_i(s) = [pi_i(.|s), gamma pi_i(0|s) x_i, ..., gamma pi_i(A-1|s) x_i].
The environment's model theta* fits every pair exactly (the targets are its
own: y = T_pi x, or x = y = v_pi), so the loss of losses.regression_loss over
all N pairs is
  mean_i sum_s (phi_i(s) . (theta(s) - theta*(s)))^2 = sum_s d(s)' G(s) d(s),
  d = theta - theta*,  G(s) = mean_i phi_i(s) phi_i(s)'   [S, F, F],
computed once; a full-batch step then costs S F^2 per model (no cancellation:
the loss is a quadratic form in d).

  statistics(pi [N, S, A], x [N, S], gamma) -> G [S, F, F]
  theta(r [M, S, A], P [M, A, S, S]) -> [M, S, F] (a tensor)
  exact_loss(theta_models [M, S, F], theta_star [S, F], G) -> [M]   (TF)
"""
import numpy as np
import tensorflow as tf

from pipeline.errors import PipelineError


def statistics(pi, x, gamma, chunk=2000):
  """G [S, F, F] (float64) of the pairs (pi [N, S, A], x [N, S])."""
  pi, x = np.asarray(pi, np.float64), np.asarray(x, np.float64)
  N, S, A = pi.shape
  G = np.zeros((S, A + A * S, A + A * S))
  for lo in range(0, N, chunk):
    p, v = pi[lo:lo + chunk], x[lo:lo + chunk]
    for s in range(S):
      phi = np.concatenate([p[:, s, :], gamma * (p[:, s, :, None] * v[:, None, :]).reshape(len(p), A * S)],
                           axis=1)                                   # [n, F]
      G[s] += phi.T @ phi
  return G / N


def theta(r, P):
  """[M, S, F] tensor: each model's rows, rewards then the A transition rows
  (r [M, S, A], P [M, A, S, S], numpy or TF)."""
  M, A, S = P.shape[0], P.shape[1], P.shape[2]
  return tf.concat([r, tf.reshape(tf.transpose(P, [0, 2, 1, 3]), [M, S, A * S])], axis=-1)


def exact_loss(theta_models, theta_star, G):
  """[M]: sum_s d(s)' G(s) d(s) with d = theta_models - theta_star. Its
  gradient 2 G d reuses the forward pass's G d (one batched matmul a step, not three)."""

  @tf.custom_gradient
  def quadratic(d):
    Gd = tf.einsum("sfg,msg->msf", G, d)
    return tf.einsum("msf,msf->m", d, Gd), lambda up: 2.0 * up[:, None, None] * Gd

  return quadratic(theta_models - theta_star[None])


def check_consistent(pi, x, y, mdp, tol=1e-6):
  """Raises PipelineError unless the environment's model fits every pair (y = T_pi x)."""
  P_pi = np.einsum("nsa,ast->nst", pi, mdp.P)
  fitted = np.sum(pi * mdp.r[None], -1) + mdp.gamma * np.einsum("nst,nt->ns", P_pi, x)
  worst = float(np.max(np.abs(fitted - y)))
  if worst > tol:
    raise PipelineError(f"the exact loss needs targets the environment fits (y = T_pi x); "
                        f"they differ by up to {worst:.3g}")
