"""The registry, seeding, episode ends and state save/restore of the small games."""
import numpy as np
import pytest

from pipeline.envs import registry
from pipeline.errors import PipelineError

GAMES = ["CartPole-v1", "LunarLander-v3", "MinAtar/Asterix", "MinAtar/Breakout", "MinAtar/Freeway",
         "MinAtar/Seaquest", "MinAtar/SpaceInvaders"]


def test_unknown_name_lists_known_ones():
  with pytest.raises(PipelineError) as e:
    registry.make("Nope-v0", seed=0)
  for name in GAMES:
    assert name in str(e.value)


def _rollout(env, actions):
  ts = env.reset()
  out = [ts.observation.copy()]
  for a in actions:
    ts = env.step(a)
    out.append(ts.observation.copy())
    if ts.last():
      break
  return np.stack(out)


@pytest.mark.parametrize("name", GAMES)
def test_seeded_reproducible_and_state_restore(name):
  env = registry.make(name, seed=7)
  actions = np.random.default_rng(0).integers(0, env.action_spec().num_values, 60)
  a = _rollout(env, actions)
  b = _rollout(registry.make(name, seed=7), actions)
  np.testing.assert_array_equal(a, b)
  assert a.shape[1:] == env.observation_spec().shape and a.dtype == np.float32
  # Save mid-episode, step on, restore, and the same steps give the same outcome.
  env.reset()
  for act in actions[:5]:
    env.step(act)
  state = env.get_state()
  first = [(t.reward, t.observation.copy()) for t in (env.step(x) for x in actions[5:15])]
  env.set_state(state)
  again = [(t.reward, t.observation.copy()) for t in (env.step(x) for x in actions[5:15])]
  for (r1, o1), (r2, o2) in zip(first, again):
    assert r1 == r2
    np.testing.assert_array_equal(o1, o2)


def test_cartpole_termination_has_discount_zero():
  env = registry.make("CartPole-v1", seed=0)
  env.reset()
  ts = env.step(0)
  while not ts.last():
    ts = env.step(0)   # always pushing left: the pole falls
  assert ts.discount == 0.0


def test_minatar_sticky_actions_come_from_the_config():
  from pipeline import config_schema
  config = config_schema.base_config()
  config.env.name = "MinAtar/Breakout"
  assert registry.make_from_config(config, seed=0)._env.sticky_action_prob == 0.1  # MinAtar's
  config.env.sticky_action_prob = 0.0
  env = registry.make_from_config(config, seed=0)
  assert env._env.sticky_action_prob == 0.0
  # Without sticky actions the action taken is the action given, every time: from one
  # saved state, action 1 (left) then action 3 (right) give two different futures.
  env.reset()
  state = env.get_state()
  futures = []
  for action in (1, 3):
    env.set_state(state)
    futures.append([env.step(action).observation.copy() for _ in range(3)])
  assert any((a != b).any() for a, b in zip(*futures))
