"""value_transform against rlax on random inputs."""
import numpy as np
import rlax
import tensorflow as tf

from pipeline.networks import value_transform as vt


def _random_scalars(n=2000, seed=0):
  rng = np.random.default_rng(seed)
  return (rng.standard_normal(n) * 10.0 ** rng.uniform(-2, 4, n)).astype(np.float32)


def test_h_matches_rlax_signed_hyperbolic():
  x = _random_scalars()
  np.testing.assert_allclose(vt.h(tf.constant(x)).numpy(),
                             np.asarray(rlax.signed_hyperbolic(x, 0.01)), rtol=1e-5, atol=1e-5)


def test_h_inverse_matches_rlax_signed_parabolic_and_inverts():
  y = _random_scalars(seed=1) / 50.0
  np.testing.assert_allclose(vt.h_inverse(tf.constant(y)).numpy(),
                             np.asarray(rlax.signed_parabolic(y, 0.01)), rtol=1e-4, atol=1e-3)
  x = _random_scalars(seed=2)
  back = vt.h_inverse(vt.h(tf.constant(x, tf.float64))).numpy()
  np.testing.assert_allclose(back, x, rtol=1e-6, atol=1e-6)


def test_two_hot_matches_rlax_on_the_h_scale():
  size = 20
  x = _random_scalars(seed=3) / 10.0
  ours = vt.scalar_to_two_hot(tf.constant(x), size).numpy()
  theirs = np.asarray(rlax.transform_to_2hot(
      rlax.signed_hyperbolic(x, 0.01), -float(size), float(size), 2 * size + 1))
  np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_two_hot_hand_example():
  # h(z) = 2.25 exactly for z with sqrt(z+1) - 1 + 0.01 z = 2.25; use h^-1.
  z = vt.h_inverse(tf.constant([2.25])).numpy()
  probs = vt.scalar_to_two_hot(tf.constant(z), 3).numpy()[0]
  expected = np.zeros(7)
  expected[3 + 2], expected[3 + 3] = 0.75, 0.25
  np.testing.assert_allclose(probs, expected, atol=1e-5)


def test_logits_to_scalar_inverts_two_hot():
  x = np.array([-30.0, -1.5, 0.0, 0.7, 12.0, 250.0], np.float32)
  probs = vt.scalar_to_two_hot(tf.constant(x), 20)
  logits = tf.math.log(probs + 1e-12)
  np.testing.assert_allclose(vt.logits_to_scalar(logits).numpy(), x, rtol=1e-3, atol=1e-3)
