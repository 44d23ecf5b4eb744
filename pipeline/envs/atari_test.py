"""The Atari env on real ROMs (ale-py 0.12): the PVE paper's Table 1 preprocessing."""
import csv
import os

import dm_env
import ml_collections
import numpy as np
import pytest

from ale_py import roms
from pipeline import config_schema
from pipeline.envs import atari, registry
from pipeline.envs.atari import AtariEnv, Resizer, _area_matrix

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def _play(env, actions, stop_at_last=True):
  out = [env.reset()]
  for a in actions:
    out.append(env.step(a))
    if stop_at_last and out[-1].last():
      break
  return out


def test_the_57_games_are_registered_by_rom_id():
  with open(os.path.join(DATA, "atari57_human_random_muzero.csv")) as f:
    games = [row["game"] for row in csv.DictReader(f)]
  assert sorted(atari.ATARI57) == sorted(games) and len(games) == 57
  names = registry.known_names()
  for g in games:
    assert f"Atari/{g}" in names
    assert roms.get_rom_path(g) is not None, g
  assert "pong" not in names  # only the prefixed names are registered


def test_specs_shapes_and_grayscale_96x96():
  env = registry.make("Atari/pong", seed=0)  # Table 1 defaults, 4 frames + 4 action planes
  assert env.frames_per_step == 4
  assert env.action_spec().num_values == 6  # Pong's minimal action set
  spec = env.observation_spec()
  assert spec.shape == (96, 96, 8) and spec.dtype == np.uint8
  ts = env.reset()
  assert ts.observation.shape == (96, 96, 8) and ts.observation.dtype == np.uint8
  assert ts.observation[..., 3].max() > 0              # the newest frame
  assert not ts.observation[..., :3].any()              # nothing before the first frame
  assert not ts.observation[..., 4:].any()              # no actions yet
  rgb = AtariEnv("pong", 0, grayscale=False, frame_stack=2, action_planes=False,
                 frame_size=(84, 80))
  assert rgb.reset().observation.shape == (84, 80, 6)
  assert rgb.observation_spec().shape == (84, 80, 6)
  full = AtariEnv("pong", 0, full_action_space=True)
  assert full.action_spec().num_values == 18


def test_action_planes_encode_the_actions_that_led_to_each_frame():
  env = AtariEnv("pong", 3, frame_stack=3, noop_max=0)
  env.reset()
  for a in (2, 5):
    obs = env.step(a).observation
  planes = obs[..., 3:]
  assert [int(planes[0, 0, k]) for k in range(3)] == [0, env.plane_value(2), env.plane_value(5)]
  assert env.plane_value(5) == 255 and env.plane_value(0) == round(255 / 6)
  assert (planes == planes[:1, :1]).all()  # constant planes


