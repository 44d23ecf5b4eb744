"""An Atari study killed mid-run and resumed, then scored by the tables stage.

    ./run.sh bench atari_resume [--workdir=runs/atari_resume] [--kill_at_step=250]

Runs configs/study_atari_small.py (Pong, small network, reanalyse on, MuZero
and MuZero + past policies), SIGKILLs the whole process group (study, its
pipeline run, the actor and the reanalyse worker: a crashed machine) once the
first run has checkpointed `--kill_at_step` learner steps, runs the same
command again, and checks that the learner resumed from its checkpoint with
the replay restored and that the episode records have no gap and no
duplicate. Then `./run.sh tables --episodes=eval` scores the evaluation
records. Writes WORKDIR/atari_resume.json.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from pipeline import records  # noqa: E402

WORKDIR = flags.DEFINE_string("workdir", "runs/atari_resume", "Study directory (wiped first).")
KILL_AT = flags.DEFINE_integer("kill_at_step", 250, "Kill once a checkpoint has this many steps.")
CONFIG = "configs/study_atari_small.py"


def _checkpoint_step(run_dir: str) -> int:
  state = os.path.join(run_dir, "checkpoints", "checkpoint")
  if not os.path.exists(state):
    return 0
  m = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', open(state).read(), re.M)
  return int(m.group(1)) if m else 0


def _episodes(run_dir: str):
  pointer = os.path.join(run_dir, "records")
  if not os.path.exists(pointer):
    return []
  return records.read_episodes(open(pointer).read().strip())


def _no_gap_no_duplicate(episodes) -> bool:
  by_writer = {}
  for e in episodes:
    by_writer.setdefault((e["kind"], e["actor_id"]), []).append(e["episode_index"])
  return all(sorted(v) == list(range(len(v))) for v in by_writer.values())


def main(argv):
  del argv
  workdir = os.path.abspath(WORKDIR.value)
  shutil.rmtree(workdir, ignore_errors=True)
  cmd = [sys.executable, "-m", "pipeline.jobs.study", f"--config={CONFIG}", f"--workdir={workdir}"]
  env = dict(os.environ, PYTHONUNBUFFERED="1")
  first_run = os.path.join(workdir, "runs", "atari_pong__muzero__s0")
  started = time.time()
  proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  while _checkpoint_step(first_run) < KILL_AT.value:
    if proc.poll() is not None:
      sys.exit(f"error: the study exited (code {proc.returncode}) before step {KILL_AT.value}")
    time.sleep(1.0)
  os.killpg(proc.pid, signal.SIGKILL)
  proc.wait()
  killed_after = time.time() - started
  killed_at = _checkpoint_step(first_run)
  before = _episodes(first_run)
  print(f"killed the study after {killed_after:.0f}s: checkpoint at step {killed_at}, "
        f"{len(before)} episode records", flush=True)

  second = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
  if second.returncode != 0:
    sys.exit(f"error: the resumed study failed: {second.stderr.strip().splitlines()[-1:]}")
  log = open(os.path.join(first_run, "pipeline.log")).read()
  resumed = re.search(r"learner resumed at step (\d+); replay holds (\d+) sequences", log)
  after = _episodes(first_run)
  result = json.load(open(os.path.join(first_run, "result.json")))
  tables = subprocess.run([sys.executable, "-m", "pipeline.jobs.tables", f"--workdir={workdir}",
                           "--episodes=eval"], cwd=REPO, env=env, capture_output=True, text=True)
  checks = {
      "resumed_at_checkpoint": bool(resumed) and int(resumed.group(1)) == killed_at,
      "replay_restored": bool(resumed) and int(resumed.group(2)) > 0,
      "records_no_gap_no_duplicate": _no_gap_no_duplicate(after),
      "records_before_kill_kept": all(any(a == b for a in after) for b in before),
      "tables_stage_ok": tables.returncode == 0,
  }
  summary = {
      "killed_at_step": killed_at, "killed_after_seconds": round(killed_after, 1),
      "resumed_log": resumed.group(0) if resumed else None,
      "episodes_before_kill": len(before), "episodes_after": len(after),
      "first_run_result": result, "total_seconds": round(time.time() - started, 1),
      "checks": checks,
  }
  with open(os.path.join(workdir, "atari_resume.json"), "w") as f:
    json.dump(summary, f, indent=2)
  print(json.dumps(summary, indent=2))
  print(tables.stdout)
  if not all(checks.values()):
    sys.exit(f"error: failed checks: {[k for k, v in checks.items() if not v]}"
             + (f"; tables: {tables.stderr.strip().splitlines()[-1:]}" if tables.returncode else ""))


if __name__ == "__main__":
  app.run(main)
