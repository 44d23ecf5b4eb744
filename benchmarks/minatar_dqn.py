"""MinAtar's own DQN (examples/dqn.py of kenjyoung/MinAtar, unmodified, PyTorch on
the CPU) and our MuZero on the same game, side by side on this machine, for
the same wall-clock.

    python3.11 -m venv /work/dqn_venv && /work/dqn_venv/bin/pip install torch minatar
    ./run.sh bench minatar_dqn --game=breakout --minutes=20 \\
        --dqn_python=/work/dqn_venv/bin/python --dqn_script=/path/to/MinAtar/examples/dqn.py \\
        --workdir=/work/bench/dqn_breakout [--muzero_config=configs/minatar.py --set=KEY=VALUE ...]

Both start together, each pinned to half of the CPUs (one core each on 2
cores; --nopin lets the OS share them; DQN runs one thread, --dqn_threads),
and are stopped (SIGTERM) after --minutes. With --alone, DQN runs first and
MuZero after it, each alone on the machine for --minutes (give DQN
--dqn_threads=0, PyTorch's own thread count, so that both may use every core);
each curve's wall seconds count from its own start.

DQN's curve: its own log line every 1,000 episodes (episode, the running
average 0.99 * avg + 0.01 * G of its training returns, frames, seconds per
frame). With --dqn_frames=F, dqn.py runs with its NUM_FRAMES constant set to F
(the file itself unchanged) and is let finish (up to --dqn_grace_minutes past
the deadline); its saved per-episode returns and frame stamps then give the
running average after every episode, at wall seconds = frames x its measured
seconds per frame (a curve by frames even for games whose 1,000 episodes take
millions of frames, e.g. Freeway), and its final network plays
--dqn_eval_episodes greedy episodes. MuZero's: the same running average over
its self-play episodes in the order they ended, at wall seconds from its launch
(WORKDIR/muzero_started_at.json; runs made before that file existed: from its
first episode's end, which is minutes late on Freeway), and its greedy evaluations
(eval/curve.csv, then the final one of result.json, or, for a run the deadline
stopped, --dqn_eval_episodes played by its newest checkpoint after the deadline). Writes WORKDIR/curves.csv
(agent, kind, wall_seconds, frames, return) and prints the last value of each
at the deadline. --muzero_config= (empty) runs DQN alone; no --dqn_script,
MuZero alone. MuZero keeps its config's learner.num_steps, over which its
schedules (learning rate, acting temperature) run; a run that reaches it before
the deadline ends there.
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from typing import Dict

from absl import app, flags

sys.path.insert(0, os.getcwd())
from benchmarks.minatar_dqn_curves import (  # pylint: disable=g-import-not-at-top
    NAMES, STARTED_AT, dqn_curve, dqn_episode_curve, dqn_greedy, muzero_curves, started_at)

GAME = flags.DEFINE_string("game", "breakout", "MinAtar game id (asterix, breakout, freeway, seaquest, space_invaders).")
MINUTES = flags.DEFINE_float("minutes", 20.0, "Wall-clock of both runs.")
DQN_PYTHON = flags.DEFINE_string("dqn_python", "", "A Python with torch and minatar.")
DQN_SCRIPT = flags.DEFINE_string("dqn_script", "", "MinAtar's examples/dqn.py.")
MUZERO_CONFIG = flags.DEFINE_string("muzero_config", "configs/minatar.py", "Our run config ('' : DQN alone).")
SETS = flags.DEFINE_multi_string("set", [], "MuZero config overrides KEY=VALUE.")
SEED = flags.DEFINE_integer("seed", 0, "MuZero's seed (DQN seeds itself).")
DQN_FRAMES = flags.DEFINE_integer("dqn_frames", 0, "dqn.py's NUM_FRAMES (0: its own, 5M).")
DQN_GRACE = flags.DEFINE_float("dqn_grace_minutes", 10.0, "With --dqn_frames: how long DQN may "
                               "run past the deadline to reach them.")
DQN_THREADS = flags.DEFINE_integer("dqn_threads", 1, "DQN's OMP_NUM_THREADS (0: PyTorch's "
                                   "own choice, one per core).")
DQN_EVAL_EPISODES = flags.DEFINE_integer("dqn_eval_episodes", 20, "With --dqn_frames: greedy "
                                         "episodes of DQN's final network (MuZero's final "
                                         "evaluation plays 20).")
ALONE = flags.DEFINE_bool("alone", False, "Run DQN, then MuZero, each alone on the machine for "
                          "--minutes (default: both at once, each pinned to one core, --pin).")
PIN = flags.DEFINE_bool("pin", True, "Run together: pin DQN to the first half of the CPUs and "
                        "MuZero (its learner and actors) to the other half.")
REBUILD = flags.DEFINE_bool("rebuild", False, "Run nothing: write curves.csv again from the runs "
                            "already in --workdir (give the flags they ran with).")
WORKDIR = flags.DEFINE_string("workdir", None, "Where both runs go (required).")

# Runs dqn.py with NUM_FRAMES = argv[2], then writes its per-episode data as CSV (argv[3]),
# then plays argv[4] episodes greedily (argmax Q, the environment as dqn.py trains on it:
# sticky actions 0.1, at most 5,000 steps as our MinAtar config) with its final network and
# writes their returns as CSV (argv[5]).
_DQN_RUNNER = """
import csv, importlib.util, sys
import torch
path, frames, out_csv, episodes, greedy_csv = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                               int(sys.argv[4]), sys.argv[5])
spec = importlib.util.spec_from_file_location("dqn", path)
dqn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dqn)
dqn.NUM_FRAMES = frames
sys.argv = [path] + sys.argv[6:]
dqn.main()
out = sys.argv[sys.argv.index("-o") + 1]
data = torch.load(out + "_data_and_weights")
with open(out_csv, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["episode", "frame_at_start", "return"])
    for i, (t, g) in enumerate(zip(data["frame_stamps"], data["returns"])):
        w.writerow([i + 1, int(t), float(g)])
