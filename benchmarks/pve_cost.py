"""The past-policies loss's extra cost per learner step, both timed in one run.

    ./run.sh bench pve_cost [--config=configs/cartpole.py] [--steps=100] [--heads_per_step=8] \
        [--sequences_per_step=16]

Builds one learner with the loss on and a full buffer of stored heads, then
times the same learner step (the whole compiled update) with
the extra loss and without it, alternating blocks to share machine noise.
Prints one JSON line: ms per step with and without, and their ratio.
"""
import importlib.util
import json
import platform
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

from pipeline import parts
from pipeline.learner.learner import Learner
from pipeline.learner.train_step import TrainStep
from pipeline.envs import registry

CONFIG = flags.DEFINE_string("config", "configs/cartpole.py", "Run config file.")
STEPS = flags.DEFINE_integer("steps", 100, "Timed steps per variant.")
SIZE = flags.DEFINE_integer("size", 128, "Stored heads (the paper: 128).")
HEADS = flags.DEFINE_integer("heads_per_step", 0, "Heads evaluated per step (0: all).")
SEQUENCES = flags.DEFINE_integer("sequences_per_step", 0, "Sequences the loss is computed on (0: all).")


class _Info:
  def __init__(self, batch):
    self.probability = tf.fill([batch], 1e-3)
    self.table_size = tf.fill([batch], 1000)
    self.key = tf.zeros([batch], tf.uint64)


class _Sample:
  def __init__(self, data, batch):
    self.data, self.info = data, _Info(batch)


def synthetic_sample(config, obs_shape, num_actions, rng):
  b, l = config.learner.batch_size, config.replay.sequence_length
  data = {"observation": rng.random((b, l) + obs_shape).astype(np.float32),
          "action": rng.integers(0, num_actions, (b, l)).astype(np.int32),
          "reward": rng.random((b, l)).astype(np.float32),
          "discount": np.ones((b, l), np.float32),
          "policy": np.full((b, l, num_actions), 1 / num_actions, np.float32),
          "behaviour": np.full((b, l), 1 / num_actions, np.float32),
          "value": rng.normal(size=(b, l)).astype(np.float32),
          "last": np.zeros((b, l), np.float32), "mask": np.ones((b, l), np.float32)}
  return _Sample({k: tf.constant(v) for k, v in data.items()}, b)


def main(argv):
  del argv
  tf.config.threading.set_intra_op_parallelism_threads(1)
  tf.config.threading.set_inter_op_parallelism_threads(1)
  spec = importlib.util.spec_from_file_location("cfg", CONFIG.value)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  config = module.get_config()
  config.past_policies.enabled = True
  config.past_policies.size = SIZE.value
  config.past_policies.heads_per_step = HEADS.value
  config.past_policies.sequences_per_step = SEQUENCES.value
  env = registry.make_from_config(config, seed=0)
  obs_shape, num_actions = env.observation_spec().shape, env.action_spec().num_values
  learner = Learner(parts.learner_from(config), obs_shape, num_actions, tempfile.mkdtemp(),
                    client=None)
  with_pve = learner.train_step
  for _ in range(config.past_policies.size):  # a full buffer of stored heads
    with_pve.auxiliary["past_policies"].push()
  without = TrainStep(parts.update_from(config), learner.network, learner.target_network,
                      learner.search_network, learner.optimizer, learner.step)  # no auxiliary loss
  sample = synthetic_sample(config, tuple(obs_shape), num_actions, np.random.default_rng(0))
  times = {"with": [], "without": []}
  for name, step in (("with", with_pve), ("without", without)):  # compile both
    learner.train_step = step
    for _ in range(3):
      learner.learn_from(sample)
  for block in range(10):
    for name, step in (("with", with_pve), ("without", without)):
      learner.train_step = step
      t = time.perf_counter()
      for _ in range(max(1, STEPS.value // 10)):
        learner.learn_from(sample)
      times[name].append((time.perf_counter() - t) / max(1, STEPS.value // 10))
  ms = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
  print(json.dumps({"config": CONFIG.value, "batch": config.learner.batch_size,
                    "stored_heads": config.past_policies.size,
                    "heads_per_step": HEADS.value or config.past_policies.size,
                    "sequences_per_step": SEQUENCES.value or config.learner.batch_size,
                    "ms_per_step_with_pve": round(ms["with"], 2),
                    "ms_per_step_without": round(ms["without"], 2),
                    "ratio": round(ms["with"] / ms["without"], 3),
                    "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores"}))


if __name__ == "__main__":
  app.run(main)
