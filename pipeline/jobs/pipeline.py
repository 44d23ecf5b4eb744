"""Stage `pipeline`: every stage of one run on one machine.

    ./run.sh pipeline --config=configs/cartpole.py --workdir=runs/cartpole

Starts the Reverb server embedded in this process, config.actors.num_actors
self-play processes and (with reanalyse on) config.reanalyse.workers reanalyse
processes beside it (talking gRPC on loopback), the learner in this
process, then evaluation; writes DIR/result.json. Re-running the same command
after a kill resumes from the checkpoints; finished stages are skipped.
"""
import csv
import logging
import os
import subprocess
import sys
import time

import numpy as np
import reverb
import tensorflow as tf
from absl import flags

from pipeline import progress, records
from pipeline.errors import PipelineError, run_job
from pipeline.jobs import _common
from pipeline.actors.evaluate import evaluate
from pipeline.jobs.evaluate import run_evaluation
from pipeline.learner.learner import Learner
from pipeline.replay import server as server_lib
from pipeline.replay.dataset import learner_dataset

PORT = flags.DEFINE_integer("port", 0, "Reverb port (0: any free port).")
LOG_EVERY = flags.DEFINE_float("log_every_seconds", 10.0, "Seconds between progress lines.")


class Children:
  """The self-play actors and reanalyse workers, as child processes of this one;
  they die with it (PDEATHSIG)."""

  def __init__(self, config, workdir: str, address: str):
    os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
    common = [f"--config={flags.FLAGS['config'].config_filename}", *_common.config_overrides(),
              f"--workdir={workdir}", f"--replay_address={address}", "--child",
              f"--tf_threads={_common.TF_THREADS.value}"]
    self.actors = [self._start(workdir, f"actor_{i}", "selfplay", common + [f"--actor_id={i}"])
                   for i in range(config.actors.num_actors)]
    workers = config.reanalyse.workers if config.reanalyse.enabled else 0
    self.workers = [self._start(workdir, f"reanalyse_{i}", "reanalyse",
                                common + [f"--worker_id={i}"]) for i in range(workers)]
    self.procs = self.actors + self.workers

  @staticmethod
  def _start(workdir, name, stage, args):
    log = open(os.path.join(workdir, "logs", f"{name}.log"), "a")
    return subprocess.Popen([sys.executable, "-m", f"pipeline.jobs.{stage}", *args],
                            stdout=log, stderr=subprocess.STDOUT)

  def check_alive(self) -> None:
    for kind, procs, logs in (("actor", self.actors, "actor_*"),
                              ("reanalyse worker", self.workers, "reanalyse_*")):
      codes = [p.returncode for p in procs if p.poll() is not None]
      if procs and len(codes) == len(procs):
        raise PipelineError(f"every {kind} exited (codes {codes}); see the logs/{logs}.log files")

  def stop(self, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` (an actor blocked by the rate limiter
    cannot act on SIGTERM; its records are flushed per episode, so a kill is safe;
    reanalysed items are derived data, recomputed after a restart)."""
    for p in self.procs:
      if p.poll() is None:
        p.terminate()
    deadline = time.time() + timeout
    for p in self.procs:
      try:
        p.wait(max(0.1, deadline - time.time()))
      except subprocess.TimeoutExpired:
        p.kill()


class ProgressLog:
  """A periodic line: steps/s, frames/s, recent return, time left."""

  def __init__(self, config, records_dir: str, workdir: str):
    self.config, self.records_dir = config, records_dir
    self.frame_rate = progress.Rate(self._frames(self._episodes()))
    self.summary = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard", "actors"))

  def _episodes(self):
    return records.read_episodes(self.records_dir, kind="selfplay")

  @staticmethod
  def _frames(episodes):
    last = {}
    for e in episodes:
      last[e["actor_id"]] = max(last.get(e["actor_id"], 0), e["env_frames"])
    return sum(last.values())

  def __call__(self, metrics):
    if "learner_step" not in metrics:
      logging.info("learner waiting for data")
      return
    episodes = self._episodes()
    frames = self._frames(episodes)
    recent = [e["return"] for e in sorted(episodes, key=lambda e: e["wall_time"])[-20:]]
    step, rate = metrics["learner_step"], metrics["learner_steps_per_second"]
    total = self.config.learner.num_steps
    frame_rate = self.frame_rate.update(frames)
    with self.summary.as_default(step=step):
      tf.summary.scalar("env_frames", frames)
      tf.summary.scalar("env_frames_per_second", frame_rate)
      tf.summary.scalar("episodes", len(episodes))
      if recent:
        tf.summary.scalar("return/recent_20_episodes", float(np.mean(recent)))
    print(f"[pipeline] step {step}/{total} ({rate:.1f}/s) | frames {frames} "
          f"({frame_rate:.0f}/s) | episodes {len(episodes)} | recent return "
          f"{np.mean(recent) if recent else float('nan'):.1f} | loss {metrics['loss/optimised']:.3f}"
          f" | left {progress.eta(step, total, rate)}", flush=True)


class PeriodicEvaluation:
  """Evaluates the search parameters every config.evaluate.every_steps learner
  steps; appends (step, wall seconds, frames, mean return) to DIR/eval/curve.csv
  and says when config.evaluate.target_return is reached."""

  def __init__(self, config, workdir, learner, records_dir, clock):
    self.config, self.learner, self.records_dir, self.clock = config, learner, records_dir, clock
    self.path = os.path.join(workdir, "eval", "curve.csv")
    self.every = config.evaluate.every_steps
    self.next_step = (int(learner.step.numpy()) // self.every + 1) * self.every if self.every else 0
    self.reached = False

  def __call__(self, step: int) -> None:
    if not self.every or step < self.next_step:
      return
    self.next_step = (step // self.every + 1) * self.every
    episodes = evaluate(self.config, self.learner.search_network, self.records_dir, step,
                        self.config.evaluate.num_episodes, evaluator_id=1)
    mean = float(np.mean([e["return"] for e in episodes]))
    os.makedirs(os.path.dirname(self.path), exist_ok=True)
    new = not os.path.exists(self.path)
    with open(self.path, "a") as f:
      if new:
        f.write("learner_step,wall_seconds,env_frames,eval_return_mean,eval_episodes\n")
      f.write(f"{step},{self.clock():.1f},{total_env_frames(self.records_dir)},{mean:.2f},"
              f"{len(episodes)}\n")
    target = self.config.evaluate.target_return
    self.reached = bool(target) and mean >= target
    print(f"[pipeline] evaluation at step {step}: mean return {mean:.1f} over {len(episodes)} "
          f"episodes{' (target reached)' if self.reached else ''}", flush=True)


def first_at_target(curve_path: str, target: float):
  """The first row of DIR/eval/curve.csv whose mean return reached `target`, or None."""
  if not target or not os.path.exists(curve_path):
    return None
  with open(curve_path, newline="") as f:
    for row in csv.DictReader(f):
      if float(row["eval_return_mean"]) >= target:
        return {"learner_step": int(row["learner_step"]),
                "wall_seconds": float(row["wall_seconds"]), "env_frames": int(row["env_frames"]),
                "eval_return_mean": float(row["eval_return_mean"]),
                "eval_episodes": int(row["eval_episodes"])}
  return None


def total_env_frames(records_dir: str) -> int:
  return ProgressLog._frames(records.read_episodes(records_dir, kind="selfplay"))


def main(argv):
  del argv
  _common.setup_tf()
  config = _common.load_config()
  workdir = _common.prepare_workdir(config)
  lock = _common.lock_workdir(workdir, "pipeline")  # noqa: F841 (held until exit)
  result_path = os.path.join(workdir, "result.json")
  if os.path.exists(result_path):
    print(f"pipeline: already finished; result in {result_path}")
    print(open(result_path).read())
    return
  started = time.time()
  clock_path = os.path.join(workdir, "wall_seconds.json")
  previous_seconds = (__import__("json").load(open(clock_path))["wall_seconds"]
                      if os.path.exists(clock_path) else 0.0)
  records_dir = records.run_records_dir(workdir)
  obs_spec, num_actions = _common.env_specs(config)
  stop = _common.StopFlag()

  def keep_clock():
    _common.write_json(clock_path, {"wall_seconds": previous_seconds + time.time() - started})

  if not os.path.exists(os.path.join(workdir, "train.done")):
    server = server_lib.start_server(config, _common.replay_signature(config), workdir, PORT.value)
    address = f"localhost:{server.port}"
    client = reverb.Client(address)
    learner = Learner(config, obs_spec.shape, num_actions, workdir, client,
                      _common.learner_strategy(config))
    print(f"[pipeline] learner {'resumed at step' if learner.restored else 'starting at step'} "
          f"{int(learner.step.numpy())}; replay holds "
          f"{client.server_info()['replay'].current_size} sequences; Reverb on {address}",
          flush=True)
    children = Children(config, workdir, address)
    log = ProgressLog(config, records_dir, workdir)
    periodic = PeriodicEvaluation(config, workdir, learner, records_dir,
                                  lambda: previous_seconds + time.time() - started)

    last_clock = [0.0]

    def should_stop(step):
      children.check_alive()
      if time.time() - last_clock[0] >= 5.0:
        keep_clock()
        last_clock[0] = time.time()
      periodic(step)
      return stop() or periodic.reached

    try:
      learner.run(learner_dataset(address, config, timeout_ms=10_000),
                  should_stop=should_stop, on_log=log, log_every_seconds=LOG_EVERY.value)
    finally:
      children.stop()
    if stop():
      print("[pipeline] stopped; run the same command to resume", flush=True)
      keep_clock()
      return
    if periodic.reached:
      _common.write_json(os.path.join(workdir, "train.done"),
                         {"learner_steps": int(learner.step.numpy()), "target_reached": True})
    server.stop()
  else:
    learner = Learner(config, obs_spec.shape, num_actions, workdir, client=None)
  summary = run_evaluation(config, workdir, learner)
  keep_clock()
  result = {
      "env_frames": total_env_frames(records_dir),
      "learner_steps": int(learner.step.numpy()),
      "wall_seconds": round(previous_seconds + time.time() - started, 1),
      "eval_return_mean": summary["eval_return_mean"],
      "eval_episodes": summary["eval_episodes"],
      "env": config.env.name,
  }
  reached = first_at_target(os.path.join(workdir, "eval", "curve.csv"),
                            config.evaluate.target_return)
  if reached:  # the periodic evaluation that stopped training early
    result["target_reached"] = reached
  _common.write_json(result_path, result)
  print(f"[pipeline] done: eval return {result['eval_return_mean']:.1f} over "
        f"{result['eval_episodes']} episodes, {result['env_frames']} frames, "
        f"{result['wall_seconds']:.0f}s; {result_path}", flush=True)


if __name__ == "__main__":
  run_job(main)
