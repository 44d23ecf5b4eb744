"""MinAtar's own DQN (examples/dqn.py of kenjyoung/MinAtar, unmodified, PyTorch on
the CPU) and our MuZero on the same game, side by side on this machine, for
the same wall-clock.

    python3.11 -m venv /work/dqn_venv && /work/dqn_venv/bin/pip install torch minatar
    ./run.sh bench minatar_dqn --game=breakout --minutes=20 \\
        --dqn_python=/work/dqn_venv/bin/python --dqn_script=/path/to/MinAtar/examples/dqn.py \\
        --workdir=/work/bench/dqn_breakout [--muzero_config=configs/minatar.py --set=KEY=VALUE ...]

Both start together (each then has about one core) and are stopped (SIGTERM)
after --minutes. DQN's curve: its own log line every 1,000 episodes (episode,
the running average 0.99 * avg + 0.01 * G of its training returns, frames,
seconds per frame). MuZero's: the same running average over its self-play
episodes in the order they ended, and its greedy evaluations (eval/curve.csv).
Writes WORKDIR/curves.csv (agent, kind, wall_seconds, frames, return) and
prints the last value of each at the deadline. --muzero_config= (empty) runs
DQN alone.
"""
import csv
import os
import re
import signal
import subprocess
import sys
import time

from absl import app, flags

GAME = flags.DEFINE_string("game", "breakout", "MinAtar game id (asterix, breakout, freeway, seaquest, space_invaders).")
MINUTES = flags.DEFINE_float("minutes", 20.0, "Wall-clock of both runs.")
DQN_PYTHON = flags.DEFINE_string("dqn_python", "", "A Python with torch and minatar.")
DQN_SCRIPT = flags.DEFINE_string("dqn_script", "", "MinAtar's examples/dqn.py.")
MUZERO_CONFIG = flags.DEFINE_string("muzero_config", "configs/minatar.py", "Our run config ('' : DQN alone).")
SETS = flags.DEFINE_multi_string("set", [], "MuZero config overrides KEY=VALUE.")
SEED = flags.DEFINE_integer("seed", 0, "MuZero's seed (DQN seeds itself).")
WORKDIR = flags.DEFINE_string("workdir", None, "Where both runs go.", required=True)

NAMES = {"asterix": "Asterix", "breakout": "Breakout", "freeway": "Freeway", "seaquest": "Seaquest",
         "space_invaders": "SpaceInvaders"}
_DQN_LINE = re.compile(r"Episode (\d+) \| Return: ([-\d.e]+) \| Avg return: ([-\d.e]+) \| "
                       r"Frame: (\d+) \| Time per frame: ([\d.e-]+)")


def dqn_curve(log_text: str):
  """[(wall seconds, frames, running average return)] from dqn.py's log lines."""
  return [(int(m.group(4)) * float(m.group(5)), int(m.group(4)), float(m.group(3)))
          for m in _DQN_LINE.finditer(log_text)]


def muzero_curves(workdir: str):
  """(self-play [(wall s, frames, running average)], eval [(wall s, frames, mean return)])."""
  sys.path.insert(0, os.getcwd())
  from pipeline import records
  from pipeline.scoring.scores import run_timeline
  pointer = os.path.join(workdir, "records")
  episodes = records.read_episodes(open(pointer).read().strip(), kind="selfplay") if os.path.exists(pointer) else []
  frames, returns = run_timeline(episodes)
  walls = sorted(e["wall_time"] for e in episodes)
  start = walls[0] if walls else 0.0
  play, avg = [], 0.0
  for wall, f, g in zip(walls, frames, returns):  # wall_time is float32: coarse, for the x-axis only
    avg = 0.99 * avg + 0.01 * g
    play.append((wall - start, int(f), avg))
  evals = []
  path = os.path.join(workdir, "eval", "curve.csv")
  if os.path.exists(path):
    for row in csv.DictReader(open(path)):
      evals.append((float(row["wall_seconds"]), int(row["env_frames"]), float(row["eval_return_mean"])))
  return play, evals


def main(argv):
  del argv
  os.makedirs(WORKDIR.value, exist_ok=True)
  procs = {}
  dqn_log = os.path.join(WORKDIR.value, "dqn.log")
  if DQN_SCRIPT.value:
    procs["dqn"] = subprocess.Popen(
        [DQN_PYTHON.value or sys.executable, DQN_SCRIPT.value, "-g", GAME.value, "-v",
         "-o", os.path.join(WORKDIR.value, "dqn_out")], stdout=open(dqn_log, "w"),
        stderr=subprocess.STDOUT, cwd=WORKDIR.value, env=dict(os.environ, OMP_NUM_THREADS="1"))
  mz_dir = os.path.join(WORKDIR.value, "muzero")
  if MUZERO_CONFIG.value:
    cmd = [sys.executable, "-m", "pipeline.jobs.pipeline", f"--config={MUZERO_CONFIG.value}",
           f"--config.env.name=MinAtar/{NAMES[GAME.value]}", f"--config.seed={SEED.value}",
           "--config.learner.num_steps=10000000", *[f"--config.{s}" for s in SETS.value],
           f"--workdir={mz_dir}"]
    procs["muzero"] = subprocess.Popen(cmd, stdout=open(os.path.join(WORKDIR.value, "muzero.log"), "w"),
                                       stderr=subprocess.STDOUT)
  deadline = time.time() + 60 * MINUTES.value
  while time.time() < deadline and any(p.poll() is None for p in procs.values()):
    time.sleep(2)
  for p in procs.values():
    if p.poll() is None:
      p.send_signal(signal.SIGTERM)
  for p in procs.values():
    try:
      p.wait(120)
    except subprocess.TimeoutExpired:
      p.kill()
  rows = [("dqn", "train_running_avg", *r) for r in dqn_curve(open(dqn_log).read())] if DQN_SCRIPT.value else []
  if MUZERO_CONFIG.value:
    play, evals = muzero_curves(mz_dir)
    rows += [("muzero", "selfplay_running_avg", *r) for r in play]
    rows += [("muzero", "greedy_eval", *r) for r in evals]
  with open(os.path.join(WORKDIR.value, "curves.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["agent", "kind", "wall_seconds", "frames", "return"])
    w.writerows(rows)
  for agent, kind in (("dqn", "train_running_avg"), ("muzero", "selfplay_running_avg"),
                      ("muzero", "greedy_eval")):
    last = [r for r in rows if r[0] == agent and r[1] == kind]
    if last:
      print(f"{agent} {kind}: {last[-1][4]:.2f} at {last[-1][3]:,} frames, {last[-1][2]:.0f} s")


if __name__ == "__main__":
  app.run(main)
