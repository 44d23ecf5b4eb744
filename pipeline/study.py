"""Studies: every (game, variant, seed) run of a study config, resumable.

A study config (configs/study_*.py) lists games (each with its run config,
per-game overrides and optionally a "setting", e.g. "on-policy", whose runs
are compared among themselves; default "replay"), variants (overrides that define an agent, e.g. the
past-policies loss on), seeds, a per-run budget and a worker count. Each run
is one `pipeline` job in DIR/runs/<game>[_<setting>]__<variant>__s<seed>/; runs whose
result.json exists are finished and never redone, interrupted ones resume
from their checkpoints. The layout is what pipeline/scoring/tabulate.py reads.
"""
import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from pipeline import study_archive
from pipeline.errors import PipelineError
from pipeline.files import write_json
from pipeline.processes import terminate_with_parent


REPLAY_SETTING = "replay"  # a game entry without "setting"


class RunSpec(NamedTuple):
  game: str
  variant: str
  seed: int
  config_path: str
  overrides: Dict[str, object]   # dotted config key -> value
  setting: str = REPLAY_SETTING  # e.g. "on-policy": its runs are compared among themselves

  @property
  def name(self) -> str:
    game = re.sub(r"[^A-Za-z0-9]+", "_", self.game).strip("_").lower()
    if self.setting != REPLAY_SETTING:
      game += "_" + re.sub(r"[^A-Za-z0-9]+", "_", self.setting).strip("_").lower()
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
        specs.append(RunSpec(game["name"], variant["name"], int(seed), game["config"], overrides,
                             game.get("setting", REPLAY_SETTING)))
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


def _read_json_file(path: str) -> Optional[Dict]:
  try:
    with open(path, encoding="utf-8") as f:
      return json.load(f)
  except (OSError, ValueError):
    return None


def _read_result(path: str) -> Optional[Dict]:
  return _read_json_file(os.path.join(path, "result.json"))


def is_finished(path: str) -> bool:
  return os.path.exists(os.path.join(path, "result.json"))


_STEP_LINE = re.compile(r"\[pipeline\] step (\d+)/(\d+)")


def learner_progress(log_path: str) -> Optional[Tuple[int, int]]:
  """(learner step, total steps) from the last progress line of a run's pipeline.log."""
  try:
    with open(log_path, "rb") as f:
      f.seek(max(0, os.path.getsize(log_path) - 20_000))
      tail = f.read().decode("utf-8", "replace")
  except OSError:
    return None
  found = _STEP_LINE.findall(tail)
  return (int(found[-1][0]), int(found[-1][1])) if found else None


def checkpoint_step(path: str) -> int:
  """The learner step of a run directory's newest checkpoint (0: none)."""
  state = os.path.join(path, "checkpoints", "checkpoint")
  try:
    with open(state, encoding="utf-8") as f:
      found = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', f.read(), re.M)
  except OSError:
    return 0
  return int(found.group(1)) if found else 0


_RECIPE_STEPS: Dict[str, Tuple[int, int]] = {}


def _recipe_steps(config_path: str) -> Tuple[int, int]:
  """(learner.stop_at_step, learner.num_steps) of a recipe file, read once."""
  if config_path not in _RECIPE_STEPS:
    try:
      learner = runpy.run_path(config_path)["get_config"]().learner
      _RECIPE_STEPS[config_path] = (int(learner.get("stop_at_step", 0)), int(learner.num_steps))
    except Exception:  # pylint: disable=broad-except  (the run itself reports a bad recipe)
      _RECIPE_STEPS[config_path] = (0, 0)
  return _RECIPE_STEPS[config_path]


def resolved_config(spec: RunSpec) -> Dict:
  """The run's config as its job will see it: the recipe file with the
  overrides set, as a nested dict (a key the recipe lacks is an error, as in
  the job)."""
  config = runpy.run_path(spec.config_path)["get_config"]()
  config.lock()
  for key, value in spec.overrides.items():
    *parents, leaf = key.split(".")
    node = config
    try:
      for parent in parents:
        node = node[parent]
      node[leaf] = value
    except (KeyError, AttributeError):
      raise PipelineError(f"{spec.name}: the study sets {key}, which {spec.config_path} does not "
                          "have") from None
  return config.to_dict()


def planned_steps(spec: RunSpec) -> int:
  """The learner steps a run trains: stop_at_step, else num_steps, from its
  overrides, else from its recipe file (a target return may stop it earlier)."""
  stop, num = _recipe_steps(spec.config_path)
  num = int(spec.overrides.get("learner.num_steps", num))
  stop = int(spec.overrides.get("learner.stop_at_step", stop))
  return (stop if 0 < stop <= num else num) or 1


