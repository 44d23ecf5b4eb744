"""A study's finished runs, kept small enough to commit, and brought back.

A study directory holds checkpoints, replay snapshots and TensorBoard logs
(megabytes per run) and points to its episode records elsewhere
(tfrecords/); none of it survives a machine that is wiped between sessions.
The archive keeps, per finished run, what the tables read and nothing else:

  ARCHIVE/runs/<run>/run.json, config.json, result.json, wall_seconds.json,
                     pipeline.log, eval/curve.csv, config.<time>.json (the configs
                     of a run resumed with another config, before it)
  ARCHIVE/runs/<run>/episodes/*.tfrecord   the run's episode records
  ARCHIVE/runs/<run>/records               "episodes" (the records pointer)
  ARCHIVE/study_wall_seconds.json          the study's own clock

so ARCHIVE is itself a study directory (`./run.sh tables --workdir=ARCHIVE`).
`./run.sh study --archive=ARCHIVE` restores archived runs into its workdir
before it starts (they count as finished) and archives each run as it
finishes: a study committed half done goes on, on another machine, from
where its archive stopped.

  archive_run(RUN_DIR, ARCHIVE)        -> ARCHIVE/runs/<run>, written atomically
  restore_runs(ARCHIVE, STUDY_DIR, WANTED) -> the runs brought back (only where their
                                          configs agree with the study's), and those refused
  archive_missing(STUDY_DIR, ARCHIVE)  -> names of finished runs not yet archived, now archived
  reuse_runs(SOURCES, STUDY_DIR, WANTED) -> finished runs of other studies brought in where
                                          their configs agree with this study's

A reused run is marked with reused_from.txt (its source) and is not copied
into ARCHIVE: its source already keeps it. Copied runs have no checkpoints:
they can be tabulated, not evaluated or analysed again.
"""
import glob
import json
import os
import shutil
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

KEPT_FILES = ("run.json", "config.json", "result.json", "wall_seconds.json", "pipeline.log",
              os.path.join("eval", "curve.csv"))
EPISODES = "episodes"
CLOCK = "study_wall_seconds.json"
REUSED = "reused_from.txt"


def _records_dir(run_dir: str) -> str:
  """The run's records folder, from its `records` pointer ("" if none)."""
  try:
    with open(os.path.join(run_dir, "records"), encoding="utf-8") as f:
      path = f.read().strip()
  except OSError:
    return ""
  return os.path.normpath(os.path.join(run_dir, path)) if path else ""


def _earlier_configs(run_dir: str) -> List[str]:
  """config.<time>.json files: the configs a resumed run was trained with before."""
  return sorted(os.path.basename(p) for p in glob.glob(os.path.join(run_dir, "config.*.json")))


def copy_run(src: str, dest: str, extra: Optional[Dict[str, str]] = None) -> None:
  """Copies the kept files (and earlier configs) and the records of run `src`
  into a new folder `dest` (.../runs/<run>), with `extra` {file name: text},
  through a folder beside runs/ and a rename, so a kill leaves no half copy
  among the runs."""
  tmp = os.path.join(os.path.dirname(os.path.dirname(dest)), f".partial-{os.path.basename(dest)}")
  shutil.rmtree(tmp, ignore_errors=True)
  for name in KEPT_FILES + tuple(_earlier_configs(src)):
    path = os.path.join(src, name)
    if os.path.isfile(path):
      os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
      shutil.copy2(path, os.path.join(tmp, name))
  os.makedirs(os.path.join(tmp, EPISODES), exist_ok=True)
  records = _records_dir(src)
  for shard in sorted(glob.glob(os.path.join(records, "*.tfrecord"))) if records else []:
    shutil.copy2(shard, os.path.join(tmp, EPISODES, os.path.basename(shard)))
  with open(os.path.join(tmp, "records"), "w", encoding="utf-8") as f:
    f.write(EPISODES + "\n")
  for name, text in (extra or {}).items():
    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
      f.write(text)
  shutil.rmtree(dest, ignore_errors=True)
  os.rename(tmp, dest)


def archive_run(run_dir: str, archive_dir: str) -> str:
  """Copies finished run `run_dir` into ARCHIVE/runs/<run>; returns that path."""
  if not os.path.isfile(os.path.join(run_dir, "result.json")):
    raise ValueError(f"{run_dir} is not finished (no result.json); only finished runs are archived")
  dest = os.path.join(archive_dir, "runs", os.path.basename(os.path.normpath(run_dir)))
  os.makedirs(os.path.dirname(dest), exist_ok=True)
  copy_run(run_dir, dest)
  return dest


def archive_clock(study_dir: str, archive_dir: str) -> None:
  """ARCHIVE's copy of the study's clock file, if the study has one."""
  path = os.path.join(study_dir, CLOCK)
  if os.path.isfile(path):
    os.makedirs(archive_dir, exist_ok=True)
    shutil.copy2(path, os.path.join(archive_dir, CLOCK))


class Wanted(NamedTuple):
  """A run as a study would run it: its whole config (nested dict) and the
  dotted keys the study sets (its overrides), which a saved config must have."""
  config: Dict
  set_keys: Tuple[str, ...] = ()


