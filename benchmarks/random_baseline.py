"""Uniform-random policy returns: the baseline beside trained agents.

    ./run.sh bench random_baseline --games=MinAtar/Breakout,MinAtar/Asterix --episodes=100
Prints one JSON line per game: mean return, its standard error, episodes.
"""
import json

import numpy as np
from absl import app, flags

from pipeline.envs import registry

GAMES = flags.DEFINE_list("games", ["MinAtar/Breakout", "MinAtar/Asterix", "CartPole-v1"],
                          "Environment names.")
EPISODES = flags.DEFINE_integer("episodes", 100, "Episodes per game.")


def random_returns(name: str, episodes: int, seed: int = 0):
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
  for name in GAMES.value:
    r = random_returns(name, EPISODES.value)
    print(json.dumps({"game": name, "policy": "uniform random", "episodes": len(r),
                      "mean_return": round(float(r.mean()), 3),
                      "sem": round(float(r.std(ddof=1) / np.sqrt(len(r))), 3)}))


if __name__ == "__main__":
  app.run(main)
