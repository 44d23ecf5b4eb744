"""Uniform-random policy returns: the baseline beside trained agents, and the
"random" end of the normalised scores (pipeline/scoring/normalise.py).

    ./run.sh bench random_baseline --episodes=200 --out=pipeline/data/random_baselines.csv
Prints one JSON line per game (mean return, its standard error, episodes);
--out writes them as the CSV that the tables stage reads. Environments are
the evaluation ones (MinAtar: sticky actions 0.1, all 6 actions).
"""
import csv
import json

import numpy as np
from absl import app, flags

from pipeline.envs import registry

GAMES = flags.DEFINE_list("games", ["CartPole-v1", "MinAtar/Asterix", "MinAtar/Breakout",
                                    "MinAtar/Freeway", "MinAtar/Seaquest", "MinAtar/SpaceInvaders"],
                          "Environment names.")
EPISODES = flags.DEFINE_integer("episodes", 200, "Episodes per game.")
SEED = flags.DEFINE_integer("seed", 0, "Seed of the environments and of the action draws.")
OUT = flags.DEFINE_string("out", "", "CSV to write (game,policy,episodes,mean_return,sem,seed).")


def random_returns(name: str, episodes: int, seed: int = 0) -> np.ndarray:
  """[episodes] returns of uniform-random actions."""
  env = registry.make(name, seed=seed, training=False)
  rng = np.random.default_rng(seed)
  n = env.action_spec().num_values
  out = []
  for _ in range(episodes):
    ts, total = env.reset(), 0.0
    while not ts.last():
      ts = env.step(rng.integers(n))
      total += ts.reward
    out.append(total)
  return np.array(out)


def main(argv):
  del argv
  rows = []
  for name in GAMES.value:
    r = random_returns(name, EPISODES.value, SEED.value)
    rows.append({"game": name, "policy": "uniform random", "episodes": len(r),
                 "mean_return": round(float(r.mean()), 4),
                 "sem": round(float(r.std(ddof=1) / np.sqrt(len(r))), 4), "seed": SEED.value})
    print(json.dumps(rows[-1]), flush=True)
  if OUT.value:
    with open(OUT.value, "w", newline="") as f:
      writer = csv.DictWriter(f, fieldnames=list(rows[0]))
      writer.writeheader()
      writer.writerows(rows)
    print(f"wrote {OUT.value}")


if __name__ == "__main__":
  app.run(main)