def restore_runs(archive_dir: str, study_dir: str, wanted: Optional[Dict[str, Wanted]] = None
                 ) -> Tuple[List[str], List[Tuple[str, str]]]:
  """Brings every archived run that STUDY_DIR has not finished into
  STUDY_DIR/runs/ (an unfinished copy there is replaced: the archived one is
  finished), and the study's clock if STUDY_DIR has none. With `wanted`
  ({run name: Wanted}) only those runs, and only where the archived configs
  agree (config_difference). Runs STUDY_DIR has finished are not checked.
  Returns (names restored, [(run, difference)] refused)."""
  if wanted is None:
    wanted = {os.path.basename(os.path.dirname(p)): None
              for p in glob.glob(os.path.join(archive_dir, "runs", "*", "result.json"))}
  restored, refused = _bring_in([archive_dir], study_dir, wanted)
  clock = os.path.join(archive_dir, CLOCK)
  if os.path.isfile(clock) and not os.path.isfile(os.path.join(study_dir, CLOCK)):
    os.makedirs(study_dir, exist_ok=True)
    shutil.copy2(clock, os.path.join(study_dir, CLOCK))
  return [name for name, _ in restored], refused


def archive_missing(study_dir: str, archive_dir: str) -> List[str]:
  """Archives every finished run of STUDY_DIR that ARCHIVE lacks; returns the names."""
  done = []
  for result in sorted(glob.glob(os.path.join(study_dir, "runs", "*", "result.json"))):
    name = os.path.basename(os.path.dirname(result))
    if os.path.isfile(os.path.join(os.path.dirname(result), REUSED)):
      continue  # its source study keeps it
    if not os.path.isfile(os.path.join(archive_dir, "runs", name, "result.json")):
      archive_run(os.path.dirname(result), archive_dir)
      done.append(name)
  archive_clock(study_dir, archive_dir)
  return done


def _flat(tree, prefix=""):
  """{dotted key: leaf} of a nested dict (lists and tuples are leaves, as lists)."""
  out = {}
  for key, value in tree.items():
    if isinstance(value, dict):
      out.update(_flat(value, f"{prefix}{key}."))
    else:
      out[prefix + key] = list(value) if isinstance(value, (list, tuple)) else value
  return out


def config_difference(saved: Dict, wanted: Dict, set_keys: Sequence[str] = ()) -> str:
  """Where a saved run config and the wanted one (nested dicts) disagree, as
  "key: saved != wanted, ..." (at most three keys, then how many more), or ""
  if they agree. Keys both have must be equal; a key only one has is a
  setting added or removed since (its default is assumed), unless it is in
  `set_keys` (the study sets it): then the saved config must have it."""
  a, b = _flat(json.loads(json.dumps(saved))), _flat(json.loads(json.dumps(wanted)))
  diffs = [f"{key}: {a[key]!r} != {b[key]!r}" for key in sorted(set(a) & set(b)) if a[key] != b[key]]
  diffs += [f"{key}: not in the saved config (wanted {b[key]!r})"
            for key in sorted(set(set_keys) - set(a)) if key in b]
  more = f", and {len(diffs) - 3} more" if len(diffs) > 3 else ""
  return ", ".join(diffs[:3]) + more


def run_difference(src: str, want: "Wanted") -> str:
  """config_difference of a finished run's config.json, and of the configs it
  was trained with before a resumption (config.<time>.json), against `want`."""
  for name in ["config.json"] + _earlier_configs(src):
    try:
      with open(os.path.join(src, name), encoding="utf-8") as f:
        difference = config_difference(json.load(f), want.config, want.set_keys)
    except (OSError, ValueError):
      return f"no readable {name}"
    if difference and name != "config.json":
      return f"trained in part with another config ({name}: {difference})"
    if difference:
      return difference
  return ""


def reuse_runs(sources: Sequence[str], study_dir: str,
               wanted: Dict[str, Wanted]) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
  """Brings into STUDY_DIR/runs/ each run named in `wanted` ({run name:
  Wanted}) that STUDY_DIR has not finished and a source study directory (or
  archive) has finished with agreeing configs (config_difference, for its
  config.json and any earlier config.<time>.json); the first agreeing source is used, and the
  run is marked with reused_from.txt. Returns ([(run, source)] reused,
  [(run, "source: difference; ...")] for the runs that sources hold finished
  but with another config)."""
  return _bring_in(sources, study_dir, wanted, mark_reused=True)


def _bring_in(sources: Sequence[str], study_dir: str, wanted: Dict[str, Optional[Wanted]],
              mark_reused: bool = False):
  """reuse_runs and restore_runs: a wanted config of None is not checked."""
  brought, refused = [], []
  for name in sorted(wanted):
    dest = os.path.join(study_dir, "runs", name)
    if os.path.isfile(os.path.join(dest, "result.json")):
      continue
    differences = []
    for source in sources:
      src = os.path.join(source, "runs", name)
      if not os.path.isfile(os.path.join(src, "result.json")):
        continue
      difference = run_difference(src, wanted[name]) if wanted[name] is not None else ""
      if difference:
        differences.append(f"{source}: {difference}")
        continue
      os.makedirs(os.path.dirname(dest), exist_ok=True)
      copy_run(src, dest, {REUSED: os.path.abspath(source) + "\n"} if mark_reused else None)
      brought.append((name, source))
      break
    else:
      if differences:
        refused.append((name, "; ".join(differences)))
  return brought, refused
