"""Self-play records whole Atari games: against an independent ale-py loop on Breakout."""
import csv
import glob
import json

import ale_py
import numpy as np
import pytest
import reverb
from ale_py import roms

from pipeline import parts, records
from pipeline.replay.connection import Connection
from pipeline.actors.selfplay import SelfPlayActor
from pipeline.networks.muzero_net import make_network
from pipeline.replay import spec as spec_lib
from pipeline.replay import tables
from pipeline.scoring.scores import final_score, run_timeline
from pipeline.scoring.tabulate import tabulate_study
from pipeline import config_schema

GAME = "breakout"


class _Recorder:
  """Passes an env through, noting each game's no-op count and agent actions."""

  def __init__(self, env):
    self.env, self.games = env, []

  def __getattr__(self, name):
    return getattr(self.env, name)

  def reset(self):
    new_game = self.env.game_ended
    ts = self.env.reset()
    if new_game:
      self.games.append({"noops": self.env.noops, "actions": [], "lives": 0})
    self.games[-1]["lives"] += 1
    return ts

  def step(self, action):
    self.games[-1]["actions"].append(int(action))
    return self.env.step(action)


def _ale_game_returns(games, seed_free_repeats=4):
  """The games replayed on a fresh ALE (no sticky actions, so the seed does not
  matter): reset, the game's no-ops, then each agent action repeated 4 frames;
  a game's return is the sum of the ALE's rewards until game over."""
  ale = ale_py.ALEInterface()
  ale.setLoggerMode(ale_py.LoggerMode.Error)
  ale.setFloat("repeat_action_probability", 0.0)
  ale.setInt("frame_skip", 1)
  ale.loadROM(roms.get_rom_path(GAME))
  minimal = list(ale.getMinimalActionSet())
  out = []
  for game in games:
    ale.reset_game()
    for _ in range(game["noops"]):
      ale.act(ale_py.Action.NOOP)
    total, steps = 0.0, 0
    for a in game["actions"]:
      for _ in range(seed_free_repeats):
        total += ale.act(minimal[a])
        if ale.game_over():
          break
      steps += 1
      if ale.game_over():
        break
    assert ale.game_over(), "the recorded actions end the game"
    out.append((total, steps))
  return out


def test_training_actor_records_whole_breakout_games(tmp_path):
  c = config_schema.base_config()
  c.env.name = f"Atari/{GAME}"
  c.env.frame_size = (32, 32)
  c.env.frame_stack = 2
  c.network.torso = "atari"
  c.network.channels = 8
  c.network.downsample_blocks = (0, 0, 0)
  c.network.num_blocks = 0
  c.network.head_hidden = 8
  c.search.num_simulations = 2
  c.search.implementation = "reference"
  c.replay.sequence_length, c.replay.sequence_overlap = 10, 5
  c.replay.max_size = 10_000
  c.reanalyse.enabled = False
  c.actors.envs_per_actor = 1
  config_schema.validate(c)
  obs_shape = (32, 32, 4)
  signature = spec_lib.sequence_signature(spec_lib.step_spec(obs_shape, np.uint8, 4),
                                          c.replay.sequence_length)
  server = reverb.Server(tables.server_tables(parts.replay_from(c), signature))
  try:
    actor = SelfPlayActor(parts.actor_from(c), 0, Connection(f"localhost:{server.port}"),
                          str(tmp_path), make_network(c, obs_shape, 4))
    actor.version = 0  # no learner: play with the initial parameters
    actor.poll_parameters = lambda wait_seconds=0.0: None
    recorder = _Recorder(actor.envs[0])
    actor.envs = [recorder]
    done = lambda: len(records.read_episodes(str(tmp_path), "selfplay")) >= 2
    actor.run(should_stop=done, poll_every_steps=10**9)
  finally:
    server.stop()
  episodes = records.read_episodes(str(tmp_path), "selfplay")
  finished = recorder.games[:len(episodes)]
  assert all(g["lives"] == 5 for g in finished)            # each record spans all 5 lives
  expected = _ale_game_returns(finished)
  assert [e["return"] for e in episodes] == [r for r, _ in expected]
  assert [e["length"] for e in episodes] == [n for _, n in expected]
  assert np.diff([0] + [e["env_frames"] for e in episodes]).tolist() == [4 * n for _, n in expected]
  # The scoring timeline and Table 3's final score see the same game returns.
  _, returns = run_timeline(episodes)
  assert returns.tolist() == [r for r, _ in expected]
  assert final_score(returns, 200) == np.mean([r for r, _ in expected])
  # The tables stage, on a study holding this run, scores it by those games.
  study = tmp_path / "study"
  run_dir = study / "runs" / "breakout_muzero_0"
  run_dir.mkdir(parents=True)
  (run_dir / "run.json").write_text(json.dumps({"game": f"Atari/{GAME}", "variant": "muzero",
                                                "seed": 0}))
  (run_dir / "records").write_text(str(tmp_path))
  tabulate_study(str(study))
  with open(glob.glob(str(study / "tables" / "table3*.csv"))[0], newline="") as f:
    rows = [r for r in csv.reader(f) if any(GAME in cell.lower() for cell in r)]
  assert len(rows) == 1 and f"{np.mean([r for r, _ in expected]):.1f}" in " ".join(rows[0])


def test_a_stop_request_ends_the_wait_for_the_first_parameters(tmp_path):
  import time  # pylint: disable=g-import-not-at-top
  from configs import cartpole  # pylint: disable=g-import-not-at-top
  from pipeline.replay.connection import Stopped  # pylint: disable=g-import-not-at-top
  c = cartpole.get_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (16,), 8, 8
  c.actors.envs_per_actor = 1
  config_schema.validate(c)
  signature = spec_lib.sequence_signature(spec_lib.step_spec((4,), np.float32, 2),
                                          c.replay.sequence_length)
  server = reverb.Server(tables.server_tables(parts.replay_from(c), signature))
  stop_at = [float("inf")]  # set once the actor is built (building may take a while on a busy machine)
  try:
    conn = Connection(f"localhost:{server.port}", should_stop=lambda: time.monotonic() > stop_at[0])
    actor = SelfPlayActor(parts.actor_from(c), 0, conn, str(tmp_path), make_network(c, (4,), 2))
    stop_at[0] = time.monotonic() + 1.0
    with pytest.raises(Stopped):
      actor.poll_parameters(wait_seconds=600.0)  # nothing published: it waits
    assert time.monotonic() - stop_at[0] < 3.0
    actor.close(timeout_ms=0)
  finally:
    server.stop()
