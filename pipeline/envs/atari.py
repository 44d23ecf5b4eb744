"""The Atari-57 games on ale-py 0.12 as dm_env environments ("Atari/pong", ...).

    env = registry.make("Atari/breakout", seed=0, training=True)      # Table 1 defaults
    env = registry.make("Atari/breakout", seed=0, training=False, frame_stack=4)
    env = registry.make_from_config(config, seed=0, training=True)    # config.env.* keys

Names are "Atari/<ale-py ROM id>", with the ids of the 57 games in
pipeline/data/atari57_human_random_muzero.csv ("Atari/ms_pacman",
"Atari/up_n_down"); the scoring code maps these names to the same ids. Only
this prefixed form is registered, so that the list of known names stays
readable (a plain "pong" is rejected with the list of known names).

The preprocessing is the PVE paper's Table 1 (pipeline/data/pve_paper_settings.md);
each row is a keyword argument with the paper's value as default, and the
same name as the config key (config.env.<name>) that sets it:

  noop_max=30                 start no-ops: uniform in [0, noop_max] raw frames of
                              action 0 (NOOP) after every game reset (as the DQN
                              protocol: baselines' NoopResetEnv, dqn_zoo)
  terminal_on_life_loss=True  while training (training=True) a lost life ends the
                              episode (termination, discount 0); the next reset()
                              continues the same game (no ALE reset, no no-ops)
                              until the game is over. Evaluation (training=False)
                              always plays full games.
  full_action_space=False     the game's minimal action set; True: all 18 actions
  max_episode_frames=108_000  cap on ALE frames per game (no-op frames included),
                              30 minutes at 60 Hz; reaching it is a truncation
                              (discount 1). 0: no cap. It counts the whole game, so
                              with life-loss episodes it ends the game's last one.
  frame_size=(96, 96)         observation height, width (area interpolation)
  grayscale=True              the ALE's luminance; False: RGB (3 channels a frame)
  action_repeat=4             raw frames per agent step (`frames_per_step`)
  max_pool_frames=4           the observation is the pixel-wise max over the last N
                              raw frames of the action repeat (1 <= N <= repeat)
  frame_stack=4               frames in an observation (MuZero: 32)
  action_planes=True          also stack, per frame, a constant plane encoding the
                              action that led to it (MuZero's past-action planes)
  repeat_action_probability=0 sticky actions (ALE's setting); 0: none
  max_episode_steps=0         optional cap on agent steps per episode (truncation)

Observation: uint8 [H, W, frame_stack * C + (frame_stack if action_planes)],
C = 1 (grayscale) or 3 (RGB). Channels: the frames oldest to newest (C channels
each), then the action planes oldest to newest, plane k for the action taken
just before frame k, holding round(255 * (a + 1) / A) everywhere (A the number
of actions; 0: no action, i.e. before the episode began). A network divides the
whole observation by 255 (the "atari" torso does). At a restart, the stack holds
zeros (frames and actions) before the first frame.

Rewards are the game's own (unclipped). `frames_per_step` = action_repeat (the
actors count frames with it; the <= 30 no-op frames of a game are not in it).
`game_ended` is True after a last() timestep that ended the whole game (game
over or the frame cap), False after one that ended a life only: an actor that
wants full-game scores from training episodes sums returns until it is True.

Deterministic under a seed: the seed fixes the ALE's RNG and the no-op draws.
get_state/set_state clone and restore the emulator (with its RNG) and every
piece of Python state (frame stack, no-op RNG, counters).
"""
import copy
from typing import Sequence, Tuple

import dm_env
import numpy as np
from dm_env import specs

import ale_py
from ale_py import roms

from pipeline.envs import registry

ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)

