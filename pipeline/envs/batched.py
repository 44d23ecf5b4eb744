"""B environments of one game, stepped together: what an actor's batched search needs.

    envs = BatchedEnv.from_config(config, seeds=[...], training=True)
    obs, timesteps = envs.reset()            # obs [B, *obs_shape]; B dm_env TimeSteps
    obs, timesteps = envs.step(actions)      # actions [B]
    obs, timesteps = envs.step(actions, active=mask)   # only envs where mask is True
    envs.close()

Each env follows dm_env: stepping an env whose last timestep was last() resets
it (so an actor just keeps stepping), and `reset(indices)` restarts chosen ones.
Envs not stepped keep their previous timestep in the returned list and stack.

Two ways to run the envs:
  num_workers=0  in this process, one after another (the default; right when the
                 host has no spare core or the envs are cheap)
  num_workers=W  W worker processes, each owning a contiguous slice of the envs,
                 stepped in parallel (one message per worker per step). ale-py's
                 act() holds the GIL, so threads would not run ALE games in
                 parallel; processes do. ale-py's own vector env (C++ threads)
                 cannot do the paper's max-pool over 4 frames nor save/restore
                 states, so it is not used.
Both give exactly the same timesteps (a test checks it against stepping the
envs one by one).
"""
import multiprocessing
import traceback
from typing import Any, Dict, List, Optional, Sequence, Tuple

import dm_env
import numpy as np

from pipeline.envs import registry
from pipeline.errors import PipelineError


def _worker(conn, name, seeds, training, kwargs):
  """A worker process: builds its envs and serves commands until "close"."""
  try:
    envs = [registry.make(name, seed=s, training=training, **kwargs) for s in seeds]
  except Exception:  # pylint: disable=broad-except
    conn.send(("error", traceback.format_exc()))
    conn.close()
    return
  conn.send(("ok", None))
  while True:
    try:
      cmd, arg = conn.recv()
    except EOFError:
      break
    try:
      if cmd == "close":
        for env in envs:
          if hasattr(env, "close"):
            env.close()
        conn.send(("ok", None))
        break
      if cmd == "reset":
        out = [envs[i].reset() for i in arg]
      elif cmd == "step":
        out = [envs[i].step(a) for i, a in arg]
      elif cmd == "get_state":
        out = envs[arg].get_state()
      elif cmd == "set_state":
        out = envs[arg[0]].set_state(arg[1])
      elif cmd == "attr":
        out = [getattr(env, arg) for env in envs]
      elif cmd == "specs":
        out = (envs[0].observation_spec(), envs[0].action_spec())
      else:
        raise ValueError(f"unknown command {cmd!r}")
      conn.send(("ok", out))
    except Exception:  # pylint: disable=broad-except
      conn.send(("error", traceback.format_exc()))
  conn.close()


class _Local:
  """The envs in this process."""

  def __init__(self, name, seeds, training, kwargs):
    self.envs = [registry.make(name, seed=s, training=training, **kwargs) for s in seeds]

  def reset(self, indices):
    return {i: self.envs[i].reset() for i in indices}

  def step(self, pairs):
    return {i: self.envs[i].step(a) for i, a in pairs}

  def get_state(self, i):
    return self.envs[i].get_state()

  def set_state(self, i, state):
    self.envs[i].set_state(state)

  def attr(self, name):
    return [getattr(env, name) for env in self.envs]

  def specs(self):
    return self.envs[0].observation_spec(), self.envs[0].action_spec()

  def close(self):
    for env in self.envs:
      if hasattr(env, "close"):
        env.close()


