"""Resident memory and Reverb rates of a whole pipeline run, sampled over time.

    ./run.sh bench memory_curve [--minutes=30] [--every_seconds=30] \
        [--config=configs/atari_small.py] [--workdir=runs/memory_curve] [-- --config.X=Y ...]

Starts `./run.sh pipeline` (a budget of learner steps it will not reach),
then every `--every_seconds`: the resident set size (RSS) of the pipeline
process (learner + embedded Reverb server) and of its children (actors,
reanalyse workers), the learner step, the replay's size, and Reverb's
completed inserts and samples per table (their rates). After `--minutes` it
stops the run with SIGTERM. Writes WORKDIR/memory_curve.csv, .png and .json.
Extra arguments after `--` go to the pipeline (e.g. --config.reanalyse.enabled=False).
"""
import csv
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time

import psutil
import reverb
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINUTES = flags.DEFINE_float("minutes", 30.0, "How long to run the pipeline.")
EVERY = flags.DEFINE_float("every_seconds", 30.0, "Seconds between samples.")
CONFIG = flags.DEFINE_string("config", "configs/atari_small.py", "Run config.")
WORKDIR = flags.DEFINE_string("workdir", "runs/memory_curve", "Run directory (wiped first).")


def _rss_mb(proc: psutil.Process):
  """(RSS of the process, RSS of all its descendants) in MiB."""
  own = proc.memory_info().rss
  children = 0
  for child in proc.children(recursive=True):
    try:
      children += child.memory_info().rss
    except psutil.NoSuchProcess:
      pass
  return own / 2**20, children / 2**20


def _reverb_counts(client):
  info = client.server_info(timeout=5)
  out = {}
  for name, table in info.items():
    stats = table.rate_limiter_info
    out[name] = (table.current_size, stats.insert_stats.completed, stats.sample_stats.completed)
  return out


def _plot(rows, path):
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  minutes = [r["seconds"] / 60 for r in rows]
  fig, ax = plt.subplots(figsize=(7, 4))
  ax.plot(minutes, [r["rss_total_mb"] for r in rows], label="total")
  ax.plot(minutes, [r["rss_pipeline_mb"] for r in rows], label="learner + Reverb server")
  ax.plot(minutes, [r["rss_children_mb"] for r in rows], label="actors + reanalyse workers")
  ax.set_xlabel("minutes")
  ax.set_ylabel("resident memory (MiB)")
  ax2 = ax.twinx()
  ax2.plot(minutes, [r["replay_size"] for r in rows], "k:", label="replay size")
  ax2.set_ylabel("replay sequences (dotted)")
  ax.legend(loc="lower right")
  ax.set_title("Resident memory of a pipeline run")
  fig.tight_layout()
  fig.savefig(path, dpi=120)


def main(argv):
  workdir = os.path.abspath(WORKDIR.value)
  shutil.rmtree(workdir, ignore_errors=True)
  os.makedirs(workdir)
  cmd = [sys.executable, "-m", "pipeline.jobs.pipeline", f"--config={CONFIG.value}",
         "--config.learner.num_steps=10000000", "--config.evaluate.every_steps=0",
         f"--workdir={workdir}", "--log_every_seconds=30", *argv[1:]]
  log_path = os.path.join(workdir, "pipeline_stdout.log")
  log = open(log_path, "w")
  proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))
  ps = psutil.Process(proc.pid)
  started = time.time()
  client, rows, first = None, [], None
  try:
    while time.time() - started < MINUTES.value * 60:
      time.sleep(EVERY.value)
      if proc.poll() is not None:
        sys.exit(f"error: the pipeline exited early (code {proc.returncode}); see {log_path}")
      text = open(log_path).read()
      if client is None:
        m = re.search(r"Reverb on (\S+)", text)
        if not m:
          continue
        client = reverb.Client(m.group(1))
      steps = re.findall(r"\[pipeline\] step (\d+)/\d+ .*?\| frames (\d+)", text)
      own, children = _rss_mb(ps)
      counts = _reverb_counts(client)
      row = {"seconds": round(time.time() - started, 1), "rss_pipeline_mb": round(own, 1),
             "rss_children_mb": round(children, 1), "rss_total_mb": round(own + children, 1),
             "learner_step": int(steps[-1][0]) if steps else 0,
             "env_frames": int(steps[-1][1]) if steps else 0,
             "replay_size": counts["replay"][0]}
      for name, (_, inserts, samples) in counts.items():
        row[f"{name}_inserts"], row[f"{name}_samples"] = inserts, samples
      rows.append(row)
      first = first or row
      print(f"[memory_curve] {row['seconds'] / 60:5.1f} min | RSS {row['rss_total_mb']:.0f} MiB "
            f"(learner+server {own:.0f}, children {children:.0f}) | step {row['learner_step']} | "
            f"replay {row['replay_size']}", flush=True)
  finally:
    proc.send_signal(signal.SIGTERM)
    try:
      proc.wait(60)
    except subprocess.TimeoutExpired:
      proc.kill()
  if len(rows) < 3:
    sys.exit("error: fewer than 3 samples; run longer")
  with open(os.path.join(workdir, "memory_curve.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[-1]))
    writer.writeheader()
    writer.writerows(rows)
  _plot(rows, os.path.join(workdir, "memory_curve.png"))
  last = rows[-1]
  seconds = last["seconds"] - first["seconds"]
  full = [r for r in rows if r["replay_size"] >= 0.99 * last["replay_size"]]
  summary = {
      "command": " ".join(cmd[1:]), "machine": f"{platform.node()} {os.cpu_count()} cores",
      "minutes": round(last["seconds"] / 60, 1),
      "learner_steps_per_second": round((last["learner_step"] - first["learner_step"]) / seconds, 2),
      "env_frames_per_second": round((last["env_frames"] - first["env_frames"]) / seconds, 1),
      "reverb_per_second": {
          name: {"inserts": round((last[f"{name}_inserts"] - first[f"{name}_inserts"]) / seconds, 2),
                 "samples": round((last[f"{name}_samples"] - first[f"{name}_samples"]) / seconds, 2)}
          for name in counts},
      "replay_full_from_minute": round(full[0]["seconds"] / 60, 1),
      "rss_total_mb_when_replay_full": full[0]["rss_total_mb"],
      "rss_total_mb_at_end": last["rss_total_mb"],
      "rss_total_mb_max": max(r["rss_total_mb"] for r in rows),
  }
  with open(os.path.join(workdir, "memory_curve.json"), "w") as f:
    json.dump(summary, f, indent=2)
  print(json.dumps(summary, indent=2))


if __name__ == "__main__":
  app.run(main)
