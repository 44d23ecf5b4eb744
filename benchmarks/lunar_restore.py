"""What a LunarLander state restore costs, by depth (pipeline/envs/lunar_lander.py).

    ./run.sh bench lunar_restore [--depths=100,300,600,999] [--reps=30]

A restore resets the Box2D world and replays the actions since the episode's
reset. The states are those of one 1000-step episode from reset(seed=0) of
gymnasium's heuristic pilot with 20% random actions (the lander flies, lands
and stays awake until the time limit). Each restore goes from a state of
another episode, so every one is a full replay. Prints one JSON line per
depth: depth, median_ms and p90_ms of one restore, us_per_action (median /
depth) and the machine's 1-minute load average.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from gymnasium.envs.box2d.lunar_lander import heuristic

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipeline.envs import registry  # pylint: disable=g-import-not-at-top


def flying_states(depths):
  """{depth: state} along the heuristic pilot's episode from seed 0."""
  env = registry.make("LunarLander-v3", seed=0)
  ts, rng, states = env.reset(), np.random.default_rng(0), {}
  for t in range(1, max(depths) + 1):
    a = heuristic(env._env.unwrapped, ts.observation) if rng.random() > 0.2 else rng.integers(4)
    ts = env.step(int(a))
    if t in depths:
      states[t] = env.get_state()
    if ts.last() and t < max(depths):
      raise SystemExit(f"the episode ended at step {t}")
  return states


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("--depths", default="100,300,600,999")
  parser.add_argument("--reps", type=int, default=30)
  args = parser.parse_args()
  states = flying_states([int(d) for d in args.depths.split(",")])
  env, other = registry.make("LunarLander-v3", seed=5), registry.make("LunarLander-v3", seed=9)
  other.reset()
  elsewhere = other.get_state()
  for depth, state in states.items():
    times = []
    for _ in range(args.reps):
      env.set_state(elsewhere)
      start = time.perf_counter()
      env.set_state(state)
      times.append(time.perf_counter() - start)
    median = float(np.median(times))
    print(json.dumps({"depth": depth, "median_ms": round(median * 1e3, 2),
                      "p90_ms": round(float(np.percentile(times, 90)) * 1e3, 2),
                      "us_per_action": round(median / depth * 1e6, 1),
                      "load1": os.getloadavg()[0]}))


if __name__ == "__main__":
  main()
