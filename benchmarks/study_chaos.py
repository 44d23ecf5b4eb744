"""Chaos for a study: SIGKILL its whole process group at random moments, rerun
the same command, compare with an uninterrupted run (issue 13, item 6).

    ./run.sh bench study_chaos --workdir=DIR [--kills=5] [--seed=0]
        [--config=configs/study_chaos.py] [--reference=DIR_OF_A_FINISHED_STUDY]

1. Unless --reference names a finished one, runs the study uninterrupted in
   DIR/uninterrupted.
2. In DIR/chaos, runs `./run.sh study --config=C --workdir=DIR/chaos/study
   --archive=DIR/chaos/archive` in its own process group; a seeded random time
   after each start, between --min_gap and --max_gap times the uninterrupted
   study's wall-clock (so kills land while runs start up, train, evaluate,
   finish, and while the tables are written), it SIGKILLs the whole group (the runner,
   its pipeline runs and their actors at once, as a lost terminal or an OOM
   kill would), waits until no process of the study is left, and runs the same
   command again; after --kills kills it lets the study finish.

Checks (the benchmark exits 1 if one fails):
- kills: --kills group kills were made, each while the study was running;
- nothing left behind: after every kill no process of the study outlived it;
- run list: the final tables hold the uninterrupted study's runs, each finished
  (tables/summary.json "runs"), the same games and variants in Table 3 with
  the same seeds per cell, and the same table and figure files;
- finished once: no run's result.json changed after it first appeared, and no
  restarted study started a run that had finished;
- resumed: every run a kill interrupted was restarted from its newest
  checkpoint at the kill (the study's "resuming at step N" line and the
  learner's own "resumed at step N"), and at least one run was (a kill landed
  mid-training);
- learner steps: every run trained its planned steps;
- records: in every run, each actor's self-play episode indices are 0..n-1,
  none twice, and every record read before a kill is still there;
- archive: every run is in the archive with the study's result.json;
- tables are the runs': tabulating the final study again gives the same Table 3.
Scores are not compared with the uninterrupted run's: actors and the learner
interleave nondeterministically, so two clean runs differ too.
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from benchmarks.chaos import check_records, episode_keys, markdown  # noqa: E402
from pipeline.processes import die_with_parent  # noqa: E402

START = time.time()


def define_flags():
  flags.DEFINE_string("workdir", None, "New or empty directory for the benchmark.", required=True)
  flags.DEFINE_string("config", "configs/study_chaos.py", "The study config.")
  flags.DEFINE_string("reference", "", "A finished study of the same config (else one is run).")
  flags.DEFINE_integer("kills", 5, "SIGKILLs of the study's process group (>= 1).")
  flags.DEFINE_integer("seed", 0, "Seed of the kill delays.")
  flags.DEFINE_float("min_gap", 0.15, "Least time from a (re)start to its kill, as a fraction "
                     "of the uninterrupted study's wall-clock.")
  flags.DEFINE_float("max_gap", 0.4, "Most time from a (re)start to its kill, the same way.")
  flags.DEFINE_float("timeout", 3600.0, "Seconds a study (or its last leg) may take.")


# ---- the pure parts (tests/test_study_chaos.py) ---------------------------------------
def kill_delays(rng: random.Random, kills: int, min_gap: float, max_gap: float):
  """Seconds from each (re)start of the study to its SIGKILL."""
  if kills < 1 or not 0 <= min_gap <= max_gap:
    raise ValueError(f"need kills >= 1 and 0 <= min_gap <= max_gap; got {kills}, "
                     f"{min_gap}, {max_gap}")
  return [round(rng.uniform(min_gap, max_gap), 1) for _ in range(kills)]


_STARTED = re.compile(r"\[study\] started (\S+)(?: \(resuming at step (\d+)\))?")


def starts(study_stdout: str):
  """{run: resumed-at step (0: from scratch)} of the runs a study leg started."""
  return {m.group(1): int(m.group(2) or 0) for m in _STARTED.finditer(study_stdout)}


_LEARNER = re.compile(r"\[pipeline\] learner (?:starting|resumed) at step (\d+)")


def learner_start(pipeline_log_part: str):
  """The step a run's learner started at in this part of its pipeline.log (None: not logged)."""
  m = _LEARNER.search(pipeline_log_part)
  return int(m.group(1)) if m else None


