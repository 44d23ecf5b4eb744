"""Parameters published by one host and loaded by another: shapes must agree."""
import numpy as np
import pytest

from pipeline import config_schema
from pipeline.errors import PipelineError
from pipeline.networks.muzero_net import make_network
from pipeline.replay import variables


def _network(hidden=(16,), actions=2, obs=(4,)):
  c = config_schema.base_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = hidden, 8, 8
  return make_network(c, obs, actions)


def test_matching_weights_load():
  a, b = _network(), _network()
  variables.load_into(b, a.get_weights())
  for x, y in zip(a.get_weights(), b.get_weights()):
    np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("other, words", [
    (dict(actions=3), "has shape"),               # another action count
    (dict(obs=(6,)), "has shape"),                # another observation shape
    (dict(hidden=(16, 16)), "weight arrays"),     # another network
])
def test_a_mismatch_is_one_line_naming_it(other, words):
  theirs, mine = _network(**other), _network()
  before = [w.copy() for w in mine.get_weights()]
  with pytest.raises(PipelineError, match=words) as e:
    variables.load_into(mine, theirs.get_weights())
  assert "\n" not in str(e.value) and "same config" in str(e.value)
  for x, y in zip(before, mine.get_weights()):  # nothing half-loaded
    np.testing.assert_array_equal(x, y)
