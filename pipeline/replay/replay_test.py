"""Reverb round trip: sequences written across episode ends come back masked."""
import numpy as np
import pytest
import reverb

import tensorflow as tf

from pipeline import parts
from pipeline.learner.batch import all_starts, random_starts
from pipeline.replay import spec as spec_lib
from pipeline.replay import tables
from pipeline.replay.writer import SequenceWriter

L, OVERLAP, K = 6, 3, 2


def _replay_config(kind="queue"):
  return parts.ReplayConfig(kind=kind, max_size=1000, priority_exponent=1.0,
                            samples_per_insert=1.0, min_size_to_sample=1,
                            insert_error_buffer=1000, batch_size=8)


@pytest.fixture
def server_and_spec():
  step_spec = spec_lib.step_spec((2,), np.float32, 3)
  signature = spec_lib.sequence_signature(step_spec, L)
  server = reverb.Server([tables.replay_table(_replay_config(), signature)])
  yield server, step_spec
  server.stop()


def _step(episode, t, last=False):
  """A step whose observation encodes (episode, t)."""
  return {"observation": np.array([episode, t], np.float32), "action": np.int32(t % 3),
          "reward": np.float32(0.0 if last else 1.0), "discount": np.float32(1.0),
          "policy": np.full(3, 1 / 3, np.float32), "behaviour": np.float32(0.5),
          "value": np.float32(t),
          "last": np.float32(last), "mask": np.float32(1.0)}


def _drain(client, n):
  items = []
  for sample in client.sample(tables.REPLAY, num_samples=n, emit_timesteps=False,
                               unpack_as_table_signature=True):
    items.append({k: np.asarray(v) for k, v in sample.data.items()})
  return items


@pytest.mark.parametrize("episode_lengths", [(13, 4), (6, 1, 9), (3, 11), (2, 5, 7, 8, 10)])
def test_round_trip_across_episode_ends(server_and_spec, episode_lengths):
  server, step_spec = server_and_spec
  client = reverb.Client(f"localhost:{server.port}")
  writer = SequenceWriter(client, step_spec, L, OVERLAP, K, gamma=0.9, td_lambda=0.8,
                          priority_exponent=1.0)
  for e, n in enumerate(episode_lengths):
    for t in range(n):
      writer.append(_step(e, t))
    writer.append(_step(e, n, last=True))   # the final observation
    writer.end_episode()
  writer.flush()
  items = _drain(client, writer.items_written)
  startable, started = set(), []
  for item in items:
    real = item["mask"] > 0
    # Real steps form a prefix; padding is all zeros and masked.
    assert np.all(real[: real.sum()]) and not np.any(real[real.sum():])
    assert np.all(item["observation"][~real] == 0) and np.all(item["last"][~real] == 0)
    obs = item["observation"][real]
    # One episode per item, consecutive steps, ending at most at its last step.
    assert len(set(obs[:, 0])) == 1
    np.testing.assert_array_equal(np.diff(obs[:, 1]), 1)
    if item["last"][real].any():
      assert item["last"][real][-1] == 1 and item["last"][real].sum() == 1
    else:
      assert real.all()
    for s in np.flatnonzero(real[: L - K]):
      startable.add(tuple(obs[s].astype(int)))
    start, weight = all_starts(tf.constant(item["mask"][None]), L - OVERLAP)
    started += [tuple(item["observation"][s].astype(int))
                for s, w in zip(start.numpy()[0], weight.numpy()[0]) if w > 0]
  # Every real step (including the final observation) can start an unroll,
  # and the "all" rule starts each one exactly once over the stream of items.
  expected = {(e, t) for e, n in enumerate(episode_lengths) for t in range(n + 1)}
  assert startable == expected
  assert sorted(started) == sorted(expected)


def test_random_starts_only_real_steps_that_fit_an_unroll():
  mask = tf.constant([[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0]], tf.float32)
  rng = tf.random.Generator.from_seed(0)
  seen = [set() for _ in range(4)]
  for _ in range(200):
    start, weight = random_starts(mask, K, rng.uniform([4, L - K]))
    assert np.all(weight.numpy() == 1)
    for row, s in enumerate(start.numpy()[:, 0]):
      seen[row].add(int(s))
  assert seen == [{0, 1, 2, 3}, {0, 1}, {0}, {0}]
