"""Self-play: a batch of environments, one batched search per step, Reverb out.

Each actor polls Reverb's "variables" table for new search parameters, writes
overlapping sequences to the "replay" table (pipeline/replay/writer.py; also
to "reanalyse_source" when reanalyse is on) and appends every finished game
to its own TFRecord shards. A game is what the paper scores: on Atari, where
a lost life ends a training episode (termination for the value targets), the
lives of one game (until the env's `game_ended`) make one record with the
game's return, steps and frames; elsewhere every episode is a game.

Its Reverb calls go through a replay.connection.Connection: when the server
goes away the actor waits for it (retrying, up to the connection's
unavailable_timeout), then reopens its sequence writers (the sequences torn
by the outage are dropped) and plays on, its episode indices continuing; a
stop request while it waits ends it cleanly (connection.Stopped).
"""
import logging
import time
from typing import Callable, List, Tuple

import dm_env
import numpy as np

from pipeline import parts, records
from pipeline.actors import acting
from pipeline.actors.model_fns import ModelFns, scheduled
from pipeline.replay import variables
from pipeline.replay.connection import Connection, Stopped, transient
from pipeline.replay.spec import step_spec
from pipeline.replay.tables import REANALYSE_SOURCE
from pipeline.replay.writer import SequenceWriter


def env_seed(config_seed: int, actor_id: int, env_index: int, incarnation: int) -> int:
  """A distinct seed per (run seed, actor, env, restart of the actor)."""
  return int(np.random.SeedSequence([config_seed, actor_id, env_index, incarnation])
             .generate_state(1)[0])


def exploration(config: parts.ActorConfig, version: int) -> Tuple[float, float]:
  """(temperature, epsilon) of the acting policy with the parameters of learner step
  `version` (its schedules span config.schedule_steps)."""
  progress = max(version, 0) / config.schedule_steps
  return (scheduled(config.temperature_schedule, progress),
          scheduled(config.epsilon_schedule, progress))


