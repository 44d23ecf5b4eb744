"""LunarLander-v3: the dm_env contract and exact state restore.

The oracle is a raw gymnasium env that is never restored: it steps the same
actions from reset(seed) and resets itself (unseeded) after an episode end,
as the dm_env wrapper does.
"""
import pickle
import subprocess
import sys

import gymnasium
import numpy as np
import pytest
from gymnasium.envs.box2d.lunar_lander import heuristic

from pipeline import config_schema
from pipeline.envs import registry

NAME = "LunarLander-v3"
REPO = __file__.rsplit("/pipeline/", 1)[0]


def _oracle(seed, actions, limit=0):
  """[(obs, reward, terminated, truncated)] per action; reward None after a reset."""
  env = gymnasium.make(NAME, **({"max_episode_steps": limit} if limit else {}))
  env.reset(seed=seed)
  out, ended = [], False
  for a in actions:
    if ended:
      obs, _ = env.reset()
      out.append((obs, None, False, False))
      ended = False
      continue
    obs, reward, terminated, truncated, _ = env.step(int(a))
    out.append((obs, reward, terminated, truncated))
    ended = terminated or truncated
  return out


def _play(env, actions):
  """The same tuples from our env's timesteps."""
  out = []
  for a in actions:
    ts = env.step(a)
    last = ts.last()
    out.append((ts.observation, ts.reward, last and ts.discount == 0.0,
                last and ts.discount == 1.0))
  return out


def _assert_same(got, want):
  assert len(got) == len(want)
  for k, ((o1, r1, t1, u1), (o2, r2, t2, u2)) in enumerate(zip(got, want)):
    assert o1.dtype == np.float32 and o1.tobytes() == np.asarray(o2, np.float32).tobytes(), k
    assert (r1, t1, u1) == (r2, t2, u2), k


def _tail(rng):
  """Random thrust, then the engines off: the lander crashes or comes to rest
  (the episode ends), then random thrust in the next episode."""
  return [int(a) for a in rng.integers(0, 4, 60)] + [0] * 120 + [int(a) for a in rng.integers(0, 4, 70)]


@pytest.fixture(scope="module")
def flying():
  """1000 actions of gymnasium's heuristic pilot with 20% random actions from
  reset(seed=0): the lander stays up until the time limit (checked)."""
  env = gymnasium.make(NAME)
  obs, _ = env.reset(seed=0)
  rng, actions = np.random.default_rng(0), []
  while True:
    a = heuristic(env.unwrapped, obs) if rng.random() > 0.2 else int(rng.integers(4))
    obs, _, terminated, truncated, _ = env.step(a)
    actions.append(int(a))
    if terminated or truncated:
      break
  assert len(actions) == 1000 and truncated and not terminated
  return actions


def test_specs_and_episode_ends(flying):
  env = registry.make(NAME, seed=0)
  assert env.observation_spec().shape == (8,) and env.observation_spec().dtype == np.float32
  assert env.action_spec().num_values == 4
  first = env.reset()
  assert first.first() and first.reward is None
  for a in flying[:-1]:
    assert env.step(a).mid()
  end = env.step(flying[-1])   # the time limit: truncation, discount 1
  assert end.last() and end.discount == 1.0
  assert env.step(0).first()   # the next episode
  ts = env.step(0)
  while not ts.last():         # no engine: the lander crashes
    ts = env.step(0)
  assert ts.discount == 0.0 and ts.reward == -100


def test_episodes_equal_gymnasiums_and_are_seeded(flying):
  actions = flying[:300] + _tail(np.random.default_rng(1)) + _tail(np.random.default_rng(2))
  env, again = registry.make(NAME, seed=0), registry.make(NAME, seed=0)
  env.reset(), again.reset()
  got = _play(env, actions)
  _assert_same(got, _oracle(0, actions))
  assert sum(t for _, _, t, _ in got) >= 2
  _assert_same(_play(again, actions), got)
  other = registry.make(NAME, seed=1).reset().observation
  assert other.tobytes() != registry.make(NAME, seed=0).reset().observation.tobytes()


@pytest.mark.parametrize("depth", [0, 1, 60, 250, 600, 999])
def test_restore_then_any_actions_equal_the_never_restored_env(flying, depth):
  rng = np.random.default_rng(depth)
  prefix = flying[:depth]
  original = registry.make(NAME, seed=0)
  original.reset()
  _play(original, prefix)
  state = original.get_state()
  elsewhere = registry.make(NAME, seed=5)   # another env, in another episode
  elsewhere.reset()
  _play(elsewhere, rng.integers(0, 4, 30))
  on_the_way = registry.make(NAME, seed=0)  # its actions are a prefix of the state's
  on_the_way.reset()
  _play(on_the_way, prefix[:depth // 2])
  crossed = 0
  for _ in range(3):
    tail = _tail(rng)
    want = _oracle(0, prefix + tail)[depth:]
    crossed += any(t or u for _, _, t, u in want)
    for env in (elsewhere, original, on_the_way):
      env.set_state(state)
      _assert_same(_play(env, tail), want)
  assert crossed == 3


def test_restore_across_the_time_limit_from_the_config():
  config = config_schema.base_config()
  config.env.name, config.env.max_episode_steps = NAME, 40
  env = registry.make_from_config(config, seed=2)
  env.reset()
  _play(env, [0] * 30)
  state = env.get_state()
  tail = [0] * 10 + [2] * 20   # truncation at step 40 (discount 1), then a new episode
  want = _oracle(2, [0] * 30 + tail, limit=40)[30:]
  assert want[9][3] and not want[9][2]
  _assert_same(_play(env, tail), want)
  restored = registry.make(NAME, seed=9, max_episode_steps=40)
  restored.set_state(state)   # never reset: the restore does it
  _assert_same(_play(restored, tail), want)


_CHILD = """
import pickle, sys
from pipeline.envs import registry
state, tail = pickle.loads(bytes.fromhex(sys.argv[1]))
env = registry.make("LunarLander-v3", seed=1)
env.set_state(state)
print(b"".join(env.step(a).observation.tobytes() for a in tail).hex())
"""


def test_a_state_restores_the_same_in_another_process(flying):
  env = registry.make(NAME, seed=0)
  env.reset()
  _play(env, flying[:200])
  state, tail = env.get_state(), [2, 2, 1, 3, 0] * 8
  here = b"".join(o.tobytes() for o, _, _, _ in _play(env, tail)).hex()
  proc = subprocess.run([sys.executable, "-c", _CHILD, pickle.dumps((state, tail)).hex()],
                        cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
  assert proc.stdout.strip() == here


def test_restoring_the_current_state_changes_nothing(flying):
  env = registry.make(NAME, seed=0)
  env.reset()
  _play(env, flying[:100])
  state = env.get_state()
  env.set_state(state)
  assert env.get_state() == state
  ts = env.step(1)
  assert ts.mid() and env.get_state()[1] == state[1] + bytes([1])