class StudyClock:
  """Time left for a study: seconds per learner step, learned from finished runs
  per (game, setting, variant) (variants cost differently: the past-policies
  loss makes a step slower), else per (game, setting), else the mean of all
  known rates; a running run's own rate stands in until a run like it has
  finished. Times the steps each run has left, over the workers."""

  def __init__(self, workers: int):
    self.workers = max(workers, 1)
    self.finished: Dict[Tuple[str, ...], List[float]] = {}

  @staticmethod
  def _keys(spec: RunSpec) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    return (spec.game, spec.setting, spec.variant), (spec.game, spec.setting)

  def observe(self, spec: RunSpec, seconds: float, steps: int) -> None:
    if steps > 0 and seconds > 0:
      for key in self._keys(spec):
        self.finished.setdefault(key, []).append(seconds / steps)

  def seconds_left(self, todo: Sequence[RunSpec],
                   running: Sequence[Tuple[RunSpec, int, Optional[float]]]) -> Optional[float]:
    """running: (spec, learner steps done, its own seconds per step or None);
    None until some rate is known."""
    rates = {k: sum(v) / len(v) for k, v in self.finished.items()}
    for spec, _, own in running:
      if own:
        for key in self._keys(spec):
          rates.setdefault(key, own)
    if not rates:
      return None
    runs = [r for k, r in rates.items() if len(k) == 3]
    fallback = sum(runs) / len(runs)
    total = 0.0
    for spec, done, _ in [(s, 0, None) for s in todo] + list(running):
      exact, game = self._keys(spec)
      rate = rates.get(exact, rates.get(game, fallback))
      total += rate * max(planned_steps(spec) - done, 0)
    return total / self.workers


def _duration(seconds: Optional[float]) -> str:
  if seconds is None:
    return "?"
  seconds = int(seconds)
  if seconds >= 3600:
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
  return f"{seconds // 60}m{seconds % 60:02d}s"


class _Running(NamedTuple):
  spec: RunSpec
  proc: subprocess.Popen
  started: float
  log: object
  first_step: int   # learner step when this process started (a resumed run starts mid-way)


class _StopRequest:
  """Set by SIGTERM / SIGINT (a Ctrl-C): the study then stops its runs and returns."""

  def __init__(self):
    self.requested = False
    for sig in (signal.SIGTERM, signal.SIGINT):
      signal.signal(sig, self._set)

  def _set(self, signum, frame):
    del signum, frame
    self.requested = True


def _stop_runs(running: Sequence[_Running], print_fn, timeout: float = 120.0) -> None:
  """SIGTERM to every running run (each checkpoints and exits), SIGKILL after `timeout`."""
  print_fn(f"[study] stopping {len(running)} running runs; run the same command to resume")
  for r in running:
    if r.proc.poll() is None:
      r.proc.terminate()
  deadline = time.time() + timeout
  for r in running:
    try:
      r.proc.wait(max(0.1, deadline - time.time()))
    except subprocess.TimeoutExpired:
      r.proc.kill()
      r.proc.wait()
    r.log.close()


def _bring_in_finished_runs(specs: Sequence[RunSpec], study_dir: str, archive_dir: str,
                            reuse_dirs: Sequence[str], print_fn) -> None:
  """Restores the archive's runs and reuses other studies' (study_archive), each
  only where its saved config is the study's for it; says what it refused. An
  archived copy of another config, replaced by a reused run, leaves the archive."""
  wanted = {spec.name: study_archive.Wanted(resolved_config(spec), tuple(spec.overrides))
            for spec in specs}
  restored, stale = study_archive.restore_runs(archive_dir, study_dir, wanted) if archive_dir else ([], [])
  reused, refused = study_archive.reuse_runs(reuse_dirs, study_dir, wanted) if reuse_dirs else ([], [])
  sources = dict(reused)
  for name, why in stale:
    if name in sources:
      shutil.rmtree(os.path.join(archive_dir, "runs", name))
      print_fn(f"[study] {name}: the archive's copy had another config ({why}); reused from "
               f"{sources[name]} instead, the old copy removed from the archive")
    else:
      print_fn(f"[study] not restored {name} ({why}): it runs anew")
  for name, why in refused:
    print_fn(f"[study] not reused {name} ({why}): it runs here")
  if archive_dir:
    archived = study_archive.archive_missing(study_dir, archive_dir)
    if restored or archived:
      print_fn(f"[study] archive {archive_dir}: {len(restored)} finished runs restored from it, "
               f"{len(archived)} added to it")
  if reused:
    print_fn(f"[study] reused {len(reused)} finished runs from {', '.join(sorted(set(sources.values())))}")


