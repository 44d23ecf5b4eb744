"""The parts of a one-machine run (the `pipeline` stage) besides the learner:
its child processes, its progress line and its evaluations during training.

  Children            self-play actors and reanalyse workers as child processes
  ProgressLog         the periodic progress line and the actors' TensorBoard scalars,
                      reading only the episodes recorded since its last call
  PeriodicEvaluation  greedy evaluations every config.evaluate.every_steps learner
                      steps, appended to DIR/eval/curve.csv (a Learner.run after_step hook)
  first_at_target     the first evaluation that reached config.evaluate.target_return
  RunClock            a run's wall-clock across restarts (DIR/wall_seconds.json)
  train               the training phase: Reverb, children, learner, evaluations
  run_result          DIR/result.json's contents after the final evaluation
"""
import csv
import json
import logging
import os
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

import numpy as np
import tensorflow as tf

from pipeline import config_schema, parts, progress, records
from pipeline.actors.evaluate import evaluate
from pipeline.errors import PipelineError
from pipeline.files import write_json


class Children:
  """The self-play actors and reanalyse workers, as child processes of this one
  (each stage's command line is `common_args` plus its own id); they die with
  it (PDEATHSIG, set by the stages' --child flag)."""

  def __init__(self, config, workdir: str, common_args: Sequence[str]):
    os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
    common = list(common_args)
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


def frames_of(episodes: Sequence[Dict], latest: Optional[Dict[int, int]] = None) -> int:
  """Env frames of a run: the sum over actors of each one's latest cumulative
  count (`latest`, {actor: frames}, is updated in place when given)."""
  latest = {} if latest is None else latest
  for e in episodes:
    latest[e["actor_id"]] = max(latest.get(e["actor_id"], 0), e["env_frames"])
  return sum(latest.values())


def total_env_frames(records_dir: str) -> int:
  return frames_of(records.read_episodes(records_dir, kind="selfplay"))


class ProgressLog:
  """A periodic line: steps/s, frames/s, recent return, time left. Each call reads
  only the self-play episodes recorded since the last one (records.EpisodeTail)."""

  def __init__(self, config, records_dir: str, workdir: str, recent: int = 20):
    self.config = config
    self.tail = records.EpisodeTail(records_dir, kind="selfplay")
    self.latest: Dict[int, int] = {}
    self.episodes, self.recent, self.keep = 0, [], recent
    self.frames = self._read()
    self.frame_rate = progress.Rate(self.frames)
    self.summary = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard", "actors"))

  def _read(self) -> int:
    new = sorted(self.tail.new(), key=lambda e: e["wall_time"])
    self.episodes += len(new)
    self.recent = (self.recent + [e["return"] for e in new])[-self.keep:]
    return frames_of(new, self.latest)

  def __call__(self, metrics):
    if "learner_step" not in metrics:
      logging.info("learner waiting for data")
      return
    frames = self._read()
    step, rate = metrics["learner_step"], metrics["learner_steps_per_second"]
    total = config_schema.training_steps(self.config)
    frame_rate = self.frame_rate.update(frames)
    with self.summary.as_default(step=step):
      tf.summary.scalar("env_frames", frames)
      tf.summary.scalar("env_frames_per_second", frame_rate)
      tf.summary.scalar("episodes", self.episodes)
      if self.recent:
        tf.summary.scalar(f"return/recent_{self.keep}_episodes", float(np.mean(self.recent)))
    print(f"[pipeline] step {step}/{total} ({rate:.1f}/s) | frames {frames} "
          f"({frame_rate:.0f}/s) | episodes {self.episodes} | recent return "
          f"{np.mean(self.recent) if self.recent else float('nan'):.1f} | loss "
          f"{metrics['loss/optimised']:.3f} | left {progress.eta(step, total, rate)}", flush=True)


