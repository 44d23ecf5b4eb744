"""Learner steps per second, in isolation and from a Reverb replay, optionally
side by side with another checkout of the project (e.g. the code before a change).

    ./run.sh bench learner_throughput --config=configs/cartpole.py
    ./run.sh bench learner_throughput --config=configs/minatar.py --compare=/work/before \
        --set=learner.jit_compile=True --rounds=3

Two measurements per code version, each in a fresh process with one TF thread:
  isolation  Learner.learn_from on one synthetic batch (sequences with episode
             ends and padding), repeated: the whole update without Reverb (with
             learner.steps_per_call K > 1: K copies of it per call);
  replayed   Learner.run over a local Reverb server filled with those
             sequences (sampling, the update, priority updates, publishing),
             timed from the first step's end to the last's (not the checkpoint
             Learner.run writes when it ends).
With learner.steps_per_call K > 1 it also times the first call of each shorter
length 1..K-1 (partial_call_trace_seconds: their sum). Learner.run cuts a call
short at a rate-limiter time-out (and at a publish or milestone off a multiple
of K), and each new length traces TrainStep.many once: this is the most that
costs a learner process, once.
A config file may take its argument as in the pipeline: configs/minatar_race.py:space_invaders.
With --compare the two versions alternate for --rounds rounds (sharing the
machine's noise); medians and the ratio ours / theirs are printed as JSON.
--set KEY=VALUE overrides apply where the version knows the key.
"""
import importlib.util
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CONFIG = flags.DEFINE_string("config", "configs/cartpole.py", "Run config file.")
SETS = flags.DEFINE_multi_string("set", [], "config overrides KEY=VALUE (Python literals).")
SECONDS = flags.DEFINE_float("seconds", 20.0, "Timed seconds per measurement.")
ROUNDS = flags.DEFINE_integer("rounds", 3, "Alternating rounds with --compare.")
COMPARE = flags.DEFINE_string("compare", "", "Another checkout to measure side by side.")
WORKER = flags.DEFINE_bool("worker", False, "Internal: measure this process's code once.")


