"""Whole `pipeline` runs of this checkout and another one (e.g. the code before a
change), same config and overrides, on the same machine, seed by seed.

    ./run.sh bench pipeline_before_after --compare=/work/before --config=configs/cartpole.py \
        --seeds=0,1,2,3,4 --workdir=/work/bench/cartpole
    ./run.sh bench pipeline_before_after --compare=/work/before --config=configs/minatar.py \
        --set=learner.num_steps=100000 --set=evaluate.every_steps=500 --minutes=20 \
        --together --seeds=0 --workdir=/work/bench/breakout

Per seed the two versions run one after the other (alternating which goes
first), or at the same time with --together (each then has half the
machine). --minutes stops a run (SIGTERM: it checkpoints and exits) after
that wall-clock; its score is then the last periodic evaluation before the
deadline. Writes WORKDIR/runs.csv and WORKDIR/summary.md: per run the wall
clock, learner steps per second, frames, when the evaluation target was
reached (if it was) and the final or last evaluation.
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
from absl import app, flags

CONFIG = flags.DEFINE_string("config", "configs/cartpole.py",
                             "Run config file, relative to each checkout.")
SETS = flags.DEFINE_multi_string("set", [], "config overrides KEY=VALUE, for both versions.")
SEEDS = flags.DEFINE_list("seeds", ["0"], "Run seeds.")
COMPARE = flags.DEFINE_string("compare", "", "The other checkout.")
WORKDIR = flags.DEFINE_string("workdir", None, "Where the runs go.", required=True)
MINUTES = flags.DEFINE_float("minutes", 0.0, "Stop each run after this many minutes (0: none).")
TOGETHER = flags.DEFINE_bool("together", False, "Run the two versions at the same time.")

FIELDS = ("version", "seed", "wall_seconds", "learner_steps", "learner_steps_per_second",
          "env_frames", "target_seconds", "target_steps", "target_frames", "eval_return",
          "eval_kind")


def start(checkout, workdir, seed):
  os.makedirs(workdir, exist_ok=True)
  env = dict(os.environ, PYTHONPATH=checkout, TF_CPP_MIN_LOG_LEVEL="3",
             PVE_RECORDS_ROOT=os.path.join(WORKDIR.value, "records"))
  # Each version reads its own copy of the config file (the same recipe; a
  # version's own keys, e.g. learner.jit_compile, keep their defaults there).
  cmd = [sys.executable, "-m", "pipeline.jobs.pipeline", f"--config={CONFIG.value}",
         *[f"--config.{s}" for s in SETS.value], f"--config.seed={seed}", f"--workdir={workdir}"]
  log = open(os.path.join(workdir, "bench.log"), "a")
  return subprocess.Popen(cmd, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
                          start_new_session=True)


def wait(procs, deadline_seconds):
  started = time.time()
  while any(p.poll() is None for p in procs):
    if deadline_seconds and time.time() - started > deadline_seconds:
      for p in procs:
        if p.poll() is None:
          os.killpg(p.pid, signal.SIGTERM)
      for p in procs:
        try:
          p.wait(120)
        except subprocess.TimeoutExpired:
          os.killpg(p.pid, signal.SIGKILL)
      return
    time.sleep(2)


def curve(workdir):
  path = os.path.join(workdir, "eval", "curve.csv")
  if not os.path.exists(path):
    return []
  with open(path, newline="") as f:
    return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def summarise(version, seed, workdir):
  row = {"version": version, "seed": seed}
  result_path = os.path.join(workdir, "result.json")
  rows = curve(workdir)
  if os.path.exists(result_path):
    result = json.load(open(result_path))
    row.update(wall_seconds=result["wall_seconds"], learner_steps=result["learner_steps"],
               env_frames=result["env_frames"], eval_return=result["eval_return_mean"],
               eval_kind="final")
    reached = result.get("target_reached")
    if reached:
      row.update(target_seconds=reached["wall_seconds"], target_steps=reached["learner_step"],
                 target_frames=reached["env_frames"])
  elif rows:  # stopped at the deadline: the last periodic evaluation
    last = rows[-1]
    clock = json.load(open(os.path.join(workdir, "wall_seconds.json")))["wall_seconds"]
    row.update(wall_seconds=round(clock, 1), learner_steps=int(last["learner_step"]),
               env_frames=int(last["env_frames"]), eval_return=last["eval_return_mean"],
               eval_kind=f"last periodic, at {last['wall_seconds']:.0f} s")
  if row.get("wall_seconds"):
    row["learner_steps_per_second"] = round(row["learner_steps"] / row["wall_seconds"], 2)
  return row


def main(argv):
  del argv
  here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  versions = [("after", here)] + ([("before", os.path.abspath(COMPARE.value))]
                                   if COMPARE.value else [])
  rows = []
  deadline = 60.0 * MINUTES.value
  for i, seed in enumerate(SEEDS.value):
    order = versions if i % 2 == 0 else versions[::-1]
    dirs = {name: os.path.join(WORKDIR.value, name, f"seed_{seed}") for name, _ in versions}
    if TOGETHER.value:
      wait([start(checkout, dirs[name], seed) for name, checkout in order], deadline)
    else:
      for name, checkout in order:
        wait([start(checkout, dirs[name], seed)], deadline)
    for name, _ in versions:
      rows.append(summarise(name, seed, dirs[name]))
      print(json.dumps(rows[-1]), flush=True)
  with open(os.path.join(WORKDIR.value, "runs.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, FIELDS)
    writer.writeheader()
    writer.writerows(rows)
  lines = ["| version | seed | wall s | learner steps/s | frames | target at s (steps) | eval |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
  for r in rows:
    target = (f"{r['target_seconds']:.1f} ({r['target_steps']})" if r.get("target_seconds")
              else "not reached")
    lines.append(f"| {r['version']} | {r['seed']} | {r.get('wall_seconds', 'n/a')} | "
                 f"{r.get('learner_steps_per_second', 'n/a')} | {r.get('env_frames', 'n/a')} | "
                 f"{target} | {r.get('eval_return', float('nan')):.2f} ({r.get('eval_kind', '')}) |")
  for name, _ in versions:
    mine = [r for r in rows if r["version"] == name]
    hit = [r["target_seconds"] for r in mine if r.get("target_seconds")]
    lines.append(f"| {name}: median | {len(hit)}/{len(mine)} reached | "
                 f"{np.median([r.get('wall_seconds', np.nan) for r in mine]):.1f} | "
                 f"{np.median([r.get('learner_steps_per_second', np.nan) for r in mine]):.2f} | | "
                 f"{np.median(hit) if hit else float('nan'):.1f} | "
                 f"{np.median([r.get('eval_return', np.nan) for r in mine]):.2f} |")
  text = "\n".join(lines)
  open(os.path.join(WORKDIR.value, "summary.md"), "w").write(text + "\n")
  print(text)


if __name__ == "__main__":
  app.run(main)
