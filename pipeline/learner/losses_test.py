"""The MuZero loss against a NumPy re-derivation; the gradient scaling."""
import numpy as np
import tensorflow as tf

from pipeline.learner import losses


def _log_softmax(x):
  x = x - x.max(-1, keepdims=True)
  return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _numpy_loss(v, r, p, tv, tr, tp, pm, w):
  """Written out with explicit loops over batch and unroll steps."""
  B, K1 = v.shape[:2]
  K = K1 - 1
  out = np.zeros(B)
  for b in range(B):
    for k in range(K1):
      scale = 1.0 if k == 0 else 1.0 / K
      out[b] += scale * w.value * -(tv[b, k] * _log_softmax(v[b, k])).sum()
      out[b] += scale * w.policy * pm[b, k] * -(tp[b, k] * _log_softmax(p[b, k])).sum()
      if k < K:
        out[b] += (1.0 / K) * w.reward * -(tr[b, k] * _log_softmax(r[b, k])).sum()
  return out


def test_muzero_loss_matches_numpy():
  rng = np.random.default_rng(0)
  B, K, Vb, Rb, A = 4, 5, 7, 5, 3
  probs = lambda *s: rng.dirichlet(np.ones(s[-1]), size=s[:-1]).astype(np.float32)
  v, r, p = (rng.normal(size=s).astype(np.float32) for s in ((B, K + 1, Vb), (B, K, Rb), (B, K + 1, A)))
  tv, tr, tp = probs(B, K + 1, Vb), probs(B, K, Rb), probs(B, K + 1, A)
  pm = (rng.random((B, K + 1)) > 0.3).astype(np.float32)
  w = losses.LossWeights(0.25, 1.0, 1.0)
  ours = losses.muzero_loss(*(tf.constant(x) for x in (v, r, p, tv, tr, tp, pm)), w)["total"]
  np.testing.assert_allclose(ours.numpy(), _numpy_loss(v, r, p, tv, tr, tp, pm, w), rtol=1e-5)


def test_scale_gradient_is_identity_forward_and_scales_backward():
  x = tf.constant([1.0, -2.0, 3.0])
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = losses.scale_gradient(x, 0.5)
    z = tf.reduce_sum(y * y)
  np.testing.assert_allclose(y.numpy(), x.numpy())
  np.testing.assert_allclose(tape.gradient(z, x).numpy(), 0.5 * 2 * x.numpy())
