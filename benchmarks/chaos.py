"""Chaos: SIGKILL random components of a multi-host run on loopback (issue 13, item 6).

    ./run.sh bench chaos --workdir=/tmp/chaos_run [--kills=10] [--seed=0] [--learner_steps=N]

Starts the cluster guide's commands (README, "Many hosts") as separate
processes on loopback, all with the same tiny CartPole config (reanalyse on):
`replay`, `selfplay --actor_id=0` and `=1`, `reanalyse --worker_id=0` and
`train`. Once the learner has a checkpoint, it SIGKILLs --kills components in
a seeded random order (the server and the learner at least twice each, every
other component at least once), one every --min_gap..--max_gap seconds, and
restarts each with its same command after 0..--max_down seconds. Then it
waits for the learner to finish, SIGTERMs the rest, and checks:

- kills: every scheduled kill was made;
- learner never backwards: its checkpointed step (DIR/learner/checkpoints)
  never decreased, and after every restart the learner resumed at a step >=
  the newest checkpointed step at the kill (steps after that checkpoint are
  redone: they were never saved);
- learner target: train.done holds --learner_steps, the learner exited 0;
- records: every (actor, episode index) present before any kill is there at
  the end, no duplicate, each actor's indices are 0..n-1, both actors wrote some;
- replay restored: the replay table held > 0 sequences at the first answer
  of every restarted server;
- clean stop: at the end every component exits 0 on SIGTERM within 60 s;
- no unexpected exit: no component died unless killed (each such one is
  restarted and counted).

Outage seconds run from a kill to the component's first sign of life: the
server's first answer, or its "starting"/"resumed" log line. Logs are in
DIR/logs/<component>.<start>.log; a summary in DIR/chaos.json.
"""
import collections
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from pipeline.processes import die_with_parent  # noqa: E402

START = time.time()

# tests/conftest.py's TINY CartPole run, with a reanalyse worker.
TINY = ["--config=configs/cartpole.py", "--config.learner.batch_size=16",
        "--config.replay.min_size_to_sample=16", "--config.replay.samples_per_insert=8",
        "--config.search.num_simulations=4", "--config.evaluate.num_simulations=4",
        "--config.actors.envs_per_actor=4", "--config.evaluate.num_episodes=2",
        "--config.evaluate.num_envs=2", "--config.network.hidden_sizes=(32,)",
        "--config.network.latent_size=16", "--config.network.head_hidden=16",
        "--config.reanalyse.enabled=True", "--config.reanalyse.batch_size=4",
        "--config.reanalyse.fraction=0.25", "--config.learner.checkpoint_every_seconds=10"]
NAMES = ("replay", "actor0", "actor1", "reanalyse0", "learner")
MINIMUM = {"replay": 2, "learner": 2, "actor0": 1, "actor1": 1, "reanalyse0": 1}
READY = {"actor0": r"actor 0 starting at episode", "actor1": r"actor 1 starting at episode",
         "reanalyse0": r"reanalyse worker 0 starting",
         "learner": r"learner (?:resumed|started) at step (\d+)"}


def define_flags():
  """The benchmark's flags (defined on use, so tests can import the module)."""
  flags.DEFINE_string("workdir", None, "New or empty directory for the run.", required=True)
  flags.DEFINE_integer("kills", 10, f"SIGKILLs (>= {sum(MINIMUM.values())}).")
  flags.DEFINE_integer("seed", 0, "Seed of the kill schedule, gaps and down times.")
  flags.DEFINE_integer("learner_steps", 20000, "The learner's step target (learner.num_steps).")
  flags.DEFINE_integer("port", 0, "Reverb port (0: a free one).")
  flags.DEFINE_float("min_gap", 10.0, "Least seconds between kills.")
  flags.DEFINE_float("max_gap", 30.0, "Most seconds between kills.")
  flags.DEFINE_float("server_checkpoint_seconds", 2.0, "The replay stage's "
                     "--checkpoint_every_seconds (it alone checkpoints the server).")
  flags.DEFINE_float("max_down", 5.0, "Most seconds a killed component stays down.")
  flags.DEFINE_float("timeout", 3600.0, "Seconds to wait for warm-up, and for the learner's end.")
  flags.DEFINE_string("out_csv", "", "Also write the per-component table here.")


