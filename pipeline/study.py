"""Studies: every (game, variant, seed) run of a study config, resumable.

A study config (configs/study_*.py) lists games (each with its run config and
per-game overrides), variants (overrides that define an agent, e.g. the
past-policies loss on), seeds, a per-run budget and a worker count. Each run
is one `pipeline` job in DIR/runs/<game>__<variant>__s<seed>/; runs whose
result.json exists are finished and never redone, interrupted ones resume
from their checkpoints. The layout is what pipeline/scoring/tabulate.py reads.
"""
import json
import os
import re
import subprocess
import sys
import time
from typing import Dict, List, NamedTuple

from pipeline import progress
from pipeline.files import write_json


class RunSpec(NamedTuple):
  game: str
  variant: str
  seed: int
  config_path: str
  overrides: Dict[str, object]   # dotted config key -> value

  @property
  def name(self) -> str:
    game = re.sub(r"[^A-Za-z0-9]+", "_", self.game).strip("_").lower()
    return f"{game}__{self.variant}__s{self.seed}"


def expand(study) -> List[RunSpec]:
  """Every run of the study, in a fixed order (seeds outermost: early partial
  results cover every game and variant)."""
  specs = []
  for seed in study.seeds:
    for game in study.games:
      for variant in study.variants:
        overrides = {"env.name": game["name"], "seed": int(seed)}
        overrides.update(dict(study.budget))
        overrides.update(dict(game.get("overrides", {})))
        overrides.update(dict(variant["overrides"]))
        specs.append(RunSpec(game["name"], variant["name"], int(seed), game["config"], overrides))
  return specs


def _flag_value(value) -> str:
  if isinstance(value, (tuple, list)):
    return "(" + ",".join(_flag_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
  return str(value)


def command(spec: RunSpec, run_dir: str) -> List[str]:
  return ([sys.executable, "-m", "pipeline.jobs.pipeline", f"--config={spec.config_path}"] +
          [f"--config.{k}={_flag_value(v)}" for k, v in spec.overrides.items()] +
          [f"--workdir={run_dir}", "--log_every_seconds=30"])


def run_dir(study_dir: str, spec: RunSpec) -> str:
  return os.path.join(study_dir, "runs", spec.name)


def is_finished(path: str) -> bool:
  return os.path.exists(os.path.join(path, "result.json"))


def run_study(study, study_dir: str, workers: int, print_fn=print) -> Dict[str, int]:
  """Runs every unfinished run, `workers` at a time; returns counts by outcome."""
  specs = expand(study)
  todo = []
  for spec in specs:
    path = run_dir(study_dir, spec)
    os.makedirs(path, exist_ok=True)
    write_json(os.path.join(path, "run.json"),
               {"game": spec.game, "variant": spec.variant, "seed": spec.seed})
    if not is_finished(path):
      todo.append(spec)
  counts = {"total": len(specs), "reused": len(specs) - len(todo), "ran": 0, "failed": 0}
  print_fn(f"[study] {len(specs)} runs: {counts['reused']} finished already, "
           f"{len(todo)} to run, {workers} at a time")
  running: List = []
  started, durations = time.time(), []
  while todo or running:
    while todo and len(running) < workers:
      spec = todo.pop(0)
      path = run_dir(study_dir, spec)
      log = open(os.path.join(path, "pipeline.log"), "a")
      proc = subprocess.Popen(command(spec, path), stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, PYTHONUNBUFFERED="1"))
      running.append((spec, proc, time.time(), log))
    time.sleep(1.0)
    for item in list(running):
      spec, proc, t0, log = item
      if proc.poll() is None:
        continue
      running.remove(item)
      log.close()
      durations.append(time.time() - t0)
      ok = proc.returncode == 0 and is_finished(run_dir(study_dir, spec))
      counts["ran" if ok else "failed"] += 1
      done = counts["ran"] + counts["failed"]
      per_run = sum(durations) / len(durations)
      left = (len(todo) + len(running)) * per_run / max(workers, 1)
      print_fn(f"[study] {spec.name}: {'finished' if ok else 'FAILED (see its pipeline.log)'} "
               f"in {durations[-1]:.0f}s | {done}/{len(specs) - counts['reused']} done | "
               f"elapsed {time.time() - started:.0f}s | left ~{progress.eta(0, left, 1.0)}")
  return counts