def check_restarts(legs):
  """legs: per study leg {"finished": set of runs with result.json before it,
  "checkpoints": {run: newest checkpoint step before it}, "stdout": its output,
  "learner": {run: the step its learner logged it started at in this leg, or None}}.
  -> (runs started again though finished, [(run, checkpoint, started at)] that differ:
  the study's "resuming at step" line or the learner's own)."""
  redone, wrong = [], []
  for leg in legs:
    for run, step in starts(leg["stdout"]).items():
      checkpoint = leg["checkpoints"].get(run, 0)
      learner = leg["learner"].get(run)
      if run in leg["finished"]:
        redone.append(run)
      elif step != checkpoint or learner not in (None, checkpoint):
        wrong.append((run, checkpoint, step if step != checkpoint else learner))
  return sorted(redone), wrong


def changed_results(first_seen, final):
  """Runs whose result.json text at the end differs from when it first appeared."""
  return sorted(r for r, text in first_seen.items() if final.get(r) != text)


def table_cells(table3_csv_text: str):
  """{(game, column): value} of Table 3's seed counts and its game column, the
  parts an interrupted study must share with an uninterrupted one."""
  lines = [l.split(",") for l in table3_csv_text.strip().splitlines()]
  header, rows = lines[0], lines[1:]
  keep = [i for i, h in enumerate(header) if h.endswith("_seeds")]
  return {(row[0], header[i]): row[i] for row in rows for i in keep} | {
      ("games", ""): ",".join(sorted(row[0] for row in rows))}


# ---- the run --------------------------------------------------------------------------
def study_command(config, study_dir, archive=""):
  return ([sys.executable, "-m", "pipeline.jobs.study", f"--config={config}",
           f"--workdir={study_dir}", "--reps=200", "--curve_reps=50"] +
          ([f"--archive={archive}"] if archive else []))


def processes_of(path: str):
  """PIDs of processes whose command line names `path` (the study's and its runs')."""
  found = []
  for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
      with open(f"/proc/{pid}/cmdline", "rb") as f:
        if path.encode() in f.read():
          found.append(int(pid))
    except OSError:
      pass
  return found


def run_dirs(study_dir):
  root = os.path.join(study_dir, "runs")
  return sorted(os.path.join(root, d) for d in os.listdir(root)) if os.path.isdir(root) else []


def read(path, default=None):
  try:
    with open(path, encoding="utf-8") as f:
      return f.read()
  except OSError:
    return default


def snapshot(study_dir):
  """({run: result.json text}, {run: checkpoint step}, {run: episode keys})."""
  from pipeline.study import checkpoint_step
  paths = {os.path.basename(path): path for path in run_dirs(study_dir)}
  return (snapshot_results(study_dir), {run: checkpoint_step(p) for run, p in paths.items()},
          {run: set(episode_keys(p)) for run, p in paths.items()})


def run_uninterrupted(config, study_dir, timeout):
  print(f"study_chaos: the uninterrupted study in {study_dir}", flush=True)
  t = time.time()
  done = subprocess.run(study_command(config, study_dir), cwd=REPO, timeout=timeout,
                        capture_output=True, text=True, preexec_fn=die_with_parent)
  with open(os.path.join(os.path.dirname(study_dir), "uninterrupted.log"), "w") as f:
    f.write(done.stdout + done.stderr)
  if done.returncode != 0:
    sys.exit(f"error: the uninterrupted study failed (exit {done.returncode}); see "
             f"{os.path.dirname(study_dir)}/uninterrupted.log")
  return time.time() - t