# The Atari-57 benchmark by ale-py ROM id (the rows of
# pipeline/data/atari57_human_random_muzero.csv; a test checks they agree).
ATARI57 = (
    "alien", "amidar", "assault", "asterix", "asteroids", "atlantis", "bank_heist",
    "battle_zone", "beam_rider", "berzerk", "bowling", "boxing", "breakout", "centipede",
    "chopper_command", "crazy_climber", "defender", "demon_attack", "double_dunk", "enduro",
    "fishing_derby", "freeway", "frostbite", "gopher", "gravitar", "hero", "ice_hockey",
    "jamesbond", "kangaroo", "krull", "kung_fu_master", "montezuma_revenge", "ms_pacman",
    "name_this_game", "phoenix", "pitfall", "pong", "private_eye", "qbert", "riverraid",
    "road_runner", "robotank", "seaquest", "skiing", "solaris", "space_invaders",
    "star_gunner", "surround", "tennis", "time_pilot", "tutankham", "up_n_down", "venture",
    "video_pinball", "wizard_of_wor", "yars_revenge", "zaxxon",
)
PREFIX = "Atari/"
# The keyword arguments that config.env sets (registry.env_kwargs reads these keys).
CONFIG_KEYS = ("noop_max", "terminal_on_life_loss", "full_action_space", "max_episode_frames",
               "frame_size", "grayscale", "action_repeat", "max_pool_frames", "frame_stack",
               "action_planes", "repeat_action_probability", "max_episode_steps")
_SCREEN = (210, 160)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
  """[n_out, n_in] weights of area interpolation (each output the mean of its input span)."""
  m = np.zeros((n_out, n_in), np.float64)
  scale = n_in / n_out
  for i in range(n_out):
    lo, hi = i * scale, (i + 1) * scale
    for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
      m[i, j] = min(hi, j + 1) - max(lo, j)
  return (m / scale).astype(np.float32)


def _sparse(m: np.ndarray):
  """(indices [n_out, k], weights [n_out, k]) of the nonzeros of each row of m."""
  k = int((m > 0).sum(axis=1).max())
  idx = np.zeros((m.shape[0], k), np.intp)
  w = np.zeros((m.shape[0], k), np.float32)
  for i, row in enumerate(m):
    nz = np.flatnonzero(row > 0)
    idx[i, :len(nz)], w[i, :len(nz)] = nz, row[nz]
  return idx, w


class Resizer:
  """Area-interpolation resize of [210, 160] or [210, 160, 3] uint8 screens.

  Separable: each output pixel is the area-weighted mean of the input pixels
  its footprint covers (OpenCV's INTER_AREA). Applied as gathers of the few
  (<= 4) input rows/columns each output one covers (~0.1 ms a frame).
  """

  def __init__(self, size: Tuple[int, int], screen=_SCREEN):
    self.size = tuple(size)
    self.row_matrix = _area_matrix(screen[0], size[0])
    self.col_matrix = _area_matrix(screen[1], size[1])
    self._ri, self._rw = _sparse(self.row_matrix)
    self._ci, self._cw = _sparse(self.col_matrix)

  def __call__(self, screen: np.ndarray) -> np.ndarray:
    y = np.einsum("hkc...,hk->ch...", screen.astype(np.float32)[self._ri], self._rw)
    out = np.einsum("wkh...,wk->hw...", y[self._ci], self._cw)
    return (out + 0.5).astype(np.uint8)  # weights sum to 1: out is in [0, 255]


def _check(game, noop_max, action_repeat, max_pool_frames, frame_size, frame_stack,
           repeat_action_probability, max_episode_frames, max_episode_steps):
  if roms.get_rom_path(game) is None:
    raise ValueError(f"ale-py has no ROM {game!r}")
  if not (isinstance(noop_max, (int, np.integer)) and noop_max >= 0):
    raise ValueError(f"noop_max={noop_max!r}; must be an int >= 0")
  if not action_repeat >= 1:
    raise ValueError(f"action_repeat={action_repeat!r}; must be >= 1")
  if not 1 <= max_pool_frames <= action_repeat:
    raise ValueError(f"max_pool_frames={max_pool_frames!r}; must be in [1, action_repeat={action_repeat}]")
  if len(frame_size) != 2 or min(frame_size) < 1:
    raise ValueError(f"frame_size={frame_size!r}; must be (height, width) > 0")
  if not frame_stack >= 1:
    raise ValueError(f"frame_stack={frame_stack!r}; must be >= 1")
  if not 0.0 <= repeat_action_probability <= 1.0:
    raise ValueError(f"repeat_action_probability={repeat_action_probability!r}; must be in [0, 1]")
  if max_episode_frames < 0 or max_episode_steps < 0:
    raise ValueError("max_episode_frames and max_episode_steps must be >= 0")