def run_study(study, study_dir: str, workers: int, print_fn=print,
              status_every_seconds: float = 60.0, archive_dir: str = "",
              reuse_dirs: Sequence[str] = ()) -> Dict[str, int]:
  """Runs every unfinished run, `workers` at a time; returns counts by outcome
  ("stopped": True when SIGTERM / SIGINT stopped it, its runs resumable).

  Every `status_every_seconds` it prints one line: each running run's learner
  step and rate, the runs waiting, and the time left for the whole study; the
  study's own wall-clock, summed over its restarts, is kept in
  DIR/study_wall_seconds.json. With `archive_dir` (pipeline/study_archive.py)
  its archived runs are restored first (those whose config is still the
  study's; runs already finished in the study directory are not re-checked)
  and each run is archived as it finishes.
  With `reuse_dirs` (other studies' directories or archives), a run this study
  has not finished is copied from there when finished there with the same
  config (study_archive.reuse_runs); a run whose config differs is run anew.
  """
  specs = expand(study)
  if archive_dir or reuse_dirs:
    _bring_in_finished_runs(specs, study_dir, archive_dir, reuse_dirs, print_fn)
  todo = []
  for spec in specs:
    path = run_dir(study_dir, spec)
    os.makedirs(path, exist_ok=True)
    write_json(os.path.join(path, "run.json"),
               {"game": spec.game, "variant": spec.variant, "seed": spec.seed,
                "setting": spec.setting})
    if not is_finished(path):
      todo.append(spec)
  clock = StudyClock(workers)
  for spec in specs:  # the cost of runs finished before (e.g. before a restart)
    result = None if spec in todo else _read_result(run_dir(study_dir, spec))
    if result:
      clock.observe(spec, float(result.get("wall_seconds", 0)), int(result.get("learner_steps", 0)))
  counts = {"total": len(specs), "reused": len(specs) - len(todo), "ran": 0, "failed": 0}
  print_fn(f"[study] {len(specs)} runs: {counts['reused']} finished already, "
           f"{len(todo)} to run, {workers} at a time")
  running: List[_Running] = []
  started = last_status = time.time()
  stop = _StopRequest()
  clock_path = os.path.join(study_dir, "study_wall_seconds.json")
  before = (_read_json_file(clock_path) or {}).get("wall_seconds", 0.0)  # earlier sessions of it

  def keep_clock():
    write_json(clock_path, {"wall_seconds": round(before + time.time() - started, 1)})
    if archive_dir:
      study_archive.archive_clock(study_dir, archive_dir)

  def step_of(spec) -> Tuple[int, int]:
    found = learner_progress(os.path.join(run_dir(study_dir, spec), "pipeline.log"))
    return found if found else (0, planned_steps(spec))

  def status():
    """([(spec, step, own seconds per step)], [text per running run])."""
    now, rows, texts = time.time(), [], []
    for r in running:
      done, total = step_of(r.spec)
      # A run's own rate once it is past its start-up (a tenth of its steps).
      settled = done - r.first_step >= max(planned_steps(r.spec) // 10, 1)
      own = (now - r.started) / (done - r.first_step) if settled else None
      rows.append((r.spec, done, own))
      texts.append(f"{r.spec.name} step {done}/{total}" + (f" ({1 / own:.1f}/s)" if own else ""))
    return rows, texts

  while todo or running:
    if stop.requested:
      _stop_runs(running, print_fn)
      keep_clock()
      counts["stopped"] = True
      return counts
    while todo and len(running) < workers:
      spec = todo.pop(0)
      path = run_dir(study_dir, spec)
      log = open(os.path.join(path, "pipeline.log"), "a")
      first_step = checkpoint_step(path)
      # A run gets SIGTERM when the study dies, however it dies (it checkpoints and exits).
      proc = subprocess.Popen(command(spec, path), stdout=log, stderr=subprocess.STDOUT,
                              env=dict(os.environ, PYTHONUNBUFFERED="1"),
                              preexec_fn=terminate_with_parent)
      running.append(_Running(spec, proc, time.time(), log, first_step))
      print_fn(f"[study] started {spec.name}" + (f" (resuming at step {first_step})" if first_step else ""))
    time.sleep(1.0)
    for r in list(running):
      if r.proc.poll() is None:
        continue
      running.remove(r)
      r.log.close()
      seconds = time.time() - r.started
      ok = r.proc.returncode == 0 and is_finished(run_dir(study_dir, r.spec))
      if ok and r.first_step == 0:  # a whole run: its duration per step is the game's cost
        trained = (_read_result(run_dir(study_dir, r.spec)) or {}).get("learner_steps")
        clock.observe(r.spec, seconds, int(trained or planned_steps(r.spec)))  # early stop: fewer
      counts["ran" if ok else "failed"] += 1
      if ok and archive_dir:
        study_archive.archive_run(run_dir(study_dir, r.spec), archive_dir)
      done = counts["ran"] + counts["failed"]
      print_fn(f"[study] {r.spec.name}: {'finished' if ok else 'FAILED (see its pipeline.log)'} "
               f"in {_duration(seconds)} | {done}/{len(specs) - counts['reused']} done | "
               f"elapsed {_duration(time.time() - started)} | "
               f"left ~{_duration(clock.seconds_left(todo, status()[0]))}")
    if running and time.time() - last_status >= status_every_seconds:
      last_status = time.time()
      keep_clock()
      rows, texts = status()
      print_fn(f"[study] running: {'; '.join(texts)} | {len(todo)} waiting | elapsed "
               f"{_duration(time.time() - started)} | left ~{_duration(clock.seconds_left(todo, rows))}")
  keep_clock()
  return counts
