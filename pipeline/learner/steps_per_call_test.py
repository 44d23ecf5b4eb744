"""learner.steps_per_call: k steps in one compiled call are the k steps one by one."""
import types

import numpy as np
import pytest
import tensorflow as tf

from pipeline import config_schema, parts
from pipeline.errors import PipelineError
from pipeline.analysis import run_files
from pipeline.learner.checkpointing_test import _sample
from pipeline.learner.learner import Learner


def _config(steps_per_call):
  c = config_schema.base_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (8,), 6, 6
  c.learner.batch_size, c.learner.num_steps = 4, 7
  c.learner.publish_every, c.learner.milestone_checkpoints = 3, 2   # milestones 4, 7
  c.learner.checkpoint_every_seconds = 1e9
  c.learner.steps_per_call = steps_per_call
  c.past_policies.enabled, c.past_policies.interval = True, 2   # a hook that reads the step
  return config_schema.validate(c)


def _run(tmp_path, steps_per_call, samples):
  c = _config(steps_per_call)
  tf.keras.utils.set_random_seed(0)  # the same initial networks
  learner = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  calls, published, after = [], [], []
  many = learner.train_step.many
  learner.train_step.many = lambda batches: calls.append(len(batches)) or many(batches)
  learner.publish = lambda: published.append(int(learner.step.numpy()))
  learner.run(samples, after_step=after.append)
  return learner, calls, published, after


def test_k_steps_per_call_give_the_parameters_of_k_single_steps(tmp_path):
  c = _config(1)
  rng = np.random.default_rng(0)
  samples = [_sample(c, rng) for _ in range(7)]
  one, one_calls, one_published, one_after = _run(tmp_path / "one", 1, samples)
  four, calls, published, after = _run(tmp_path / "four", 4, samples)
  assert one_calls == [] and int(one.step.numpy()) == int(four.step.numpy()) == 7
  # Calls end at the publishes (every 3 steps), the milestones (4, 7) and the last step:
  # steps 1-3, 4 (a milestone), 5-6, 7; the single steps go through __call__.
  assert calls == [3, 2]
  assert published == one_published == [0, 3, 6, 7]
  assert after == one_after == list(range(1, 8))
  assert [s for s, _ in run_files.list_checkpoints(str(tmp_path / "four"))] == [4, 7]
  for name in ("network", "target_network", "search_network"):
    for a, b in zip(getattr(one, name).get_weights(), getattr(four, name).get_weights()):
      np.testing.assert_array_equal(a, b)


def test_one_priority_update_per_call_keeps_the_later_steps_priority(tmp_path):
  c = _config(1)
  learner = Learner(parts.learner_from(c), (4,), 2, str(tmp_path), client=None)
  sent = []
  client = types.SimpleNamespace(mutate_priorities=lambda table, updates: sent.append(updates))
  learner.conn = types.SimpleNamespace(call=lambda what, fn: fn(client))
  keys = [tf.constant([1, 2], tf.uint64), tf.constant([2, 3], tf.uint64)]
  priorities = [tf.constant([0.1, 0.2]), tf.constant([0.5, 0.7])]
  learner._mutate_priorities(keys, priorities)  # pylint: disable=protected-access
  assert sent == [{1: pytest.approx(0.1), 2: pytest.approx(0.5), 3: pytest.approx(0.7)}]


def test_steps_per_call_must_be_positive():
  c = _config(1)
  c.learner.steps_per_call = 0
  with pytest.raises(PipelineError, match="learner.steps_per_call=0"):
    config_schema.validate(c)