class AtariEnv(dm_env.Environment):
  """One ALE game with the PVE paper's Table 1 preprocessing (see the module doc)."""

  def __init__(self, game: str, seed: int, training: bool = True, *,
               noop_max: int = 30, terminal_on_life_loss: bool = True,
               full_action_space: bool = False, max_episode_frames: int = 108_000,
               frame_size: Sequence[int] = (96, 96), grayscale: bool = True,
               action_repeat: int = 4, max_pool_frames: int = 4, frame_stack: int = 4,
               action_planes: bool = True, repeat_action_probability: float = 0.0,
               max_episode_steps: int = 0):
    frame_size = tuple(int(x) for x in frame_size)
    _check(game, noop_max, action_repeat, max_pool_frames, frame_size, frame_stack,
           repeat_action_probability, max_episode_frames, max_episode_steps)
    self.game = game
    self.training = bool(training)
    self._noop_max = int(noop_max)
    self._life_loss_ends = bool(terminal_on_life_loss) and self.training
    self._max_frames = int(max_episode_frames)
    self._max_steps = int(max_episode_steps)
    self._repeat = int(action_repeat)
    self._pool = int(max_pool_frames)
    self._grayscale = bool(grayscale)
    self._stack = int(frame_stack)
    self._action_planes = bool(action_planes)
    self.frames_per_step = self._repeat

    ale_seed, rng_seed = np.random.SeedSequence(int(seed)).generate_state(2)
    self._ale = ale_py.ALEInterface()
    self._ale.setInt("random_seed", int(ale_seed % (2 ** 31)))
    self._ale.setFloat("repeat_action_probability", float(repeat_action_probability))
    self._ale.setInt("frame_skip", 1)
    self._ale.setInt("max_num_frames_per_episode", 0)  # the cap is ours (a truncation)
    self._ale.loadROM(roms.get_rom_path(game))
    self._actions = list(self._ale.getLegalActionSet() if full_action_space
                         else self._ale.getMinimalActionSet())
    self._rng = np.random.default_rng(rng_seed)
    self._resize = Resizer(frame_size)

    c = 1 if self._grayscale else 3
    self._c = c
    self._frames = np.zeros(frame_size + (self._stack * c,), np.uint8)
    self._acts = np.zeros((self._stack,), np.uint8)  # encoded plane values
    self._screens = np.zeros((self._repeat,) + _SCREEN + ((3,) if not self._grayscale else ()),
                             np.uint8)
    self._lives = 0
    self._episode_steps = 0
    self._continue_game = False  # the last episode ended with a life, not the game
    self._reset_next = True
    self.game_ended = True
    self.noops = 0  # no-op frames at the start of the current game

  # ---- specs ---------------------------------------------------------------
  @property
  def num_actions(self) -> int:
    return len(self._actions)

  def observation_spec(self):
    shape = self._frames.shape[:2] + (self._frames.shape[2] + (self._stack if self._action_planes else 0),)
    return specs.BoundedArray(shape, np.uint8, 0, 255, name="observation")

  def action_spec(self):
    return specs.DiscreteArray(self.num_actions, name="action")

  # ---- frames --------------------------------------------------------------
  def _grab(self, k: int) -> None:
    if self._grayscale:
      self._ale.getScreenGrayscale(self._screens[k])
    else:
      self._ale.getScreenRGB(self._screens[k])

  def _push(self, pooled_screen: np.ndarray, plane_value: int) -> None:
    frame = self._resize(pooled_screen)
    c = self._c
    self._frames[..., :-c] = self._frames[..., c:]
    self._frames[..., -c:] = frame.reshape(frame.shape[:2] + (c,))
    self._acts[:-1] = self._acts[1:]
    self._acts[-1] = plane_value

  def _clear_stack(self) -> None:
    self._frames[...] = 0
    self._acts[...] = 0

  def _observation(self) -> np.ndarray:
    if not self._action_planes:
      return self._frames.copy()
    planes = np.broadcast_to(self._acts, self._frames.shape[:2] + (self._stack,))
    return np.concatenate([self._frames, planes], axis=-1)

  def plane_value(self, action: int) -> int:
    """The uint8 value of the action plane for action index `action`."""
    return int(round(255 * (int(action) + 1) / self.num_actions))

  # ---- dm_env ----------------------------------------------------------------
  def _reset_game(self) -> None:
    while True:
      self._ale.reset_game()
      self.noops = int(self._rng.integers(0, self._noop_max + 1))
      self._grab(0)
      n = 1
      for _ in range(self.noops):
        self._ale.act(ale_py.Action.NOOP)
        self._grab(n % self._repeat)
        n += 1
      if not self._ale.game_over():
        break
    # Pool the last frames seen (at most max_pool_frames), as after a step.
    k = min(n, self._pool)
    idx = [(n - 1 - i) % self._repeat for i in range(k)]
    self._clear_stack()
    self._push(self._screens[idx].max(axis=0), 0)

  def reset(self) -> dm_env.TimeStep:
    if not self._continue_game:
      self._reset_game()
    else:  # a life was lost while training: the same game goes on, from its
      # latest (pooled) frame, with an empty history before it
      latest = self._frames[..., -self._c:].copy()
      self._clear_stack()
      self._frames[..., -self._c:] = latest
    self._continue_game = False
    self._lives = self._ale.lives()
    self._episode_steps = 0
    self._reset_next = False
    self.game_ended = False
    return dm_env.restart(self._observation())

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    a = int(action)
    ale_action = self._actions[a]
    reward, n = 0.0, 0
    pooled_from = self._repeat - self._pool  # frames k >= this are max-pooled
    for k in range(self._repeat):
      reward += self._ale.act(ale_action)
      n = k + 1
      if k >= pooled_from:
        self._grab(k)
      if self._ale.game_over():
        break
    grabbed = list(range(pooled_from, n))
    if not grabbed:  # the game ended before the pooled frames: use the screen now
      self._grab(n - 1)
      grabbed = [n - 1]
    self._push(self._screens[grabbed].max(axis=0), self.plane_value(a))
    self._episode_steps += 1
    obs = self._observation()
    lives = self._ale.lives()
    life_lost = lives < self._lives
    self._lives = lives
    if self._ale.game_over():
      return self._end(dm_env.termination(reward, obs), game_end=True)
    if self._max_frames and self._ale.getEpisodeFrameNumber() >= self._max_frames:
      return self._end(dm_env.truncation(reward, obs), game_end=True)
    if self._life_loss_ends and life_lost:
      return self._end(dm_env.termination(reward, obs), game_end=False)
    if self._max_steps and self._episode_steps >= self._max_steps:
      return self._end(dm_env.truncation(reward, obs), game_end=True)
    return dm_env.transition(reward, obs)

  def _end(self, ts: dm_env.TimeStep, game_end: bool) -> dm_env.TimeStep:
    self._reset_next = True
    self._continue_game = not game_end
    self.game_ended = game_end
    return ts

  @property
  def episode_frame_number(self) -> int:
    """ALE frames since the game's reset (no-op frames included)."""
    return int(self._ale.getEpisodeFrameNumber())

  @property
  def lives(self) -> int:
    return int(self._ale.lives())

  # ---- state save/restore ---------------------------------------------------
  def get_state(self):
    return (self._ale.cloneState(include_rng=True),
            copy.deepcopy(self._rng.bit_generator.state),
            self._frames.copy(), self._acts.copy(), self._screens.copy(),
            (self._lives, self._episode_steps, self._continue_game, self._reset_next,
             self.game_ended, self.noops))

  def set_state(self, state) -> None:
    ale_state, rng_state, frames, acts, screens, scalars = state
    self._ale.restoreState(ale_state)
    self._rng.bit_generator.state = copy.deepcopy(rng_state)
    self._frames[...] = frames
    self._acts[...] = acts
    self._screens[...] = screens
    (self._lives, self._episode_steps, self._continue_game, self._reset_next,
     self.game_ended, self.noops) = scalars

  def close(self) -> None:
    self._ale = None


def make(game: str, seed: int, training: bool = True, **kwargs) -> AtariEnv:
  return AtariEnv(game, seed, training, **kwargs)


def _factory(game):
  def factory(seed, training=True, **kwargs):
    return AtariEnv(game, seed, training, **kwargs)
  return factory


for _game in ATARI57:
  registry.register(PREFIX + _game, _factory(_game), config_keys=CONFIG_KEYS)