def load_config(path, sets):
  path, _, argument = path.partition(":")
  spec = importlib.util.spec_from_file_location("cfg", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  config = module.get_config(argument) if argument else module.get_config()
  applied = []
  for item in sets:
    key, value = item.split("=", 1)
    *parents, leaf = key.split(".")
    parent = config
    for part in parents:
      parent = parent[part]
    if leaf in parent:  # a key this version of the project knows
      old = parent[leaf]
      parent[leaf] = value in ("True", "true", "1") if isinstance(old, bool) else \
          type(old)(eval(value))
      applied.append(item)
  return config, applied


def synthetic_sequences(config, obs_shape, obs_dtype, num_actions, rng):
  """B sequences [B, L, ...]: a quarter end (terminated) at a random step and are padded."""
  b, l = config.learner.batch_size, config.replay.sequence_length
  obs = rng.random((b, l) + obs_shape)
  obs = (obs * 255).astype(obs_dtype) if obs_dtype == np.uint8 else obs.astype(obs_dtype)
  data = {"observation": obs,
          "action": rng.integers(0, num_actions, (b, l)).astype(np.int32),
          "reward": rng.random((b, l)).astype(np.float32),
          "discount": np.ones((b, l), np.float32),
          "policy": rng.dirichlet(np.ones(num_actions), (b, l)).astype(np.float32),
          "behaviour": np.full((b, l), 1 / num_actions, np.float32),
          "value": rng.normal(size=(b, l)).astype(np.float32),
          "last": np.zeros((b, l), np.float32), "mask": np.ones((b, l), np.float32)}
  for row in range(0, b, 4):
    end = int(rng.integers(1, l))
    data["last"][row, end] = 1
    data["mask"][row, end + 1:] = 0
    data["discount"][row, end - 1:] = 0
    data["reward"][row, end:] = 0
    data["value"][row, end:] = 0
  return data


class _Info:
  """The ReplaySample.info fields the learner reads."""

  def __init__(self, batch):
    import tensorflow as tf
    self.probability = tf.fill([batch], 1e-3)
    self.table_size = tf.fill([batch], 1000)
    self.key = tf.zeros([batch], tf.uint64)


def as_sample(data):
  """A ReplaySample-like batch of the numpy fields [B, L, ...]."""
  import tensorflow as tf
  from types import SimpleNamespace
  return SimpleNamespace(data={k: tf.constant(v) for k, v in data.items()},
                         info=_Info(len(data["mask"])))


def train_until(learner, config, step):
  """Makes learner.run stop at `step` (the schedules keep their span)."""
  if hasattr(learner.config, "training_steps"):  # a typed parts.LearnerConfig
    from pipeline.parts import replace
    learner.config = replace(learner.config, training_steps=step)
  else:  # a checkout whose learner reads the ConfigDict as it runs
    config.learner.num_steps = step


def measure(config, seconds):
  """{isolation, replayed}: learner steps per second of this process's code."""
  import reverb
  import tensorflow as tf
  tf.config.threading.set_intra_op_parallelism_threads(1)
  tf.config.threading.set_inter_op_parallelism_threads(1)
  from pipeline.envs import registry
  from pipeline.learner.learner import Learner
  from pipeline.replay import dataset as dataset_lib, spec as spec_lib, tables
  from pipeline.replay.writer import SequenceWriter
  try:
    from pipeline.parts import learner_from, replay_from
  except ImportError:  # a checkout whose learner and tables take the ConfigDict
    learner_from = replay_from = lambda c: c
  env = registry.make_from_config(config, seed=0)
  obs_spec, num_actions = env.observation_spec(), env.action_spec().num_values
  shape = tuple(obs_spec.shape)
  data = synthetic_sequences(config, shape, obs_spec.dtype, num_actions,
                             np.random.default_rng(0))
  out = {}
  learner = Learner(learner_from(config), shape, num_actions, tempfile.mkdtemp(), client=None)
  sample = as_sample(data)
  # learner.steps_per_call steps a call (one at a time in a version without it), each
  # call's metrics read back as Learner.learn_from does.
  k = getattr(learner.config, "steps_per_call", 1)
  learn = (lambda: learner.learn_from(sample)) if k == 1 else (
      lambda: {key: float(v) for key, v in learner._update_many([sample] * k).items()})  # pylint: disable=protected-access
  for _ in range(3):
    learn()  # compiles
  done, start = 0, time.perf_counter()
  while time.perf_counter() - start < seconds:
    learn()
    done += k
  out["isolation"] = done / (time.perf_counter() - start)
  traced = 0.0
  for n in range(1, k):  # each shorter call length's first call: its one-time trace
    start = time.perf_counter()
    {key: float(v) for key, v in learner._update_many([sample] * n).items()}  # pylint: disable=protected-access
    traced += time.perf_counter() - start
  out["partial_call_trace_seconds"] = traced

  # Replayed: a local server whose limiter never blocks the learner.
  config.replay.samples_per_insert = 1e9
  config.replay.insert_error_buffer = 10**15
  config.replay.min_size_to_sample = 1
  config.replay.kind = "prioritised"
  signature = spec_lib.sequence_signature(
      spec_lib.step_spec(shape, obs_spec.dtype, num_actions), config.replay.sequence_length)
  server = reverb.Server(tables.server_tables(replay_from(config), signature))
  address = f"localhost:{server.port}"
  client = reverb.Client(address)
  # The version's own SequenceWriter (its chunking decides the sampling cost):
  # the synthetic rows as one stream of 200-step episodes.
  step_spec = spec_lib.step_spec(shape, obs_spec.dtype, num_actions)
  writer = SequenceWriter(client, step_spec, config.replay.sequence_length,
                          config.replay.sequence_overlap, config.learner.unroll_steps,
                          config.discount, config.learner.td_lambda, 1.0)
  rows = len(data["mask"])
  for episode in range(8):
    for t in range(200):
      step = {k: v[(episode * 7 + t) % rows, t % config.replay.sequence_length]
              for k, v in data.items()}
      step.update(last=np.float32(t == 199), mask=np.float32(1), discount=np.float32(1))
      writer.append(step)
    writer.end_episode()
  writer.flush()
  learner = Learner(learner_from(config), shape, num_actions, tempfile.mkdtemp(), client)
  dataset = dataset_lib.learner_dataset(address, replay_from(config))
  train_until(learner, config, 20)
  learner.run(dataset, log_every_seconds=1e9)  # compiles
  # Timed from the first step's end to the last's: the publish and checkpoint that
  # Learner.run does at its start and end (a Reverb checkpoint too) are not the loop's.
  ends = []
  per_step = "after_step" in inspect.signature(learner.run).parameters

  def timed_run():
    if per_step:
      learner.run(dataset, log_every_seconds=1e9,
                  after_step=lambda _: ends.append(time.perf_counter()))
    else:  # a checkout whose Learner.run has no after_step: the whole call
      ends.append(time.perf_counter())
      learner.run(dataset, log_every_seconds=1e9)
      ends.append(time.perf_counter())

  steps = 50
  while True:
    ends.clear()
    train_until(learner, config, int(learner.step.numpy()) + steps)
    timed_run()
    elapsed = ends[-1] - ends[0]
    rate = (len(ends) - 1) / elapsed if per_step else steps / elapsed
    if elapsed >= seconds / 4 or steps > 10**6:
      break
    steps = int(steps * max(2.0, seconds / 4 / max(elapsed, 1e-3)))
  out["replayed"] = rate
  server.stop()
  return out


def run_worker(checkout, argv_flags):
  env = dict(os.environ, PYTHONPATH=checkout, TF_CPP_MIN_LOG_LEVEL="3")
  cmd = [sys.executable, os.path.abspath(__file__), "--worker", *argv_flags]
  r = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True)
  line = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
  if not line:
    raise RuntimeError(f"worker in {checkout} failed:\n{r.stderr[-3000:]}")
  return json.loads(line[-1][len("RESULT "):])