class PeriodicEvaluation:
  """After a learner step (Learner.run's after_step): every
  config.evaluate.every_steps steps, evaluates the search parameters and
  appends (step, wall seconds, frames, mean return) to DIR/eval/curve.csv;
  `reached` says when config.evaluate.target_return was reached. A stop
  request (should_stop) ends an evaluation at once and writes no row; a run
  resumed at a multiple of every_steps whose row is missing evaluates it
  first (call it with the start step before training)."""

  def __init__(self, config, workdir, search_network, start_step: int, records_dir, clock,
               should_stop=lambda: False):
    self.config, self.network, self.records_dir, self.clock = config, search_network, records_dir, clock
    self.path = os.path.join(workdir, "eval", "curve.csv")
    self.every, self.should_stop = config.evaluate.every_steps, should_stop
    self.next_step = (start_step // self.every + 1) * self.every if self.every else 0
    if self.every and start_step and start_step % self.every == 0 and \
        start_step not in self._steps_done():
      self.next_step = start_step  # stopped during this step's evaluation: redo it
    self.reached = False

  def _steps_done(self):
    if not os.path.exists(self.path):
      return set()
    with open(self.path, newline="") as f:
      return {int(row["learner_step"]) for row in csv.DictReader(f) if row.get("learner_step")}

  def __call__(self, step: int) -> None:
    if not self.every or step < self.next_step:
      return
    self.next_step = (step // self.every + 1) * self.every
    n = self.config.evaluate.num_episodes
    episodes = evaluate(parts.evaluation_from(self.config), self.network, self.records_dir, step, n,
                        evaluator_id=1,
                        should_stop=self.should_stop)
    if len(episodes) < n:  # stopped: no row (a resume redoes this step's evaluation)
      return
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


def first_at_target(curve_path: str, target: float) -> Optional[Dict]:
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


class RunClock:
  """Seconds a run has spent, summed over its restarts; save() writes them."""

  def __init__(self, workdir: str):
    self.path = os.path.join(workdir, "wall_seconds.json")
    self.previous = (json.load(open(self.path))["wall_seconds"]
                     if os.path.exists(self.path) else 0.0)
    self.started = time.time()
    self._saved = 0.0

  def seconds(self) -> float:
    return self.previous + time.time() - self.started

  def save(self, every_seconds: float = 0.0) -> None:
    """Writes the clock (at most once per every_seconds)."""
    if time.time() - self._saved >= every_seconds:
      write_json(self.path, {"wall_seconds": self.seconds()})
      self._saved = time.time()


def train(config, workdir: str, learner_factory, server, child_args: Sequence[str],
          stop, clock: RunClock, log_every_seconds: float) -> bool:
  """The training phase of a one-machine run: the children beside `server`, the
  learner (learner_factory(client)) with periodic evaluations between its steps.
  True when training ended (its steps, the evaluation target, or
  learner.stop_after_seconds of wall-clock), False on a stop request."""
  import reverb  # pylint: disable=g-import-not-at-top
  from pipeline.replay.dataset import learner_dataset  # pylint: disable=g-import-not-at-top
  address = f"localhost:{server.port}"
  client = reverb.Client(address)
  learner = learner_factory(client)
  print(f"[pipeline] learner {'resumed at step' if learner.restored else 'starting at step'} "
        f"{int(learner.step.numpy())}; replay holds "
        f"{client.server_info()['replay'].current_size} sequences; Reverb on {address}",
        flush=True)
  records_dir = records.run_records_dir(workdir)
  children = Children(config, workdir, child_args)
  log = ProgressLog(config, records_dir, workdir)
  periodic = PeriodicEvaluation(config, workdir, learner.search_network, int(learner.step.numpy()),
                                records_dir, clock.seconds, should_stop=stop)
  periodic(int(learner.step.numpy()))  # a resumed run's missing evaluation, if any

  budget = float(config.learner.stop_after_seconds)

  def out_of_time() -> bool:  # the run's clock, summed over its restarts
    return budget > 0 and clock.seconds() >= budget

  def should_stop(step):
    children.check_alive()
    clock.save(every_seconds=5.0)
    return stop() or periodic.reached or out_of_time()

  try:
    learner.run(learner_dataset(address, parts.replay_from(config)), should_stop=should_stop,
                on_log=log, log_every_seconds=log_every_seconds, after_step=periodic)
  finally:
    children.stop()
  if stop():
    return False
  if periodic.reached or out_of_time():
    write_json(os.path.join(workdir, "train.done"),
               {"learner_steps": int(learner.step.numpy()), "target_reached": periodic.reached,
                "time_budget_reached": out_of_time()})
  return True


def run_result(config, workdir: str, step: int, summary: Dict, clock: RunClock) -> Dict:
  """result.json: frames, learner steps, wall seconds, the final evaluation (and the
  evaluation that reached the target, when one stopped training early)."""
  result = {
      "env_frames": total_env_frames(records.run_records_dir(workdir)),
      "learner_steps": step,
      "wall_seconds": round(clock.seconds(), 1),
      "eval_return_mean": summary["eval_return_mean"],
      "eval_episodes": summary["eval_episodes"],
      "env": config.env.name,
  }
  reached = first_at_target(os.path.join(workdir, "eval", "curve.csv"),
                            config.evaluate.target_return)
  if reached:
    result["target_reached"] = reached
  return result
