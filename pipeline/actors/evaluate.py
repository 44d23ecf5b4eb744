"""Evaluation: play N episodes greedily (no root noise) with given parameters."""
import csv
import os
from typing import Callable, Dict, List

import numpy as np

from pipeline import parts, records
from pipeline.actors import acting
from pipeline.actors.model_fns import ModelFns


def evaluate(evaluation: parts.EvaluationConfig, network, records_dir: str, param_version: int,
             num_episodes: int, evaluator_id: int = 0,
             should_stop: Callable[[], bool] = lambda: False) -> List[Dict]:
  """Plays num_episodes on evaluation.num_envs envs in lock-step (pipeline/parts.py).

  Temperature 0 (most visited action), no Dirichlet noise, full games
  (training=False). Appends "eval" records and returns them. should_stop()
  is checked every step: a stop request ends the evaluation at once (fewer
  than num_episodes records returned; the games in progress are dropped).
  """
  writer = records.EpisodeWriter(records_dir, "eval", evaluator_id)
  n_envs = min(evaluation.num_envs, num_episodes)
  envs = [evaluation.env.make(seed=10_000 * (evaluation.seed + 1) + writer.next_index + i, training=False)
          for i in range(n_envs)]
  frames_per_step = getattr(envs[0], "frames_per_step", 1)
  fns = ModelFns(network, evaluation.implementation)
  scfg = evaluation.search
  rng = np.random.default_rng(evaluation.seed)
  timesteps = [env.reset() for env in envs]
  returns, lengths = np.zeros(n_envs), np.zeros(n_envs, np.int64)
  started, done = n_envs, []
  active = np.ones(n_envs, bool)
  while active.any() and not should_stop():
    obs = np.stack([ts.observation for ts in timesteps])
    d = acting.decide(fns, obs, scfg, rng, add_noise=False, temperature=0.0)
    for i in np.flatnonzero(active):
      nxt = envs[i].step(d.actions[i])
      returns[i] += nxt.reward
      lengths[i] += 1
      timesteps[i] = nxt
      if nxt.last():
        done.append(writer.write(returns[i], int(lengths[i]), int(lengths[i]) * frames_per_step,
                                 param_version))
        returns[i], lengths[i] = 0.0, 0
        if started < num_episodes:
          timesteps[i] = envs[i].reset()
          started += 1
        else:
          active[i] = False
  writer.close()
  return done


def write_scores_csv(path: str, episodes: List[Dict]) -> None:
  """One row per evaluation episode: episode, return, length, param_version."""
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["episode", "return", "length", "param_version"])
    for e in episodes:
      w.writerow([e["episode_index"], e["return"], e["length"], e["param_version"]])