def test_frame_cap_is_a_truncation_with_discount_one():
  for training in (True, False):
    env = AtariEnv("pong", 1, training, noop_max=0, max_episode_frames=100)
    steps = _play(env, [0] * 1000)
    assert steps[-1].step_type == dm_env.StepType.LAST and steps[-1].discount == 1.0
    assert len(steps) - 1 == 25 and env.episode_frame_number == 100 and env.game_ended
    assert env.step(0).first()  # stepping after the end starts a new game
    assert env.episode_frame_number == 0
  # The cap counts the no-op frames too.
  env = AtariEnv("pong", 2, noop_max=30, max_episode_frames=100)
  steps = _play(env, [0] * 1000)
  assert len(steps) - 1 == -(-(100 - env.noops) // 4)
  assert steps[-1].discount == 1.0


def test_noop_starts_are_uniform_in_0_30_frames():
  env = AtariEnv("pong", 0)
  counts = []
  for _ in range(200):
    env.reset()  # a new game each time (no life was lost)
    assert env.episode_frame_number == env.noops  # no-ops are raw frames
    counts.append(env.noops)
  assert min(counts) == 0 and max(counts) == 30 and len(set(counts)) == 31
  env = AtariEnv("pong", 0, noop_max=0)
  env.reset()
  assert env.noops == 0 and env.episode_frame_number == 0


def _until_last(env, rng, limit=5000):
  """Random actions until the episode ends (from a reset, or the current step)."""
  for _ in range(limit):
    ts = env.step(rng.integers(env.num_actions))
    if ts.last():
      return ts
  raise AssertionError("no episode end")


def test_life_loss_ends_episodes_only_while_training():
  rng = np.random.default_rng(0)
  env = AtariEnv("breakout", 0, training=True, noop_max=0)
  env.reset()
  ts = _until_last(env, rng)
  assert ts.discount == 0.0 and env.lives == 4 and not env.game_ended
  frame = env.episode_frame_number
  ts = env.reset()  # the same game goes on: no ALE reset, no no-ops
  assert ts.first() and env.episode_frame_number == frame and env.lives == 4
  assert ts.observation[..., 3].any() and not ts.observation[..., :3].any()
  ends = 1
  while not env.game_ended:
    ts = _until_last(env, rng)  # each step after an end restarts (dm_env)
    ends += 1
  assert ends == 5 and env.lives == 0 and ts.discount == 0.0
  env.reset()
  assert env.lives == 5 and env.episode_frame_number == 0  # a new game after the last life

  evaluation = AtariEnv("breakout", 0, training=False, noop_max=0)
  evaluation.reset()
  ts = _until_last(evaluation, np.random.default_rng(0))
  assert ts.discount == 0.0 and evaluation.lives == 0 and evaluation.game_ended
  # Training can also play full games.
  off = AtariEnv("breakout", 0, training=True, noop_max=0, terminal_on_life_loss=False)
  off.reset()
  _until_last(off, np.random.default_rng(0))
  assert off.lives == 0 and off.game_ended


def test_area_resize_against_brute_force():
  v = np.random.default_rng(0).random(210)
  np.testing.assert_allclose(_area_matrix(210, 96) @ v, np.repeat(v, 96).reshape(96, 210).mean(1),
                             atol=1e-6)
  r = Resizer((96, 96))
  for shape in ((210, 160), (210, 160, 3)):
    x = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    dense = np.einsum("hr,rc...,wc->hw...", r.row_matrix.astype(np.float64), x.astype(np.float64),
                      r.col_matrix.astype(np.float64), optimize=True)
    assert np.abs(r(x) - dense).max() <= 0.5 + 1e-3
  assert (r(np.full((210, 160), 255, np.uint8)) == 255).all()


@pytest.mark.parametrize("pool", [1, 2, 4])
def test_observation_is_the_max_over_the_last_n_repeat_frames(pool):
  # Asteroids draws its sprites on alternate frames: the max-pool matters.
  env = AtariEnv("asteroids", 5, noop_max=0, frame_stack=1, action_planes=False,
                 max_pool_frames=pool)
  env.reset()
  for a in (1, 2, 3, 0, 4):
    env.step(a)
  state = env.get_state()
  got = env.step(2).observation[..., 0]
  env.set_state(state)
  ale = env._ale  # pylint: disable=protected-access
  screens = []
  for _ in range(4):
    ale.act(env._actions[2])  # pylint: disable=protected-access
    screens.append(ale.getScreenGrayscale())
  expected = Resizer((96, 96))(np.max(screens[-pool:], axis=0))
  np.testing.assert_array_equal(got, expected)
  assert got.shape == (96, 96)
  if pool == 4:
    assert not np.array_equal(got, Resizer((96, 96))(screens[-1]))


def test_seeded_determinism():
  actions = np.random.default_rng(0).integers(0, 9, 150)
  def run(seed):
    env = AtariEnv("ms_pacman", seed, max_episode_frames=400)
    out = _play(env, actions, stop_at_last=False)  # crosses game resets
    return [ts.observation for ts in out], [ts.reward for ts in out], [int(ts.step_type) for ts in out]
  a, b = run(7), run(7)
  for x, y in zip(a[0], b[0]):
    np.testing.assert_array_equal(x, y)
  assert a[1:] == b[1:]
  assert sum(r or 0.0 for r in a[1]) > 0  # something happened
  def noops(seed):
    env = AtariEnv("pong", seed)
    out = []
    for _ in range(5):
      env.reset()
      out.append(env.noops)
    return out
  assert noops(1) == noops(1) and noops(1) != noops(2)


def test_sticky_actions_off_unless_asked():
  assert AtariEnv("pong", 0)._ale.getFloat("repeat_action_probability") == 0.0
  sticky = AtariEnv("pong", 0, repeat_action_probability=0.25)
  assert sticky._ale.getFloat("repeat_action_probability") == 0.25


def test_state_restore():
  rng = np.random.default_rng(1)
  env = AtariEnv("breakout", 4, training=True)
  env.reset()
  for a in rng.integers(0, 4, 30):
    env.step(a)
  state = env.get_state()
  actions = rng.integers(0, 4, 60)
  first = [env.step(a) for a in actions]
  env.set_state(state)
  again = [env.step(a) for a in actions]
  for x, y in zip(first, again):
    assert (x.step_type, x.reward, x.discount) == (y.step_type, y.reward, y.discount)
    np.testing.assert_array_equal(x.observation, y.observation)


def test_config_keys_reach_the_env():
  c = config_schema.base_config()
  c.env.name = "Atari/pong"
  c.env.frame_stack = 2
  c.env.full_action_space = True
  kwargs = registry.env_kwargs(c)
  assert set(kwargs) == set(atari.CONFIG_KEYS) and kwargs["frame_size"] == (96, 96)
  env = registry.make_from_config(c, seed=0, training=False)
  assert env.observation_spec().shape == (96, 96, 4) and env.action_spec().num_values == 18
  assert not env.training
  c.env.name = "CartPole-v1"
  assert registry.env_kwargs(c) == {}
  # A round trip through JSON (lists for tuples), as a run's saved config.json.
  c2 = ml_collections.ConfigDict(c.to_dict())
  c2.env.name = "Atari/pong"
  c2.env.frame_size = [84, 84]
  assert registry.env_kwargs(c2)["frame_size"] == (84, 84)
