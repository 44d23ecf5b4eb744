"""What ends a trained agent's greedy MinAtar SpaceInvaders games, and what its learned
model predicted in the frames before.

    ./run.sh bench minatar_deaths --config=configs/minatar_convmlp.py \\
        --config.env.name=MinAtar/SpaceInvaders --workdir=RUN/muzero --episodes=20 --out=DIR

Plays --episodes greedy games (the evaluation's search and simulations, sticky actions
--sticky) with the newest checkpoint's search network. Per game (DIR/episodes.csv): return,
length, the cause of the end ("bullet": an enemy bullet reached the cannon; "alien": an alien
reached it or the bottom row; "truncated"), the cannon's column, the aliens left, the wave,
and for a bullet how many frames it had been in the cannon's column before. For each of the
last --probe_frames frames of the first --probe_episodes games (DIR/probes.csv): the root
value, the prior, the learned model's value after each action (one recurrent step: what the
search sees at depth 1), the search's visit counts and the action taken. A model that gives
every action the same low value before a hit cannot tell the escape from the death.
"""
import csv
import os
import sys
from typing import Dict, List, Tuple

import numpy as np
from absl import flags

sys.path.insert(0, os.getcwd())
from benchmarks.minatar_deaths_cause import frames_in_column, space_invaders_cause  # pylint: disable=g-import-not-at-top
from pipeline import parts
from pipeline.actors import acting
from pipeline.actors.model_fns import ModelFns
from pipeline.envs.minatar import MinAtarEnv
from pipeline.errors import PipelineError, run_job
from pipeline.jobs import _common
from pipeline.learner.checkpointing import restore_search_network

EPISODES = flags.DEFINE_integer("episodes", 20, "Greedy games to play.")
PROBE_EPISODES = flags.DEFINE_integer("probe_episodes", 3, "Games whose last frames are probed.")
PROBE_FRAMES = flags.DEFINE_integer("probe_frames", 8, "Frames probed before each game's end.")
STICKY = flags.DEFINE_float("sticky", 0.1, "Sticky-action probability of the games.")
OUT = flags.DEFINE_string("out", None, "Directory for episodes.csv and probes.csv (required).")


def _probe(fns, observation, decision, num_simulations, num_actions) -> Dict:
  """The root's value and prior, the model's value after each action, and the visits of
  the search `decision` already ran (its visit distribution times the simulations)."""
  root = fns.root(observation[None])
  step, _ = fns.recurrent(np.repeat(root.embedding, num_actions, axis=0), np.arange(num_actions))
  prior = np.exp(root.prior_logits[0] - root.prior_logits[0].max())
  visits = np.rint(decision.policy[0] * num_simulations).astype(np.int64)
  return {"v_root": float(root.value[0]), "prior": prior / prior.sum(),
          "v_after": np.asarray(step.value, float), "visits": visits}


def play(fns, search_config, seed: int, probe: bool) -> Tuple[Dict, List[Dict]]:
  """One greedy game; returns its row and (if probe) one row per frame."""
  env = MinAtarEnv("space_invaders", seed=seed, sticky_action_prob=STICKY.value)
  ts = env.reset()
  rng = np.random.default_rng(seed)
  ret, length, bullets, frames = 0.0, 0, [], []
  while True:
    game = env._env.env  # pylint: disable=protected-access
    bullets.append(game.e_bullet_map.copy())
    d = acting.decide(fns, ts.observation[None], search_config, rng, add_noise=False,
                      temperature=0.0)
    if probe:
      p = _probe(fns, ts.observation, d, search_config.num_simulations,
                 fns.network.num_actions)
      p.update(frame=length, column=int(game.pos), action=int(d.actions[0]),
               bullet_rows=" ".join(str(r) for r in np.flatnonzero(game.e_bullet_map[:, game.pos])))
      frames.append(p)
    ts = env.step(int(d.actions[0]))
    ret += ts.reward
    length += 1
    if ts.last():
      break
  game = env._env.env  # pylint: disable=protected-access
  cause = space_invaders_cause(game, truncated=ts.discount > 0)
  row = {"seed": seed, "return": ret, "length": length, "cause": cause, "column": int(game.pos),
         "aliens_left": int(np.count_nonzero(game.alien_map)), "wave": int(game.ramp_index),
         "bullet_frames_in_column": frames_in_column(bullets, game.pos) if cause == "bullet" else 0}
  return row, frames[-PROBE_FRAMES.value:]


def _fmt(x):
  """Arrays as space-separated values, floats to 2 decimals."""
  if isinstance(x, np.ndarray):
    return " ".join(f"{v:.2f}" if x.dtype.kind == "f" else str(v) for v in x)
  return f"{x:.2f}" if isinstance(x, float) else x


def _write(path, rows):
  with open(path, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
      w.writerow({k: _fmt(v) for k, v in r.items()})


def main(argv):
  del argv
  if not OUT.value:
    raise PipelineError("--out is required")
  _common.setup_tf()
  config = _common.load_config()
  if config.env.name != "MinAtar/SpaceInvaders":
    raise PipelineError(f"--config.env.name={config.env.name!r}; this probe reads "
                        "SpaceInvaders' internals: use MinAtar/SpaceInvaders")
  obs_spec, num_actions = _common.env_specs(config)
  network, step = restore_search_network(config, obs_spec.shape, num_actions,
                                         flags.FLAGS.workdir)
  ev = parts.evaluation_from(config)
  fns = ModelFns(network, ev.implementation)
  episodes, probes = [], []
  for i in range(EPISODES.value):
    row, frames = play(fns, ev.search, seed=10_000 + i, probe=i < PROBE_EPISODES.value)
    episodes.append(row)
    probes += [dict(episode=i, **f) for f in frames]
    print(f"game {i}: return {row['return']:.0f}, {row['length']} frames, {row['cause']} "
          f"(column {row['column']}, aliens left {row['aliens_left']})", flush=True)
  os.makedirs(OUT.value, exist_ok=True)
  _write(os.path.join(OUT.value, "episodes.csv"), episodes)
  if probes:
    _write(os.path.join(OUT.value, "probes.csv"), probes)
  causes = {c: sum(r["cause"] == c for r in episodes) for c in ("bullet", "alien", "truncated")}
  print(f"learner step {step}: mean return {np.mean([r['return'] for r in episodes]):.2f}, "
        f"mean length {np.mean([r['length'] for r in episodes]):.1f}, causes {causes}, "
        f"ended at an edge column (0 or 9) {sum(r['column'] in (0, 9) for r in episodes)}/"
        f"{len(episodes)}")


if __name__ == "__main__":
  run_job(main)