class _Processes:
  """The envs split over worker processes (contiguous slices)."""

  def __init__(self, name, seeds, training, kwargs, num_workers):
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold TF threads
    bounds = np.linspace(0, len(seeds), num_workers + 1).round().astype(int)
    self.slices = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    self.conns, self.procs = [], []
    for a, b in self.slices:
      parent, child = ctx.Pipe()
      proc = ctx.Process(target=_worker, args=(child, name, list(seeds[a:b]), training, kwargs),
                         daemon=True)
      proc.start()
      child.close()
      self.conns.append(parent)
      self.procs.append(proc)
    for conn in self.conns:
      self._recv(conn)

  def _recv(self, conn):
    try:
      status, out = conn.recv()
    except EOFError:
      raise PipelineError("an environment worker process died")
    if status == "error":
      raise PipelineError(f"an environment worker failed:\n{out}")
    return out

  def _where(self, i):
    for w, (a, b) in enumerate(self.slices):
      if a <= i < b:
        return w, i - a
    raise IndexError(i)

  def _scatter(self, cmd, items, key=lambda x: x):
    """Sends each worker its items (local indices), then gathers {global index: result}."""
    per_worker: Dict[int, list] = {}
    for item in items:
      w, local = self._where(key(item))
      per_worker.setdefault(w, []).append((key(item), local, item))
    for w, entries in per_worker.items():
      if cmd == "reset":
        arg = [local for _, local, _ in entries]
      else:
        arg = [(local, item[1]) for _, local, item in entries]
      self.conns[w].send((cmd, arg))
    out = {}
    for w, entries in per_worker.items():
      results = self._recv(self.conns[w])
      for (i, _, _), r in zip(entries, results):
        out[i] = r
    return out

  def reset(self, indices):
    return self._scatter("reset", list(indices))

  def step(self, pairs):
    return self._scatter("step", list(pairs), key=lambda p: p[0])

  def get_state(self, i):
    w, local = self._where(i)
    self.conns[w].send(("get_state", local))
    return self._recv(self.conns[w])

  def set_state(self, i, state):
    w, local = self._where(i)
    self.conns[w].send(("set_state", (local, state)))
    self._recv(self.conns[w])

  def attr(self, name):
    for conn in self.conns:
      conn.send(("attr", name))
    return [x for conn in self.conns for x in self._recv(conn)]

  def specs(self):
    self.conns[0].send(("specs", None))
    return self._recv(self.conns[0])

  def close(self):
    for conn, proc in zip(self.conns, self.procs):
      try:
        conn.send(("close", None))
        conn.recv()
      except (EOFError, OSError, BrokenPipeError):
        pass
      conn.close()
      proc.join(timeout=10)
      if proc.is_alive():
        proc.terminate()
        proc.join()
    self.conns, self.procs = [], []


class BatchedEnv:
  """B envs of game `name`, one seed each, reset and stepped as a batch."""

  def __init__(self, name: str, seeds: Sequence[int], training: bool = True,
               env_kwargs: Optional[Dict[str, Any]] = None, num_workers: int = 0):
    if not seeds:
      raise PipelineError("BatchedEnv needs at least one seed")
    kwargs = dict(env_kwargs or {})
    self.num_envs = len(seeds)
    workers = min(int(num_workers), self.num_envs)
    self._backend = (_Processes(name, list(seeds), training, kwargs, workers) if workers > 0
                     else _Local(name, list(seeds), training, kwargs))
    self._obs_spec, self._act_spec = self._backend.specs()
    self.frames_per_step = self.attr("frames_per_step", default=1)[0]
    self.timesteps: List[Optional[dm_env.TimeStep]] = [None] * self.num_envs

  @classmethod
  def from_config(cls, config, seeds: Sequence[int], training: bool = True,
                  num_workers: Optional[int] = None) -> "BatchedEnv":
    """The envs config.env asks for; workers from config.actors.env_workers unless given."""
    if num_workers is None:
      num_workers = config.actors.get("env_workers", 0)
    return cls(config.env.name, seeds, training, registry.env_kwargs(config), num_workers)

  # ---- specs and attributes ------------------------------------------------
  def observation_spec(self):
    return self._obs_spec

  def action_spec(self):
    return self._act_spec

  def attr(self, name: str, default=None) -> list:
    """[getattr(env, name, default) for each env] (e.g. "game_ended")."""
    try:
      return self._backend.attr(name)
    except (AttributeError, PipelineError):
      return [default] * self.num_envs

  # ---- stepping -------------------------------------------------------------
  def _out(self) -> Tuple[np.ndarray, List[dm_env.TimeStep]]:
    return np.stack([ts.observation for ts in self.timesteps]), list(self.timesteps)

  def reset(self, indices: Optional[Sequence[int]] = None):
    """Resets all envs (or `indices`); returns (observations [B, ...], timesteps)."""
    indices = range(self.num_envs) if indices is None else [int(i) for i in indices]
    for i, ts in self._backend.reset(indices).items():
      self.timesteps[i] = ts
    if any(ts is None for ts in self.timesteps):
      raise PipelineError("BatchedEnv: reset every env before stepping or stacking")
    return self._out()

  def step(self, actions, active=None):
    """Steps every env (or those where active[i]) with actions[i]."""
    actions = np.asarray(actions)
    if actions.shape[0] != self.num_envs:
      raise PipelineError(f"BatchedEnv.step: {actions.shape[0]} actions for {self.num_envs} envs")
    which = range(self.num_envs) if active is None else np.flatnonzero(np.asarray(active))
    pairs = [(int(i), int(actions[i])) for i in which]
    for i, ts in self._backend.step(pairs).items():
      self.timesteps[i] = ts
    return self._out()

  # ---- state save/restore ----------------------------------------------------
  def get_state(self, i: int):
    return (self._backend.get_state(i), self.timesteps[i])

  def set_state(self, i: int, state) -> None:
    env_state, self.timesteps[i] = state
    self._backend.set_state(i, env_state)

  def close(self) -> None:
    if self._backend is not None:
      self._backend.close()
      self._backend = None

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.close()

  def __del__(self):
    try:
      self.close()
    except Exception:  # pylint: disable=broad-except
      pass