def main(argv):
  del argv
  if WORKER.value:
    config, applied = load_config(CONFIG.value, SETS.value)
    result = measure(config, SECONDS.value)
    print("RESULT " + json.dumps(dict(result, applied=applied)), flush=True)
    return
  here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  path, colon, argument = CONFIG.value.partition(":")
  config_path = os.path.abspath(path) + colon + argument
  passed = [f"--config={config_path}", f"--seconds={SECONDS.value}"] + \
      [f"--set={s}" for s in SETS.value]
  versions = {"ours": here}
  if COMPARE.value:
    versions["theirs"] = os.path.abspath(COMPARE.value)
  results = {name: [] for name in versions}
  for r in range(ROUNDS.value if COMPARE.value else 1):
    for name, checkout in versions.items():
      results[name].append(run_worker(checkout, passed))
      print(f"round {r}: {name} {results[name][-1]}", flush=True)
  summary = {"config": CONFIG.value, "set": SETS.value,
             "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
  for name, runs in results.items():
    for kind in ("isolation", "replayed"):
      summary[f"{name}_{kind}_steps_per_second"] = round(
          float(np.median([x[kind] for x in runs])), 2)
    summary[f"{name}_partial_call_trace_seconds"] = round(
        float(np.median([x.get("partial_call_trace_seconds", 0.0) for x in runs])), 2)
    summary[f"{name}_applied"] = runs[0]["applied"]
  if COMPARE.value:
    for kind in ("isolation", "replayed"):
      summary[f"ratio_{kind}"] = round(summary[f"ours_{kind}_steps_per_second"] /
                                       summary[f"theirs_{kind}_steps_per_second"], 2)
  print(json.dumps(summary))


if __name__ == "__main__":
  app.run(main)
