"""Reanalyse: which fields change, and a worker round trip through Reverb."""
import numpy as np
import pytest
import reverb

from pipeline import config_schema, parts
from pipeline.actors import reanalyse
from pipeline.actors.model_fns import ModelFns
from pipeline.parts import search_from as search_config
from pipeline.errors import PipelineError
from pipeline.learner.learner import Learner
from pipeline.networks.muzero_net import make_network
from pipeline.replay import spec as spec_lib
from pipeline.replay import tables, variables
from pipeline.replay.dataset import learner_dataset
from pipeline.replay.writer import SequenceWriter

A = 2


def _fake_search(obs):
  """Policy (0.25, 0.75) and value 100 + obs[0] for every observation."""
  n = len(obs)
  return np.tile([[0.25, 0.75]], (n, 1)), 100.0 + obs[:, 0]


def _sequences():
  """Two sequences of 5 steps, observation [t] (hand-written field by field)."""
  obs = np.arange(10, dtype=np.float32).reshape(2, 5, 1)
  return {
      "observation": obs,
      "action": np.zeros((2, 5), np.int32),
      "reward": np.ones((2, 5), np.float32),
      # seq 0: terminates after step 2 (last at 3), then padding at 4.
      # seq 1: opens on a truncated episode's last step (0), then a new
      # episode truncated at 4 (a last step's discount: 0 terminated, 1 truncated).
      "discount": np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], np.float32),
      "policy": np.full((2, 5, A), 0.5, np.float32),
      "behaviour": np.full((2, 5), 0.5, np.float32),
      "value": np.array([[1, 2, 3, 0, 0], [7, 6, 5, 4, 9]], np.float32),
      "last": np.array([[0, 0, 0, 1, 0], [1, 0, 0, 0, 1]], np.float32),
      "mask": np.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], np.float32),
  }


def test_new_targets_on_real_steps_and_the_episode_end_rules():
  seq = _sequences()
  out = reanalyse.reanalyse_sequences(seq, _fake_search)
  # Hand-computed: new value 100 + observation; termination -> 0; truncated
  # last steps (also one that opens the sequence) bootstrap; padding keeps its value.
  np.testing.assert_allclose(out["value"], [[100, 101, 102, 0, 0], [105, 106, 107, 108, 109]])
  fresh = np.array([0.25, 0.75], np.float32)
  for i, t in np.argwhere(seq["mask"] > 0):
    np.testing.assert_allclose(out["policy"][i, t], fresh)
  np.testing.assert_allclose(out["policy"][0, 4], [0.5, 0.5])  # padding
  for k in ("observation", "action", "reward", "discount", "behaviour", "last", "mask"):
    np.testing.assert_array_equal(out[k], seq[k])


def _config():
  c = config_schema.base_config()
  c.network.hidden_sizes = (16,)
  c.network.latent_size = 8
  c.network.head_hidden = 8
  c.search.num_simulations = 4
  c.replay.sequence_length = 8
  c.replay.sequence_overlap = 5
  c.replay.max_size = 100
  c.replay.min_size_to_sample = 4
  c.learner.batch_size = 8
  c.reanalyse.batch_size = 4
  c.reanalyse.min_size_to_sample = 4
  return config_schema.validate(c)


def test_validation_of_reanalyse_settings():
  c = _config()
  assert config_schema.reanalysed_batch_size(c) == 4
  c.replay.kind = "queue"
  with pytest.raises(PipelineError, match="reanalyse.enabled=True needs"):
    config_schema.validate(c)
  c = _config()
  c.reanalyse.fraction = 1.0
  with pytest.raises(PipelineError, match="reanalyse.fraction"):
    config_schema.validate(c)
  c.reanalyse.enabled = False
  config_schema.validate(c)
  assert config_schema.reanalysed_batch_size(c) == 0


def test_worker_uses_target_parameters_and_feeds_the_learner(tmp_path):
  c = _config()
  step_spec = spec_lib.step_spec((4,), np.float32, A)
  signature = spec_lib.sequence_signature(step_spec, c.replay.sequence_length)
  server = reverb.Server(tables.server_tables(parts.replay_from(c), signature))
  address = f"localhost:{server.port}"
  client = reverb.Client(address)
  try:
    rng = np.random.default_rng(0)
    writer = SequenceWriter(client, step_spec, c.replay.sequence_length,
                            c.replay.sequence_overlap, c.learner.unroll_steps, c.discount,
                            c.learner.td_lambda, 1.0, also_to=(tables.REANALYSE_SOURCE,))
    for _ in range(3):
      for t in range(12):
        writer.append({"observation": rng.normal(size=4).astype(np.float32),
                       "action": np.int32(t % A), "reward": np.float32(1),
                       "discount": np.float32(1), "policy": np.full(A, 0.5, np.float32),
                       "behaviour": np.float32(0.5), "value": np.float32(0),
                       "last": np.float32(t == 11), "mask": np.float32(1)})
      writer.end_episode()
    writer.flush()
    info = client.server_info()
    assert info[tables.REPLAY].current_size == info[tables.REANALYSE_SOURCE].current_size > 0

    # Target parameters differ from anything else the worker could use.
    target = make_network(c, (4,), A)
    target.set_weights([w + rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
                        for w in target.get_weights()])  # away from the ~0 initial values
    variables.publish(client, 7, target.get_weights(), tables.TARGET_VARIABLES)
    worker = reanalyse.ReanalyseWorker(parts.reanalyse_from(c), 0, client, address, str(tmp_path),
                                       make_network(c, (4,), A))
    calls = []
    worker.run(should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert worker.version == 7 and worker.sequences >= c.reanalyse.batch_size
    assert client.server_info()[tables.REANALYSED].current_size == worker.sequences

    # The stored values are the target network's search values (the oracle: a
    # fresh search with those weights on the same observations).
    item = next(client.sample(tables.REANALYSED, num_samples=1, emit_timesteps=False,
                              unpack_as_table_signature=True))
    seq = {k: np.asarray(v)[None] for k, v in item.data.items()}
    real = (seq["mask"][0] > 0) & (seq["last"][0] == 0)
    expected = ModelFns(target).search(seq["observation"][0], search_config(c))
    np.testing.assert_allclose(seq["value"][0][real], expected.root_value[real], rtol=1e-4,
                               atol=1e-4)
    assert not np.allclose(seq["value"][0][real], 0.0)

    # The learner takes half its batch from each table and trains on both.
    learner = Learner(parts.learner_from(c), (4,), A, str(tmp_path / "learner"), client)
    pair = next(iter(learner_dataset(address, parts.replay_from(c), timeout_ms=5_000)))
    assert [len(p.data["mask"]) for p in pair] == [4, 4]
    metrics = learner.learn_from(pair)
    assert np.isfinite(metrics["loss/optimised"]) and int(learner.step.numpy()) == 1
    learner.publish()  # the search parameters for actors, the target ones for workers
    assert variables.latest(client, table=tables.TARGET_VARIABLES)[0] == 1
  finally:
    server.stop()
