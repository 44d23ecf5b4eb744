"""Search throughput of the XLA-compiled MCTS (pipeline/search/compiled.py).

`./run.sh bench search_compiled [--batches=1,16,64,256] [--sims=50] [--reps=N]
 [--network=bench|project] [--mctx] [--profile]`
(also `./run.sh bench search --implementation=compiled`, the default there).

The network is the one of benchmarks/search.py and of the mctx measurement in
issue 7: a CartPole-sized MuZero MLP with scalar reward / value heads and
random weights -- representation observation 4 -> hidden 64 -> latent 64
(scaled to [0, 1]), dynamics [latent, one-hot action] -> hidden 64 -> next
latent 64 (scaled) and a reward, prediction latent -> hidden 64 -> 2 policy
logits and a value. `--network=project` uses instead the project's own
MuZeroNetwork with configs/cartpole.py's settings (two hidden layers of 64,
categorical heads of 51 value / 7 reward bins, 64-wide heads), what the
CartPole actors run.

A search is one call of the compiled function: the representation at the
roots, 50 simulations each with one batched dynamics + prediction call, and
the backups, all in one XLA program; root Dirichlet noise on (drawn on the
host with numpy, as the actors do, and passed in). For each batch size it
prints one JSON line: batch, sims, median_ms (one search, host noise draw
and numpy outputs included), sims_per_s (batch * sims / median time),
compile_s (first call: tracing + XLA compilation), min_ms, cpu_ms (median
CPU time of the process per search: less sensitive to other processes on a
shared machine than wall time) and the 1-minute load average. `--mctx` adds
a line for mctx.muzero_policy on the same shapes in JAX (mctx is not a
dependency: `pip install --no-deps mctx==0.0.5`), its searches interleaved
with ours so that both see the same machine load. `--profile` adds a line for
the network alone (one XLA program: the root call and 50 chained recurrent
calls, no tree) and, on the compiled line, net_share_cpu (its share of the
search's CPU time) and tree_us_per_sim_cpu (the rest, per simulation).
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
from benchmarks import search as reference_bench  # pylint: disable=g-import-not-at-top
from pipeline.search import compiled  # pylint: disable=g-import-not-at-top
from pipeline.search import base  # pylint: disable=g-import-not-at-top
from pipeline.search import policy  # pylint: disable=g-import-not-at-top

OBS, HIDDEN, LATENT, ACTIONS = (reference_bench.OBS, reference_bench.HIDDEN,
                                reference_bench.LATENT, reference_bench.ACTIONS)


def bench_functions(seed: int = 0):
  """root_fn / recurrent_fn (compiled.py's interface) of the bench MLP."""
  root_tf, recurrent_tf = reference_bench.build_network(seed)

  def recurrent_fn(latent, action):
    reward, logits, value, next_latent = recurrent_tf(latent, action)
    return reward, tf.ones_like(value), logits, value, next_latent

  return root_tf, recurrent_fn


def make_search(network: str, sims: int) -> compiled.CompiledSearch:
  config = base.SearchConfig(num_simulations=sims)
  if network == "bench":
    root_fn, recurrent_fn = bench_functions()
    return compiled.CompiledSearch.from_functions(root_fn, recurrent_fn,
                                                  config, ACTIONS)
  # pylint: disable=g-import-not-at-top
  import importlib.util
  from pipeline.networks import muzero_net
  spec = importlib.util.spec_from_file_location(
      "cartpole_config", os.path.join(os.path.dirname(os.path.dirname(
          os.path.abspath(__file__))), "configs", "cartpole.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  net = muzero_net.make_network(module.get_config(), (OBS,), ACTIONS)
  rng = np.random.default_rng(0)
  # Non-zero output layers, so the tree is not all ties.
  net.set_weights([w + 0.1 * rng.normal(size=w.shape).astype(np.float32)
                   for w in net.get_weights()])
  return compiled.CompiledSearch(net, config)


def compiled_runner(search: compiled.CompiledSearch, batch: int, sims: int):
  """(one_search() -> seconds, compile seconds) for the compiled search."""
  rng = np.random.default_rng(batch)
  valid = np.ones((batch, ACTIONS), bool)

  def one_search():
    observation = rng.normal(size=(batch, OBS)).astype(np.float32)
    t0 = time.perf_counter()
    noise = policy.dirichlet_noise(rng, search.config.dirichlet_alpha, valid)
    out = search(observation, noise=noise)
    elapsed = time.perf_counter() - t0
    assert (out.visit_counts.sum(axis=1) == sims).all()
    return elapsed

  return one_search, one_search()


def mctx_runner(batch: int, sims: int):
  """(one_search, compile seconds) for mctx.muzero_policy on the same shapes.

  The same MLP in JAX (random weights), root noise on, jax.jit over the whole
  policy call (representation included), as in the issue's measurement.
  """
  # pylint: disable=g-import-not-at-top
  import warnings
  warnings.filterwarnings("ignore", category=FutureWarning)
  import jax
  import jax.numpy as jnp
  import mctx

  keys = iter(jax.random.split(jax.random.PRNGKey(0), 32))

  def dense(n_in, n_out):
    w = jax.random.normal(next(keys), (n_in, n_out)) / np.sqrt(n_in)
    return w, jnp.zeros(n_out)

  params = {
      "r1": dense(OBS, HIDDEN), "r2": dense(HIDDEN, LATENT),
      "d1": dense(LATENT + ACTIONS, HIDDEN), "d2": dense(HIDDEN, LATENT),
      "dr": dense(HIDDEN, 1), "p1": dense(LATENT, HIDDEN),
      "pl": dense(HIDDEN, ACTIONS), "pv": dense(HIDDEN, 1)}

  def apply(p, x):
    return x @ p[0] + p[1]

  def scale(x):
    lo, hi = x.min(-1, keepdims=True), x.max(-1, keepdims=True)
    return (x - lo) / jnp.maximum(hi - lo, 1e-8)

  def predict(params, s):
    h = jax.nn.relu(apply(params["p1"], s))
    return apply(params["pl"], h), apply(params["pv"], h)[:, 0]

  def recurrent_fn(params, rng_key, action, s):
    del rng_key
    h = jax.nn.relu(apply(params["d1"], jnp.concatenate(
        [s, jax.nn.one_hot(action, ACTIONS)], -1)))
    next_s = scale(apply(params["d2"], h))
    logits, value = predict(params, next_s)
    out = mctx.RecurrentFnOutput(
        reward=apply(params["dr"], h)[:, 0],
        discount=jnp.full(action.shape, 0.997), prior_logits=logits,
        value=value)
    return out, next_s

  @jax.jit
  def search(params, obs, key):
    s = scale(apply(params["r2"], jax.nn.relu(apply(params["r1"], obs))))
    logits, value = predict(params, s)
    out = mctx.muzero_policy(
        params, key, mctx.RootFnOutput(prior_logits=logits, value=value,
                                       embedding=s),
        recurrent_fn, num_simulations=sims, dirichlet_fraction=0.3,
        dirichlet_alpha=0.25)
    return out.action_weights

  rng = np.random.default_rng(batch)
  key = jax.random.PRNGKey(1)

  def one_search():
    obs = jnp.asarray(rng.normal(size=(batch, OBS)).astype(np.float32))
    t0 = time.perf_counter()
    np.asarray(search(params, obs, key))
    return time.perf_counter() - t0

  return one_search, one_search()


def network_runner(search: compiled.CompiledSearch, batch: int, sims: int):
  """(one_run, compile seconds): the search's network alone, as it is called.

  One XLA program with the representation at the roots and `sims` chained
  dynamics + prediction calls in a tf.while_loop (no tree): the part of a
  search's time that is the network.
  """
  root_fn, recurrent_fn = search.model_functions

  @tf.function(jit_compile=True)
  def network_only(observation):
    _, value, latent = root_fn(observation)

    def body(i, latent, total):
      action = tf.fill([batch], i % ACTIONS)
      reward, _, _, value, latent = recurrent_fn(latent, action)
      return i + 1, latent, total + value + reward

    return tf.while_loop(lambda i, *unused: i < sims, body,
                         (0, latent, value))[2]

  rng = np.random.default_rng(batch)
  # Called like the search (CompiledSearch.__call__): the concrete
  # function's flat entry point, without tf.function's argument binding.
  concrete = network_only.get_concrete_function(
      tf.TensorSpec((batch, OBS), tf.float32))

  def one_run():
    observation = rng.normal(size=(batch, OBS)).astype(np.float32)
    t0 = time.perf_counter()
    out = concrete._call_flat([tf.constant(observation)],  # pylint: disable=protected-access
                              concrete.captured_inputs)
    out[0].numpy() if isinstance(out, (list, tuple)) else out.numpy()
    return time.perf_counter() - t0

  return one_run, one_run()


def measure(runners, batch: int, sims: int, reps: int):
  """Interleaves the runners' searches (same machine load); one row each."""
  for _ in range(3):  # warm-up
    for run, _ in runners.values():
      run()
  times = {name: [] for name in runners}
  cpu = {name: [] for name in runners}
  for _ in range(reps):
    for name, (run, _) in runners.items():
      c0 = time.process_time()
      times[name].append(run())
      cpu[name].append(time.process_time() - c0)
  rows = []
  for name, (_, compile_s) in runners.items():
    median = float(np.median(times[name]))
    rows.append({
        "batch": batch,
        "sims": sims,
        "median_ms": round(median * 1e3, 3),
        "sims_per_s": round(batch * sims / median),
        "compile_s": round(compile_s, 2),
        "min_ms": round(min(times[name]) * 1e3, 3),
        "cpu_ms": round(float(np.median(cpu[name])) * 1e3, 3),
        "search": name,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    })
  return rows


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--batches", default="1,16,64,256")
  parser.add_argument("--sims", type=int, default=50)
  parser.add_argument("--reps", type=int, default=20)
  parser.add_argument("--network", choices=("bench", "project"),
                      default="bench")
  parser.add_argument("--mctx", action="store_true",
                      help="also measure mctx.muzero_policy (needs mctx)")
  parser.add_argument("--profile", action="store_true",
                      help="also time the network alone (root + sims calls)")
  args, _ = parser.parse_known_args(argv)
  search = make_search(args.network, args.sims)
  network = ("MLP obs 4, hidden 64, latent 64, 2 actions, scalar heads"
             if args.network == "bench" else
             "project MuZeroNetwork, configs/cartpole.py (categorical heads)")
  for batch in [int(b) for b in args.batches.split(",")]:
    runners = {"compiled": compiled_runner(search, batch, args.sims)}
    if args.mctx:
      runners["mctx"] = mctx_runner(batch, args.sims)
    if args.profile:
      runners["network only"] = network_runner(search, batch, args.sims)
    rows = measure(runners, batch, args.sims, args.reps)
    for row in rows:
      row["network"] = {
          "compiled": network, "network only": network,
          "mctx": "the same MLP in JAX (mctx.muzero_policy)"}[row["search"]]
    if args.profile:
      # The share of the compiled search's time inside the network calls.
      ours, net = rows[0], rows[-1]
      ours["net_share_cpu"] = round(net["cpu_ms"] / ours["cpu_ms"], 3)
      ours["tree_us_per_sim_cpu"] = round(
          (ours["cpu_ms"] - net["cpu_ms"]) * 1e3 / args.sims, 1)
    for row in rows:
      print(json.dumps(row), flush=True)


if __name__ == "__main__":
  main()
