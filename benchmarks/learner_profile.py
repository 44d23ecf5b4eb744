"""Where a learner step's time goes, one TF thread, synthetic batches.

    ./run.sh bench learner_profile --config=configs/minatar.py [--set=learner.batch_size=16 ...]

Prints one JSON line: ms per call of the representation, dynamics and
prediction (forward, batch B), the K-step unroll forward and forward +
backward, the compiled loss-and-gradients function (targets, unroll batch,
loss, gradients), Adam's update, one moving average and the whole step, each
with and without XLA; then the cost of one 3x3 convolution of the config's
latent shape at batch B and 6B in float32 and bfloat16, with the default
(oneDNN) kernels and with XLA, in GFLOP/s.
"""
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# learner_throughput defines --config (and its other flags) for this script too.
from learner_throughput import CONFIG, SETS, as_sample, load_config, synthetic_sequences  # noqa: E402

CALLS = flags.DEFINE_integer("calls", 30, "Timed calls per measurement.")


def timed(fn, calls):
  for _ in range(3):
    fn()
  start = time.perf_counter()
  for _ in range(calls):
    fn()
  return round(1e3 * (time.perf_counter() - start) / calls, 3)


def profile_step(config_path, jit, calls):
  import tensorflow as tf
  from pipeline.envs import registry
  from pipeline.learner.learner import Learner
  from pipeline.parts import learner_from
  from pipeline.learner.train_step import moving_average, random_draws, unroll
  config, _ = load_config(config_path, [*SETS.value, f"learner.jit_compile={jit}"])
  env = registry.make_from_config(config, seed=0)
  obs_spec, num_actions = env.observation_spec(), env.action_spec().num_values
  shape = tuple(obs_spec.shape)
  data = synthetic_sequences(config, shape, obs_spec.dtype, num_actions,
                             np.random.default_rng(0))
  learner = Learner(learner_from(config), shape, num_actions, tempfile.mkdtemp(), None)
  net, b, k = learner.network, config.learner.batch_size, config.learner.unroll_steps
  obs = tf.constant(np.random.default_rng(1).random((b,) + shape), tf.float32)
  actions = tf.zeros([b, k], tf.int32)
  latent = net.representation(obs)

  def forward_backward():
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(unroll(net, obs, actions, 0.5)[0])
    return tape.gradient(loss, net.trainable_variables)

  fn = lambda f: tf.function(f, jit_compile=jit)
  sample = as_sample(data)
  seq, step = sample.data, learner.train_step
  uniform, random_actions = random_draws(0, learner.step, b, config.replay.sequence_length, k,
                                         1, num_actions)
  grads_fn = lambda: step._grads(seq, tf.ones([b]), uniform, random_actions, tf.constant(float(b)))
  grads = grads_fn()[0]
  apply = tf.function(lambda: learner.optimizer.apply_gradients(
      zip(grads, net.trainable_variables)))
  ema = fn(lambda: moving_average(tf.distribute.get_strategy(), learner.target_network.weights,
                                  net.weights, tf.constant(0.1)))
  return {
      "representation_forward": timed(fn(lambda: net.representation(obs)), calls),
      "dynamics_forward": timed(fn(lambda: net.dynamics(latent, actions[:, 0])), calls),
      "prediction_forward": timed(fn(lambda: net.predict(latent)), calls),
      "unroll_forward": timed(fn(lambda: unroll(net, obs, actions, 0.5)[0]), calls),
      "unroll_forward_backward": timed(fn(forward_backward), calls),
      "loss_and_gradients": timed(grads_fn, calls),
      "adam_update": timed(apply, calls),
      "one_moving_average": timed(ema, calls),
      "whole_step": timed(lambda: learner.learn_from(sample), calls),
  }


def conv_rates(latent_shape, batch):
  import tensorflow as tf
  h, w, c = latent_shape
  out = {}
  for dtype in (tf.float32, tf.bfloat16):
    for n in (batch, 6 * batch):
      x = tf.constant(np.random.rand(n, h, w, c), dtype)
      kernel = tf.constant(np.random.rand(3, 3, c, c), dtype)
      for name, jit in (("default", False), ("xla", True)):
        f = tf.function(lambda: tf.nn.conv2d(x, kernel, 1, "SAME"), jit_compile=jit)
        ms = timed(f, 200)
        out[f"{dtype.name}_batch{n}_{name}_gflops"] = round(n * h * w * c * c * 9 * 2 / ms / 1e6, 1)
  return out


def main(argv):
  del argv
  import tensorflow as tf
  tf.config.threading.set_intra_op_parallelism_threads(1)
  tf.config.threading.set_inter_op_parallelism_threads(1)
  result = {"config": CONFIG.value,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
  for jit in (False, True):
    result["xla" if jit else "default"] = profile_step(CONFIG.value, jit, CALLS.value)
  config, _ = load_config(CONFIG.value, SETS.value)
  from pipeline.envs import registry
  from pipeline.networks.muzero_net import make_network
  env = registry.make_from_config(config, seed=0)
  net = make_network(config, env.observation_spec().shape, env.action_spec().num_values)
  if len(net.latent_shape) == 3:  # a convolutional latent [H, W, C]
    result["conv3x3"] = conv_rates(net.latent_shape, config.learner.batch_size)
  print(json.dumps(result))


if __name__ == "__main__":
  app.run(main)
