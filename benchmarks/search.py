"""Search throughput with a CartPole-sized MuZero MLP: compiled or numpy search.

`./run.sh bench search [--implementation=compiled|reference]
 [--batches=1,16,64,256] [--sims=50] [--reps=N]`

--implementation=compiled (the default, what the actors run) measures the
XLA-compiled search: see benchmarks/search_compiled.py, which takes the
remaining flags (also --network=project, --mctx, --profile). The rest of this
docstring describes --implementation=reference, the batched numpy MCTS.

The network (scalar reward / value heads, random weights) has MuZero's three
functions as small tf.keras models: representation (observation 4 -> hidden
64 -> latent 64, scaled to [0, 1]), dynamics ([latent, one-hot action] ->
hidden 64 -> next latent 64 scaled to [0, 1], and a reward head) and
prediction (latent -> hidden 64 -> 2 policy logits and a value). The root is
one @tf.function call (representation + prediction) and every simulation one
@tf.function call (dynamics + prediction) for the whole batch, as the actors
do. A search here is the root call plus `policies.muzero_search` with 50 simulations and
root noise on.

For each batch size it prints one JSON line: batch, sims, median_ms (one
search, root call included), sims_per_s (batch * sims / median time),
net_share (share of the search time spent inside the network calls, numpy
conversion of their outputs included), net_ms_per_call, tree_us_per_sim
(the rest, per simulation) and the machine's 1-minute load average.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pipeline.search import base  # pylint: disable=g-import-not-at-top
from pipeline.search import policies  # pylint: disable=g-import-not-at-top

OBS, HIDDEN, LATENT, ACTIONS = 4, 64, 64, 2


def _scale(x):
  lo = tf.reduce_min(x, axis=-1, keepdims=True)
  hi = tf.reduce_max(x, axis=-1, keepdims=True)
  return (x - lo) / tf.maximum(hi - lo, 1e-8)


def build_network(seed: int = 0):
  """Returns (root_fn, recurrent_fn) tf.functions of a CartPole-sized MLP."""
  tf.keras.utils.set_random_seed(seed)
  dense = tf.keras.layers.Dense
  obs = tf.keras.Input((OBS,))
  representation = tf.keras.Model(
      obs, dense(LATENT)(dense(HIDDEN, activation="relu")(obs)))
  state_action = tf.keras.Input((LATENT + ACTIONS,))
  h = dense(HIDDEN, activation="relu")(state_action)
  dynamics = tf.keras.Model(state_action, [dense(LATENT)(h), dense(1)(h)])
  latent = tf.keras.Input((LATENT,))
  h = dense(HIDDEN, activation="relu")(latent)
  prediction = tf.keras.Model(latent, [dense(ACTIONS)(h), dense(1)(h)])

  @tf.function(input_signature=[tf.TensorSpec([None, OBS], tf.float32)])
  def root_fn(observation):
    s = _scale(representation(observation))
    logits, value = prediction(s)
    return logits, value[:, 0], s

  @tf.function(input_signature=[
      tf.TensorSpec([None, LATENT], tf.float32),
      tf.TensorSpec([None], tf.int32)])
  def recurrent_fn(s, action):
    next_s, reward = dynamics(
        tf.concat([s, tf.one_hot(action, ACTIONS)], axis=-1))
    next_s = _scale(next_s)
    logits, value = prediction(next_s)
    return reward[:, 0], logits, value[:, 0], next_s

  return root_fn, recurrent_fn


def bench(batch: int, sims: int, reps: int, root_tf, recurrent_tf) -> dict:
  rng = np.random.default_rng(batch)
  config = base.SearchConfig(num_simulations=sims)
  net_seconds = [0.0]
  ones = np.ones(batch, dtype=np.float32)

  def recurrent(embedding, action):
    t0 = time.perf_counter()
    reward, logits, value, next_s = recurrent_tf(embedding, action)
    out = base.RecurrentOutput(reward=reward.numpy(), discount=ones,
                               prior_logits=logits.numpy(),
                               value=value.numpy())
    next_s = next_s.numpy()
    net_seconds[0] += time.perf_counter() - t0
    return out, next_s

  def one_search():
    observation = rng.normal(size=(batch, OBS)).astype(np.float32)
    t0 = time.perf_counter()
    logits, value, s = root_tf(observation)
    root = base.RootOutput(logits.numpy(), value.numpy(), s.numpy())
    net_seconds[0] += time.perf_counter() - t0
    policies.muzero_search(root, recurrent, config, rng, add_noise=True)
    return time.perf_counter() - t0

  for _ in range(3):  # warm-up: tracing, allocator
    one_search()
  times, shares = [], []
  for _ in range(reps):
    net_seconds[0] = 0.0
    total = one_search()
    times.append(total)
    shares.append(net_seconds[0] / total)
  median = float(np.median(times))
  net_share = float(np.median(shares))
  return {
      "batch": batch,
      "sims": sims,
      "median_ms": round(median * 1e3, 2),
      "sims_per_s": round(batch * sims / median),
      "net_share": round(net_share, 3),
      "net_ms_per_call": round(median * net_share / (sims + 1) * 1e3, 3),
      "tree_us_per_sim": round(median * (1 - net_share) / sims * 1e6, 1),
      "search": "numpy reference",
      "heads": "scalar",
      # Other processes on the machine inflate the numpy (Python) part more
      # than the network call: read net_share together with the load.
      "load_avg_1m": round(os.getloadavg()[0], 2),
  }


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--implementation", choices=("compiled", "reference"),
                      default="compiled")
  known, rest = parser.parse_known_args(argv)
  if known.implementation == "compiled":
    from benchmarks import search_compiled  # pylint: disable=g-import-not-at-top
    search_compiled.main(rest)
    return
  parser.add_argument("--batches", default="1,16,64,256")
  parser.add_argument("--sims", type=int, default=50)
  parser.add_argument("--reps", type=int, default=20)
  args = parser.parse_args(argv)
  root_tf, recurrent_tf = build_network()
  for batch in [int(b) for b in args.batches.split(",")]:
    print(json.dumps(bench(batch, args.sims, args.reps, root_tf,
                           recurrent_tf)), flush=True)


if __name__ == "__main__":
  main()