# ---- the pure parts (tests/test_chaos.py) ---------------------------------------------
def make_schedule(rng: random.Random, kills: int, minimum=None, names=NAMES):
  """`kills` component names in random order: minimum[name] of each, the rest uniform."""
  minimum = MINIMUM if minimum is None else minimum
  plan = [name for name, count in minimum.items() for _ in range(count)]
  if kills < len(plan):
    raise ValueError(f"--kills={kills}; must be >= {len(plan)} ({minimum})")
  plan += [rng.choice(names) for _ in range(kills - len(plan))]
  rng.shuffle(plan)
  return plan


def check_records(before, final):
  """before: (actor, index) keys seen before kills; final: every key read at the end
  (a list: duplicates count). -> {lost, duplicated, gaps}: each a sorted list."""
  counts = collections.Counter(final)
  by_actor = collections.defaultdict(set)
  for actor, index in counts:
    by_actor[actor].add(index)
  gaps = [(a, i) for a, seen in by_actor.items() for i in range(max(seen) + 1) if i not in seen]
  return {"lost": sorted(set(before) - set(counts)),
          "duplicated": sorted(k for k, n in counts.items() if n > 1), "gaps": sorted(gaps)}


def backwards(pairs):
  """The (earlier, later) step pairs where the later step is smaller."""
  return [(a, b) for a, b in pairs if b < a]


def outage_row(name, kills, restarts, unexpected, outages):
  """One row of the per-component table."""
  return {"component": name, "kills": kills, "restarts": restarts, "unexpected_exits": unexpected,
          "outages": len(outages), "outage_s_total": round(sum(outages), 1),
          "outage_s_max": round(max(outages, default=0.0), 1)}


def markdown(rows):
  """A Markdown table of dicts with the same keys."""
  keys = list(rows[0])
  lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
  return "\n".join(lines + ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows])


# ---- the run --------------------------------------------------------------------------
def free_port() -> int:
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


def checkpoint_step(learner_dir: str) -> int:
  """The learner's newest complete checkpoint step (its manager's state file); 0: none."""
  try:
    text = open(os.path.join(learner_dir, "checkpoints", "checkpoint")).read()
  except OSError:
    return 0
  m = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', text, re.M)
  return int(m.group(1)) if m else 0


def replay_size(address: str) -> int:
  """The replay table's size, -1 when the server does not answer."""
  import reverb
  from pipeline.replay import tables
  try:
    return reverb.Client(address).server_info(timeout=1)[tables.REPLAY].current_size
  except Exception:  # pylint: disable=broad-except  (down, starting, ...)
    return -1


def episode_keys(actors_dir: str):
  """(actor, episode index) of every complete self-play record, duplicates kept."""
  from pipeline import records
  pointer = os.path.join(actors_dir, "records")
  if not os.path.exists(pointer):
    return []
  return [(e["actor_id"], e["episode_index"])
          for e in records.read_episodes(open(pointer).read().strip(), kind="selfplay")]


class Cluster:
  """The components' processes, logs, kills, restarts and outages."""

  def __init__(self, commands, logdir, address):
    self.commands, self.logdir, self.address = commands, logdir, address
    self.procs, self.logs, self.starts = {}, {}, collections.Counter()
    self.kills, self.restarts = collections.Counter(), collections.Counter()
    self.unexpected, self.down_since, self.restored = [], {}, []
    self.outages = collections.defaultdict(list)
    os.makedirs(logdir, exist_ok=True)

  def start(self, name):
    """Starts `name` with its command, logging to logs/<name>.<start>.log."""
    self.logs[name] = os.path.join(self.logdir, f"{name}.{self.starts[name]}.log")
    self.starts[name] += 1
    with open(self.logs[name], "w") as log:
      self.procs[name] = subprocess.Popen(self.commands[name], cwd=REPO, stdout=log,
                                          stderr=subprocess.STDOUT, preexec_fn=die_with_parent)

  def kill(self, name):
    """SIGKILL; its outage starts (or goes on, if it was not back yet)."""
    self.procs[name].send_signal(signal.SIGKILL)
    self.procs[name].wait()
    self.kills[name] += 1
    self.down_since.setdefault(name, time.time())

  def restart(self, name):
    self.restarts[name] += 1
    self.start(name)

  def ready(self, name) -> bool:
    """The server answers (its replay size is kept); another component logged it started."""
    if name == "replay":
      size = replay_size(self.address)
      if size >= 0:
        self.restored.append(size)
      return size >= 0
    return bool(re.search(READY[name], open(self.logs[name]).read()))

  def poll(self):
    """Ends the outages of components back up; restarts (and counts) any that died."""
    for name in list(self.down_since):
      if self.ready(name):
        self.outages[name].append(time.time() - self.down_since.pop(name))
    for name, proc in self.procs.items():
      if proc.poll() is not None and not (name == "learner" and proc.returncode == 0):
        lines = [l for l in open(self.logs[name]).read().splitlines() if "Error" in l] or [""]
        self.unexpected.append({"component": name, "code": proc.returncode, "log": self.logs[name],
                                "error": lines[-1]})
        print(f"chaos: {name} exited by itself (code {proc.returncode}); see {self.logs[name]}")
        self.down_since.setdefault(name, time.time())
        self.restart(name)

  def stop_all(self, graceful=True):
    """SIGTERM (graceful) or SIGKILL to everything running, SIGKILL after 60 s; {name: code}."""
    for proc in self.procs.values():
      if proc.poll() is None:
        proc.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
    end, codes = time.time() + 60, {}
    for name, proc in self.procs.items():
      try:
        codes[name] = proc.wait(max(0.1, end - time.time()))
      except subprocess.TimeoutExpired:
        proc.kill()
        codes[name] = proc.wait()
    return codes