def chaos_legs(config, study_dir, archive, delays, timeout):
  """Starts, SIGKILLs and restarts the study; returns (legs, kill events, results first seen)."""
  legs, events, first_seen, seen_keys = [], [], {}, {}
  logdir = os.path.join(os.path.dirname(study_dir), "logs")
  os.makedirs(logdir, exist_ok=True)
  for leg_index in range(len(delays) + 1):
    results, steps, keys = snapshot(study_dir)
    for run, text in results.items():
      first_seen.setdefault(run, text)
    for run, k in keys.items():
      seen_keys.setdefault(run, set()).update(k)
    log_path = os.path.join(logdir, f"study.{leg_index}.log")
    with open(log_path, "w") as log:
      proc = subprocess.Popen(study_command(config, study_dir, archive), cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    leg = {"finished": set(results), "checkpoints": steps, "log": log_path,
           "offsets": {run: len(read(os.path.join(study_dir, "runs", run, "pipeline.log"), ""))
                       for run in steps}}
    legs.append(leg)
    last = leg_index == len(delays)
    limit = time.time() + (timeout if last else delays[leg_index])
    while time.time() < limit and proc.poll() is None:
      time.sleep(0.2)
      for run, text in snapshot_results(study_dir).items():
        first_seen.setdefault(run, text)
    if last:
      if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        sys.exit(f"error: the last leg did not finish in {timeout:.0f} s; see {log_path}")
      leg["code"] = proc.returncode
      break
    if proc.poll() is not None:
      print(f"study_chaos: the study ended (exit {proc.returncode}) before kill "
            f"{leg_index + 1}; lower --max_gap", flush=True)
      leg["code"] = proc.returncode
      break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left_at = time.time() + 30
    while processes_of(study_dir) and time.time() < left_at:
      time.sleep(0.2)
    orphans = processes_of(study_dir)
    _, at_kill, _ = snapshot(study_dir)
    event = {"kill": leg_index + 1, "after_s": delays[leg_index],
             "at_s": round(time.time() - START, 1), "orphans": len(orphans),
             "finished_runs": len(snapshot_results(study_dir)),
             "checkpoints": {r: s for r, s in at_kill.items() if s},
             "tables": os.path.exists(os.path.join(study_dir, "tables"))}
    for pid in orphans:  # reported as a failure; removed so the next leg can run
      os.kill(pid, signal.SIGKILL)
    print("study_chaos: " + json.dumps(event), flush=True)
    events.append(event)
  for i, leg in enumerate(legs):
    leg["stdout"], leg["learner"] = read(leg["log"], ""), {}
    for run in starts(leg["stdout"]):
      text = read(os.path.join(study_dir, "runs", run, "pipeline.log"), "")
      end = legs[i + 1]["offsets"].get(run, len(text)) if i + 1 < len(legs) else len(text)
      leg["learner"][run] = learner_start(text[leg["offsets"].get(run, 0):end])
  return legs, events, first_seen, seen_keys


def snapshot_results(study_dir):
  results = {}
  for path in run_dirs(study_dir):
    text = read(os.path.join(path, "result.json"))
    if text is not None:
      results[os.path.basename(path)] = text
  return results


def planned_steps_by_run(config):
  import importlib.util
  from pipeline import study as study_lib
  spec = importlib.util.spec_from_file_location("study_config", os.path.join(REPO, config))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return {s.name: study_lib.planned_steps(s) for s in study_lib.expand(module.get_config())}


def tabulate_again(study_dir, out_dir):
  """Table 3 of the study's runs, tabulated afresh into out_dir (a copy of its runs/)."""
  import shutil
  shutil.copytree(os.path.join(study_dir, "runs"), os.path.join(out_dir, "runs"), symlinks=True)
  done = subprocess.run([sys.executable, "-m", "pipeline.jobs.tables", f"--workdir={out_dir}",
                         "--reps=200", "--curve_reps=50"], cwd=REPO, capture_output=True,
                        text=True, preexec_fn=die_with_parent)
  return read(os.path.join(out_dir, "tables", "table3_scores.csv"), "") if done.returncode == 0 else ""


def files_under(directory):
  return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def report(F, reference, chaos_dir, legs, events, first_seen, seen_keys):
  study_dir, archive = os.path.join(chaos_dir, "study"), os.path.join(chaos_dir, "archive")
  results, _, keys = snapshot(study_dir)
  redone, wrong = check_restarts(legs)
  planned = planned_steps_by_run(F.config)
  steps = {r: json.loads(t).get("learner_steps") for r, t in results.items()}
  short = sorted(r for r in planned if steps.get(r) != planned[r])
  record_problems = {}
  for run, final in keys.items():
    found = check_records(seen_keys.get(run, set()), list(episode_keys(os.path.join(study_dir, "runs", run))))
    if any(found.values()) or not final:
      record_problems[run] = {k: len(v) for k, v in found.items()} | {"records": len(final)}
  ref_summary = json.loads(read(os.path.join(reference, "tables", "summary.json"), "{}"))
  summary = json.loads(read(os.path.join(study_dir, "tables", "summary.json"), "{}"))
  ref_cells = table_cells(read(os.path.join(reference, "tables", "table3_scores.csv"), "x\n"))
  cells = table_cells(read(os.path.join(study_dir, "tables", "table3_scores.csv"), "x\n"))
  same_files = all(files_under(os.path.join(reference, d)) == files_under(os.path.join(study_dir, d))
                   for d in ("tables", "figures"))
  archived = {os.path.basename(p): read(os.path.join(p, "result.json"))
              for p in run_dirs(archive)}
  again = tabulate_again(study_dir, os.path.join(chaos_dir, "tabulated_again"))
  table3 = read(os.path.join(study_dir, "tables", "table3_scores.csv"))
  final_code = legs[-1].get("code")
  resumed = sum(1 for leg in legs for step in leg["learner"].values() if step)
  checks = {
      "kills": (len(events) == F.kills, f"{len(events)} of {F.kills}"),
      "nothing_left_behind": (all(e["orphans"] == 0 for e in events),
                              f"processes outliving each kill: {[e['orphans'] for e in events]}"),
      "run_list": (ref_summary.get("runs") == summary.get("runs") and ref_cells == cells and
                   same_files and final_code == 0 and
                   summary.get("runs", {}).get("finished") == len(planned),
                   f"runs {summary.get('runs')} (uninterrupted {ref_summary.get('runs')}); "
                   f"Table 3 games and seeds {'equal' if ref_cells == cells else 'DIFFER'}; "
                   f"table and figure files {'equal' if same_files else 'DIFFER'}; "
                   f"last leg exit {final_code}"),
      "finished_once": (not redone and not changed_results(first_seen, results),
                        f"started again though finished: {redone or 'none'}; result.json "
                        f"changed: {changed_results(first_seen, results) or 'none'}"),
      "resumed_at_checkpoint": (not wrong and resumed > 0, f"(run, checkpoint, resumed at) differing: "
                                f"{wrong or 'none'}; resumed runs: "
                                f"{resumed} (at least one is needed: a kill mid-training)"),
      "learner_steps": (not short, f"runs short of their steps: {short or 'none'}"),
      "records": (not record_problems, f"per run lost/duplicated/gaps: {record_problems or 'none'}"),
      "archive": (archived == results and len(archived) == len(planned),
                  f"{len(archived)} archived of {len(planned)}; "
                  f"{'same' if archived == results else 'DIFFERENT'} result.json"),
      "tables_are_the_runs": (bool(again) and again == table3,
                              f"Table 3 tabulated again {'equal' if again == table3 else 'DIFFERS'}"),
  }
  return checks


def main(argv):
  del argv
  F = flags.FLAGS
  workdir = os.path.abspath(F.workdir)
  if os.path.isdir(workdir) and os.listdir(workdir):
    sys.exit(f"error: --workdir={F.workdir} is not empty; give a new directory")
  try:
    kill_delays(random.Random(F.seed), F.kills, F.min_gap, F.max_gap)
  except ValueError as e:
    sys.exit(f"error: {e}")
  if not os.path.exists(os.path.join(REPO, F.config)):
    sys.exit(f"error: --config={F.config} not found")
  os.environ.update(PVE_RECORDS_ROOT=os.path.join(workdir, "tfrecords"), PYTHONUNBUFFERED="1",
                    TF_CPP_MIN_LOG_LEVEL="3")
  reference = os.path.abspath(F.reference) if F.reference else os.path.join(
      workdir, "uninterrupted", "study")
  if not F.reference:
    clean_seconds = run_uninterrupted(F.config, reference, F.timeout)
    print(f"study_chaos: uninterrupted: {clean_seconds:.0f} s", flush=True)
  elif not os.path.exists(os.path.join(reference, "tables", "summary.json")):
    sys.exit(f"error: --reference={F.reference} holds no finished study (tables/summary.json)")
  else:
    clean_seconds = json.loads(read(os.path.join(reference, "study_wall_seconds.json"),
                                    '{"wall_seconds": 0}'))["wall_seconds"] or 120.0
  delays = kill_delays(random.Random(F.seed), F.kills, F.min_gap * clean_seconds,
                       F.max_gap * clean_seconds)
  chaos_dir = os.path.join(workdir, "chaos")
  print(f"study_chaos: kills after {delays} s of each leg; logs in {chaos_dir}/logs", flush=True)
  t = time.time()
  legs, events, first_seen, seen_keys = chaos_legs(
      F.config, os.path.join(chaos_dir, "study"), os.path.join(chaos_dir, "archive"), delays,
      F.timeout)
  chaos_seconds = time.time() - t
  checks = report(F, reference, chaos_dir, legs, events, first_seen, seen_keys)
  rows = [{"check": k, "result": "PASS" if ok else "FAIL", "detail": d}
          for k, (ok, d) in checks.items()]
  print(markdown(rows))
  print(f"study_chaos: seed {F.seed}; uninterrupted {clean_seconds:.0f} s, with {len(events)} kills "
        f"{chaos_seconds:.0f} s; {time.time() - START:.0f} s in all")
  with open(os.path.join(workdir, "study_chaos.json"), "w") as f:
    json.dump({"delays": delays, "events": events, "checks": rows,
               "uninterrupted_seconds": clean_seconds, "chaos_seconds": round(chaos_seconds),
               "legs": [{k: v for k, v in l.items() if k in ("log", "code")} | {
                   "started": starts(l["stdout"])} for l in legs]}, f, indent=2)
  if not all(ok for ok, _ in checks.values()):
    sys.exit(f"error: failed checks: {[k for k, (ok, _) in checks.items() if not ok]}")


if __name__ == "__main__":
  define_flags()
  app.run(main)