env = dqn.Environment(sys.argv[sys.argv.index("-g") + 1])
env.seed(12345)
net = dqn.QNetwork(env.state_shape()[2], env.num_actions()).to(dqn.device)
net.load_state_dict(data["policy_net_state_dict"])
with open(greedy_csv, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["episode", "return"])
    for i in range(episodes):
        env.reset()
        total, done, steps = 0.0, False, 0
        while not done and steps < 5000:
            with torch.no_grad():
                action = net(dqn.get_state(env.state())).max(1)[1].item()
            reward, done = env.act(action)
            total, steps = total + reward, steps + 1
        w.writerow([i + 1, total])
"""


def _cpu_halves():
  """(DQN's CPUs, MuZero's CPUs): this process's CPUs split in two halves (on 2 cores, one
  each), or (None, None) when they cannot be split or --pin is off."""
  cpus = sorted(os.sched_getaffinity(0))
  if not PIN.value or ALONE.value or len(cpus) < 2:
    return None, None
  return set(cpus[:len(cpus) // 2]), set(cpus[len(cpus) // 2:])


def _pinned(cpus):
  """A preexec_fn that pins the child (and what it starts) to cpus; None: no pinning."""
  return None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))


def _start_dqn(dqn_log: str, dqn_csv: str, greedy_csv: str) -> subprocess.Popen:
  dqn_args = ["-g", GAME.value, "-v", "-o", os.path.join(WORKDIR.value, "dqn_out")]
  prefix = ([DQN_SCRIPT.value] if not DQN_FRAMES.value else
            ["-c", _DQN_RUNNER, DQN_SCRIPT.value, str(DQN_FRAMES.value), dqn_csv,
             str(DQN_EVAL_EPISODES.value), greedy_csv])
  env = dict(os.environ)
  if DQN_THREADS.value:
    env["OMP_NUM_THREADS"] = str(DQN_THREADS.value)
  return subprocess.Popen(
      [DQN_PYTHON.value or sys.executable, *prefix, *dqn_args], stdout=open(dqn_log, "w"),
      stderr=subprocess.STDOUT, cwd=WORKDIR.value, env=env, preexec_fn=_pinned(_cpu_halves()[0]))


def _muzero_flags(mz_dir: str):
  return [f"--config={MUZERO_CONFIG.value}", f"--config.env.name=MinAtar/{NAMES[GAME.value]}",
          f"--config.seed={SEED.value}", *[f"--config.{s}" for s in SETS.value],
          f"--workdir={mz_dir}"]


def _start_muzero(mz_dir: str) -> subprocess.Popen:
  cmd = [sys.executable, "-m", "pipeline.jobs.pipeline", *_muzero_flags(mz_dir)]
  with open(os.path.join(WORKDIR.value, STARTED_AT), "w") as f:  # MuZero's wall-clock origin
    json.dump({"unix_seconds": time.time()}, f)
  return subprocess.Popen(cmd, stdout=open(os.path.join(WORKDIR.value, "muzero.log"), "w"),
                          stderr=subprocess.STDOUT, preexec_fn=_pinned(_cpu_halves()[1]))


def _evaluate_at_deadline(mz_dir: str) -> None:
  """A MuZero run the deadline stopped has no final evaluation: its newest checkpoint plays
  --dqn_eval_episodes greedy episodes (the evaluate stage, MUZERO/eval/summary.json), as
  DQN's final network does."""
  if (os.path.exists(os.path.join(mz_dir, "result.json"))
      or not os.path.isdir(os.path.join(mz_dir, "checkpoints"))):
    return
  cmd = [sys.executable, "-m", "pipeline.jobs.evaluate", *_muzero_flags(mz_dir),
         f"--num_episodes={DQN_EVAL_EPISODES.value}"]
  with open(os.path.join(WORKDIR.value, "muzero_eval.log"), "w") as log:
    subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)