def commands(workdir, port, steps, server_checkpoint_seconds):
  """Every component's command line: the cluster guide's, one config for all."""
  config = TINY + [f"--config.learner.num_steps={steps}"]
  client = [f"--replay_address=localhost:{port}", "--connect_timeout=900",
            "--unavailable_timeout=900"]

  def job(stage, directory, *args):
    return [sys.executable, "-m", f"pipeline.jobs.{stage}", *config,
            f"--workdir={os.path.join(workdir, directory)}", *args]
  return {"replay": job("replay", "replay", f"--port={port}",
                        f"--checkpoint_every_seconds={server_checkpoint_seconds}"),
          "actor0": job("selfplay", "actors", *client, "--actor_id=0"),
          "actor1": job("selfplay", "actors", *client, "--actor_id=1"),
          "reanalyse0": job("reanalyse", "reanalyse", *client, "--worker_id=0"),
          "learner": job("train", "learner", *client)}


def wait(cluster, seconds, until, steps, learner_dir):
  """Polls for `seconds` (or until until() is true); records checkpoint steps. -> until()."""
  end = time.time() + seconds
  while time.time() < end:
    cluster.poll()
    step = checkpoint_step(learner_dir)
    if step and step != (steps or [0])[-1]:  # 0: none yet (or unreadable)
      steps.append(step)
    if until():
      return True
    time.sleep(0.5)
  return until()


def chaos(cluster, workdir, schedule, rng, steps):
  """Warm-up, then the kills; returns (kill events, records seen before kills)."""
  learner_dir, actors_dir = os.path.join(workdir, "learner"), os.path.join(workdir, "actors")
  F = flags.FLAGS
  finished = lambda: cluster.procs["learner"].poll() == 0
  if not wait(cluster, F.timeout, lambda: checkpoint_step(learner_dir) > 0, steps, learner_dir):
    sys.exit(f"error: no learner checkpoint after {F.timeout:.0f} s; see {cluster.logdir}")
  events, seen = [], set()
  for i, name in enumerate(schedule):
    if wait(cluster, rng.uniform(F.min_gap, F.max_gap), finished, steps, learner_dir):
      print(f"chaos: the learner finished before kill {i + 1}; raise --learner_steps")
      break
    seen |= set(episode_keys(actors_dir))
    size = replay_size(cluster.address) if name == "replay" else None
    cluster.kill(name)
    event = {"kill": i + 1, "component": name, "at_s": round(time.time() - START, 1),
             "checkpoint_step": checkpoint_step(learner_dir)}
    time.sleep(rng.uniform(0.0, F.max_down))
    cluster.restart(name)
    event["log"] = cluster.logs[name]
    if name == "replay":
      back = wait(cluster, 600, lambda: "replay" not in cluster.down_since, steps, learner_dir)
      event.update(size_before_kill=size, size_after_restart=cluster.restored[-1] if back else None,
                   outage_s=round(cluster.outages["replay"][-1], 1) if back else None)
    print("chaos: " + json.dumps(event), flush=True)
    events.append(event)
  wait(cluster, F.timeout, finished, steps, learner_dir)
  return events, seen


def resumed_step(log_path):
  """The step a learner incarnation logged it resumed at (None: it never got there)."""
  m = re.search(READY["learner"], open(log_path).read())
  return int(m.group(1)) if m else None