class SelfPlayActor:
  """Plays actor.num_envs games in lock-step.

  actor: its typed config (pipeline/parts.py), network: the search network
  (its parameters come from Reverb), conn: the replay connection.
  """

  def __init__(self, actor: parts.ActorConfig, actor_id: int, conn: Connection,
               records_dir: str, network):
    self.config, self.actor_id, self.conn = actor, actor_id, conn
    self.episodes = records.EpisodeWriter(records_dir, "selfplay", actor_id)
    incarnation = self.episodes.next_index
    n = actor.num_envs
    self.envs: List[dm_env.Environment] = [
        actor.env.make(seed=env_seed(actor.seed, actor_id, i, incarnation), training=True)
        for i in range(n)]
    obs_spec, act_spec = self.envs[0].observation_spec(), self.envs[0].action_spec()
    self.num_actions = act_spec.num_values
    self.frames_per_step = getattr(self.envs[0], "frames_per_step", 1)
    self.network = network
    self.fns = ModelFns(self.network, actor.implementation)
    self.search_config = actor.search
    self.spec = step_spec(obs_spec.shape, obs_spec.dtype, self.num_actions)
    self.rng = np.random.default_rng(env_seed(actor.seed, actor_id, n, incarnation))
    self.version = -1
    self._open_writers()

  def _open_writers(self) -> None:
    """A fresh sequence writer per env on the connection's current client."""
    q = self.config.sequences
    also_to = (REANALYSE_SOURCE,) if self.config.write_reanalyse_source else ()
    self.writers = [SequenceWriter(self.conn.client, self.spec, q.length, q.overlap,
                                   q.pad_steps, q.discount, q.td_lambda, q.priority_exponent,
                                   also_to)
                    for _ in self.envs]
    self.server_id = self.conn.incarnation()
    self._outages = self.conn.outages

  def _check_server(self) -> None:
    """After an outage, a restarted server: the writers' streams are gone, reopen them."""
    if self.conn.outages != self._outages or self.conn.incarnation() != self.server_id:
      logging.warning("actor %d: replay server restarted; reopening its writers (the "
                      "sequences in flight are dropped)", self.actor_id)
      self._open_writers()

  def _end_episode(self, i: int) -> None:
    """writers[i].end_episode, waiting out a rate limiter (back-pressure from the
    learner) or an outage; never blocks a stop request for more than a second."""
    while True:
      try:
        self.writers[i].end_episode(timeout_ms=1000)
        return
      except Exception as e:  # pylint: disable=broad-except
        if not transient(e):
          raise
      if self.conn.should_stop():
        raise Stopped()
      before = self.server_id
      self._check_server()  # waits for the server if it is gone
      if self.server_id != before or self.conn.outages != self._outages:
        return  # this env's writer was replaced: the torn episode tail is dropped

  def poll_parameters(self, wait_seconds: float = 0.0) -> None:
    """Loads newer search parameters if the learner published any."""
    deadline = time.time() + wait_seconds
    while True:
      got = self.conn.call("read the parameters", variables.latest)
      if self.conn.outages != self._outages:
        self._check_server()
      if got is not None and got[0] > self.version:
        self.version = got[0]
        variables.load_into(self.network, got[1])
        return
      if got is not None or time.time() >= deadline:
        return
      self.conn.sleep(0.5)

  def _step_record(self, obs, action, reward, discount, policy, behaviour, value, last):
    return {"observation": np.asarray(obs, self.spec["observation"].dtype.as_numpy_dtype),
            "action": np.int32(action), "reward": np.float32(reward),
            "discount": np.float32(discount), "policy": policy,
            "behaviour": np.float32(behaviour), "value": np.float32(value),
            "last": np.float32(last), "mask": np.float32(1.0)}

  def run(self, should_stop: Callable[[], bool], max_env_frames: int = 0,
          poll_every_steps: int = 10, log_every_seconds: float = 30.0) -> None:
    """Plays until should_stop() or this actor's frame budget is spent."""
    cfg = self.config
    self.poll_parameters(wait_seconds=600.0)
    timesteps = [env.reset() for env in self.envs]
    returns = np.zeros(len(self.envs))
    lengths = np.zeros(len(self.envs), np.int64)
    recent: List[float] = []
    step, last_log = 0, time.time()
    while not should_stop():
      if max_env_frames and self.episodes.env_frames >= max_env_frames:
        break
      if step % poll_every_steps == 0:
        self.poll_parameters()
      temp, epsilon = exploration(cfg, self.version)
      obs = np.stack([ts.observation for ts in timesteps])
      d = acting.decide(self.fns, obs, self.search_config, self.rng, True, temp, epsilon)
      for i, ts in enumerate(timesteps):
        if ts.last():
          # The final observation: value 0 and discount 0 after a termination,
          # the search value and discount 1 after a truncation (the learner
          # bootstraps from it).
          value = d.root_value[i] if ts.discount > 0 else 0.0
          self.writers[i].append(self._step_record(
              ts.observation, self.rng.integers(self.num_actions), 0.0, ts.discount,
              d.policy[i], 1.0, value, 1.0))
          self._end_episode(i)
          if getattr(self.envs[i], "game_ended", True):  # Atari: the last life of the game
            self.episodes.write(returns[i], int(lengths[i]),
                                int(lengths[i]) * self.frames_per_step, self.version)
            recent = (recent + [returns[i]])[-100:]
            returns[i], lengths[i] = 0.0, 0
          timesteps[i] = self.envs[i].reset()
          continue
        nxt = self.envs[i].step(d.actions[i])
        self.writers[i].append(self._step_record(
            ts.observation, d.actions[i], nxt.reward, nxt.discount, d.policy[i],
            d.behaviour[i], d.root_value[i], 0.0))
        returns[i] += nxt.reward
        lengths[i] += 1
        timesteps[i] = nxt
      step += 1
      if time.time() - last_log > log_every_seconds:
        logging.info("actor %d: %d games, %d frames, params v%d, recent return %.1f",
                     self.actor_id, self.episodes.next_index, self.episodes.env_frames,
                     self.version, np.mean(recent) if recent else float("nan"))
        last_log = time.time()
    self.close()

  def close(self, timeout_ms: int = 3000):
    """Closes the records (each finished game is already on disk) and the
    writers, waiting up to timeout_ms in all (not per writer: a rate limiter
    that holds every writer must not multiply it) for the server to take
    their items (0: not at all, e.g. on a stop request)."""
    self.episodes.close()
    deadline = time.time() + timeout_ms / 1000
    for w in self.writers:
      left_ms = int(max(0.0, deadline - time.time()) * 1000)
      try:
        w.close(left_ms if timeout_ms else 0)
      except Exception:  # pylint: disable=broad-except  (a gone or busy server: items dropped)
        pass