def _run_for(procs: Dict[str, subprocess.Popen]) -> None:
  """Lets procs run --minutes (DQN, with --dqn_frames, up to its grace more), then stops them."""
  deadline = time.time() + 60 * MINUTES.value
  while time.time() < deadline and any(p.poll() is None for p in procs.values()):
    time.sleep(2)
  if "muzero" in procs and procs["muzero"].poll() is None:
    procs["muzero"].send_signal(signal.SIGTERM)
  if "dqn" in procs and DQN_FRAMES.value:  # let it reach its frames
    grace = time.time() + 60 * DQN_GRACE.value
    while time.time() < grace and procs["dqn"].poll() is None:
      time.sleep(2)
  for p in procs.values():
    if p.poll() is None:
      p.send_signal(signal.SIGTERM)
  for p in procs.values():
    try:
      p.wait(120)
    except subprocess.TimeoutExpired:
      p.kill()


def main(argv):
  del argv
  os.makedirs(WORKDIR.value, exist_ok=True)
  dqn_log = os.path.join(WORKDIR.value, "dqn.log")
  dqn_csv = os.path.join(WORKDIR.value, "dqn_episodes.csv")
  greedy_csv = os.path.join(WORKDIR.value, "dqn_episodes_greedy.csv")
  mz_dir = os.path.join(WORKDIR.value, "muzero")
  starts = []
  if DQN_SCRIPT.value:
    starts.append(("dqn", lambda: _start_dqn(dqn_log, dqn_csv, greedy_csv)))
  if MUZERO_CONFIG.value:
    starts.append(("muzero", lambda: _start_muzero(mz_dir)))
  if ALONE.value and not REBUILD.value:  # one after the other, each with the whole machine
    for name, start in starts:
      _run_for({name: start()})
  elif not REBUILD.value:  # (--rebuild: the runs are there, only curves.csv is written again)
    _run_for({name: start() for name, start in starts})
  if MUZERO_CONFIG.value and not REBUILD.value:
    _evaluate_at_deadline(mz_dir)
  rows = []
  if DQN_SCRIPT.value:
    log_text = open(dqn_log).read()
    rows = [("dqn", "train_running_avg", *r) for r in
            (dqn_episode_curve(dqn_csv, log_text) if os.path.exists(dqn_csv) else dqn_curve(log_text))]
    rows += [("dqn", "greedy_eval", *r) for r in
             dqn_greedy(greedy_csv, log_text, DQN_FRAMES.value)]
  if MUZERO_CONFIG.value:
    play, evals = muzero_curves(mz_dir, started_at(WORKDIR.value))
    rows += [("muzero", "selfplay_running_avg", *r) for r in play]
    rows += [("muzero", "greedy_eval", *r) for r in evals]
  with open(os.path.join(WORKDIR.value, "curves.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["agent", "kind", "wall_seconds", "frames", "return"])
    w.writerows(rows)
  for agent, kind in (("dqn", "train_running_avg"), ("dqn", "greedy_eval"),
                      ("muzero", "selfplay_running_avg"), ("muzero", "greedy_eval")):
    last = [r for r in rows if r[0] == agent and r[1] == kind]
    if last:
      print(f"{agent} {kind}: {last[-1][4]:.2f} at {last[-1][3]:,} frames, {last[-1][2]:.0f} s")


if __name__ == "__main__":
  flags.mark_flag_as_required("workdir")
  app.run(main)
