"""The config check names the key of a value that cannot work."""
import re

import pytest

from pipeline import config_schema
from pipeline.tabular import config as tabular_config
from pipeline.errors import PipelineError


@pytest.mark.parametrize("key,value,words", [
    ("replay.kind", "lifo", "config.replay.kind='lifo'"),
    ("learner.batch_size", 0, "config.learner.batch_size=0"),
    ("discount", 1.5, "config.discount=1.5"),
    ("replay.sequence_overlap", 2, "sequence_overlap"),
    ("learner.stop_after_seconds", -60.0, "config.learner.stop_after_seconds=-60.0; must be >= 0"),
    ("search.acting_epsilon_schedule", ((0.1, 0.5),), "acting_epsilon_schedule=((0.1, 0.5),)"),
    ("search.acting_epsilon_schedule", ((0.0, 0.5), (0.3, 1.5)), "values >= 0, <= 1"),
    ("search.acting_epsilon_schedule", ((0.0, 0.5), (0.6, 0.1), (0.3, 0.0)), "starts rising"),
    ("search.acting_epsilon_schedule", ((0.0, 0.5, 1.0),), "(start, value) pairs"),
    ("search.temperature_schedule", (), "temperature_schedule=()"),
    ("search.temperature_schedule", ((0.0, 1.0), (1.5, 0.5)), "at most 1"),
])
def test_validate_rejects(key, value, words):
  c = config_schema.base_config()
  section, _, leaf = key.rpartition(".")
  (c[section] if section else c)[leaf] = value
  with pytest.raises(PipelineError, match=re.escape(words)):
    config_schema.validate(c)


def test_defaults_and_shipped_configs_validate():
  import importlib.util, glob, os
  config_schema.validate(config_schema.base_config())
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  for path in glob.glob(os.path.join(root, "configs", "*.py")):
    spec = importlib.util.spec_from_file_location("cfg", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.get_config()
    if "learner" in config:  # MuZero run configs (studies differ)
      config_schema.validate(config)
    elif "model_space" in config:  # Four Rooms
      tabular_config.validate(config)


def test_race_config_picks_each_games_recipe():
  import importlib.util, os
  path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs",
                      "minatar_race.py")
  spec = importlib.util.spec_from_file_location("race", path)
  race = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(race)
  for game, name in race.GAMES.items():
    c = config_schema.validate(race.get_config(game))
    assert c.env.name == f"MinAtar/{name}"
    assert c.network.torso == ("resconv" if game == "asterix" else "convmlp")
    assert c.consistency.weight == (8.0 if game == "space_invaders" else 0.0)
  with pytest.raises(ValueError, match="expected one of"):
    race.get_config("pong")