def report(cluster, events, seen, steps, codes, workdir):
  """The per-component rows and the checks {name: (passed, detail)}."""
  F = flags.FLAGS
  rows = [outage_row(n, cluster.kills[n], cluster.restarts[n],
                     sum(u["component"] == n for u in cluster.unexpected), cluster.outages[n])
          for n in NAMES]
  resumes = [(e["checkpoint_step"], resumed_step(e["log"])) for e in events
             if e["component"] == "learner"]
  pairs = [p for p in resumes if p[1] is not None] + list(zip(steps, steps[1:]))
  done_path = os.path.join(workdir, "learner", "train.done")
  done = json.load(open(done_path)) if os.path.exists(done_path) else {}
  final = episode_keys(os.path.join(workdir, "actors"))
  rec, actors = check_records(seen, final), sorted({a for a, _ in final})
  sizes = cluster.restored  # every server restart's, killed or crashed
  checks = {
      "kills": (len(events) == F.kills, f"{len(events)} of {F.kills}"),
      "learner_never_backwards": (not backwards(pairs) and any(r for _, r in resumes),
                                  f"(checkpointed at kill, resumed at): {resumes}"),
      "learner_target": (done.get("learner_steps") == F.learner_steps and codes["learner"] == 0,
                         f"train.done {done or 'missing'}, exit {codes['learner']}"),
      "records": (not any(rec.values()) and len(seen) > 0 and actors == [0, 1],
                  f"actors {actors}: {len(final)} records, {len(seen)} seen before kills; lost "
                  f"{len(rec['lost'])}, duplicated {len(rec['duplicated'])}, gaps "
                  f"{len(rec['gaps'])}"),
      "replay_restored": (bool(sizes) and min(sizes) > 0, f"sizes at restarts: {sizes}"),
      "clean_stop": (all(c == 0 for c in codes.values()), f"exit codes after SIGTERM: {codes}"),
      "no_unexpected_exit": (not cluster.unexpected, "; ".join(
          f"{u['component']}: {u['error']}" for u in cluster.unexpected) or "none"),
  }
  return rows, checks, rec


def main(argv):
  del argv
  F = flags.FLAGS
  workdir = os.path.abspath(F.workdir)
  if os.path.isdir(workdir) and os.listdir(workdir):
    sys.exit(f"error: --workdir={F.workdir} is not empty; give a new directory")
  if not 0 <= F.min_gap <= F.max_gap:
    sys.exit(f"error: --min_gap={F.min_gap} --max_gap={F.max_gap}; need 0 <= min_gap <= max_gap")
  rng = random.Random(F.seed)
  try:
    schedule = make_schedule(rng, F.kills)
  except ValueError as e:
    sys.exit(f"error: {e}")
  port = F.port or free_port()
  os.environ.update(PVE_RECORDS_ROOT=os.path.join(workdir, "tfrecords"), PYTHONUNBUFFERED="1",
                    TF_CPP_MIN_LOG_LEVEL="3")
  signal.signal(signal.SIGTERM, lambda *_: sys.exit("chaos: stopped (SIGTERM)"))
  cluster = Cluster(commands(workdir, port, F.learner_steps, F.server_checkpoint_seconds),
                    os.path.join(workdir, "logs"), f"localhost:{port}")
  print(f"chaos: schedule {schedule}; logs in {cluster.logdir}", flush=True)
  steps = []
  try:
    for name in NAMES:
      cluster.start(name)
    events, seen = chaos(cluster, workdir, schedule, rng, steps)
    codes = cluster.stop_all()
  except BaseException:  # an error or a stop request: nothing outlives the driver
    cluster.stop_all(graceful=False)
    raise
  rows, checks, rec = report(cluster, events, seen, steps, codes, workdir)
  check_rows = [{"check": k, "result": "PASS" if ok else "FAIL", "detail": d}
                for k, (ok, d) in checks.items()]
  print(markdown(rows) + "\n\n" + markdown(check_rows))
  print(f"chaos: {time.time() - START:.0f} s, seed {F.seed}")
  with open(os.path.join(workdir, "chaos.json"), "w") as f:
    json.dump({"schedule": schedule, "events": events, "rows": rows, "checks": check_rows,
               "records": rec, "unexpected": cluster.unexpected, "exit_codes": codes,
               "seconds": round(time.time() - START)}, f, indent=2)
  if F.out_csv:
    with open(F.out_csv, "w") as f:
      f.write("\n".join([",".join(rows[0])] + [",".join(str(v) for v in r.values()) for r in rows]))
  if not all(ok for ok, _ in checks.values()):
    sys.exit(f"error: failed checks: {[k for k, (ok, _) in checks.items() if not ok]}")


if __name__ == "__main__":
  define_flags()
  app.run(main)
