"""The side-by-side MuZero / DQN runs of `bench minatar_dqn`, one per game, as one
table, one CSV and one figure.

    ./run.sh bench minatar_dqn_report --workdirs=/work/bench/dqn_breakout,/work/bench/dqn_asterix \\
        --out=docs/minatar_dqn

Per game (each WORKDIR's curves.csv): at MuZero's last frame count F and at
its wall-clock W, DQN's running average of its training returns (0.99 per
episode, dqn.py's own statistic) against the same statistic over MuZero's
self-play episodes, MuZero's last greedy evaluation, and the game's measured
random return (pipeline/data/random_baselines.csv). "at F" compares sample
efficiency, "at W" the return per wall-clock second on this machine (both ran
at once, each pinned to one core, unless run with --alone). Writes
OUT/curves.csv (game column added; a point per --csv_every_frames), OUT/table.md,
OUT/table_wall.md (each run's two curves at --at_seconds), OUT/table_arms.md (the
runs of one setting over seeds: a run named NAME_sSEED is seed SEED of arm NAME, DQN's runs
included; at each --at_seconds the mean, its standard error and the range over the arm's
runs, and how many MuZero runs are ahead of the mean of DQN's runs of the game that reach
that second; the mean greedy evaluation), OUT/table_arms_frames.md (the same at --at_frames),
OUT/curves.png (a row per game: return against frames and against wall-clock seconds,
random as a dotted line) and OUT/curves_arms.png with its data OUT/curves_arms.csv (each
arm's mean over its runs +- one standard error, against frames and seconds).
"""
import csv
import json
import os
import re
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.minatar_dqn_curves import NAMES  # pylint: disable=g-import-not-at-top

WORKDIRS = flags.DEFINE_list("workdirs", [], "bench minatar_dqn workdirs (dqn_GAME).")
OUT = flags.DEFINE_string("out", None, "Output directory.", required=True)
CSV_EVERY_FRAMES = flags.DEFINE_integer("csv_every_frames", 500, "OUT/curves.csv keeps a point "
                                        "per this many frames (the tables use every point).")
AT_SECONDS = flags.DEFINE_list("at_seconds", ["120", "240", "360", "480"],
                               "Wall-clock seconds for table_wall.md (each curve's return then).")

AT_FRAMES = flags.DEFINE_list("at_frames", ["50000", "100000", "150000"],
                             "Frame counts for table_arms_frames.md (table_arms.md at frames).")
ARM_STEP_SECONDS = flags.DEFINE_float("arm_step_seconds", 10.0, "curves_arms: a point per this "
                                      "many wall-clock seconds.")
ARM_STEP_FRAMES = flags.DEFINE_integer("arm_step_frames", 5000, "curves_arms: a point per this "
                                       "many frames.")

Curve = List[Tuple[float, int, float]]  # (wall seconds, frames, return)


def read_curves(path: str) -> Dict[Tuple[str, str], Curve]:
  """{(agent, kind): [(wall, frames, return)] in file order} from a curves.csv."""
  out: Dict[Tuple[str, str], Curve] = {}
  for row in csv.DictReader(open(path, newline="")):
    out.setdefault((row["agent"], row["kind"]), []).append(
        (float(row["wall_seconds"]), int(row["frames"]), float(row["return"])))
  return out


def value_at(curve: Curve, x: float, axis: int) -> Optional[float]:
  """The curve's last return at or before x on axis 0 (wall) or 1 (frames); None before its start."""
  before = [p for p in curve if p[axis] <= x]
  return before[-1][2] if before else None


def random_returns(path: str = "pipeline/data/random_baselines.csv") -> Dict[str, float]:
  return {r["game"]: float(r["mean_return"]) for r in csv.DictReader(open(path, newline=""))}


def game_of(workdir: str) -> str:
  """The game MuZero played in a workdir (its run's config.json), else its name's: dqn_GAME or
  dqn_GAME_sN (one of several DQN runs)."""
  path = os.path.join(workdir, "muzero", "config.json")
  if os.path.exists(path):
    return json.load(open(path))["env"]["name"]
  name = arm_of(os.path.basename(os.path.normpath(workdir)))
  game = name.split("_", 1)[1] if name.startswith("dqn_") else None
  if game not in NAMES:
    raise ValueError(f"{workdir}: no muzero/config.json, and not named dqn_GAME[_sN] with GAME "
                     f"one of {', '.join(NAMES)}")
  return f"MinAtar/{NAMES[game]}"


def with_dqn_of_the_same_game(games: Sequence[str], curves: Sequence[Dict]) -> List[Dict]:
  """Each workdir's curves, with DQN's from another workdir of the same game where it has none
  (a MuZero variant run alone, compared with the DQN run beside the first one)."""
  key = ("dqn", "train_running_avg")
  dqn = {}
  for game, c in zip(games, curves):
    if c.get(key):
      dqn.setdefault(game, {k: v for k, v in c.items() if k[0] == "dqn"})
  return [c if c.get(key) or game not in dqn else {**c, **dqn[game]}
          for game, c in zip(games, curves)]


def thinned(curve: Curve, every_frames: int) -> Curve:
  """The curve's points at least every_frames apart in frames (from its first), and its last."""
  out = []
  for i, p in enumerate(curve):
    if not out or p[1] - out[-1][1] >= every_frames or i == len(curve) - 1:
      out.append(p)
  return out


def _fmt(x: Optional[float]) -> str:
  return "-" if x is None else f"{x:.2f}"


def table_rows(games: Sequence[str], curves: Sequence[Dict], randoms: Dict[str, float],
               labels: Sequence[str] = ()):
  rows = []
  for i, (game, c) in enumerate(zip(games, curves)):
    play = c.get(("muzero", "selfplay_running_avg"), [])
    evals = c.get(("muzero", "greedy_eval"), [])
    dqn = c.get(("dqn", "train_running_avg"), [])
    dqn_evals = c.get(("dqn", "greedy_eval"), [])
    if not play:
      continue
    wall, frames, ours = play[-1]
    rows.append({"game": game, "run": labels[i] if labels else "", "frames": frames, "wall": wall, "muzero": ours,
                 "muzero_eval": evals[-1][2] if evals else None,
                 "dqn_at_frames": value_at(dqn, frames, 1), "dqn_at_wall": value_at(dqn, wall, 0),
                 "dqn_frames_at_wall": max([p[1] for p in dqn if p[0] <= wall], default=None),
                 "dqn_last": dqn[-1] if dqn else None,
                 "dqn_eval": dqn_evals[-1] if dqn_evals else None, "random": randoms.get(game)})
  return rows


def markdown(rows) -> str:
  head = ("| game | run | MuZero frames (wall) | MuZero self-play | MuZero greedy eval | DQN at the "
          "same frames | DQN at the same wall-clock (its frames) | DQN at its end (frames) | DQN greedy "
          "eval at its end (wall) | random |")
  lines = [head, "|" + " --- |" * 10]
  for r in rows:
    last, ev = r["dqn_last"], r["dqn_eval"]
    lines.append(
        f"| {r['game']} | {r['run']} | {r['frames']:,} ({r['wall']:.0f} s) | {r['muzero']:.2f} | "
        f"{_fmt(r['muzero_eval'])} | {_fmt(r['dqn_at_frames'])} | {_fmt(r['dqn_at_wall'])} "
        f"({'-' if r['dqn_frames_at_wall'] is None else format(r['dqn_frames_at_wall'], ',')}) | "
        f"{'-' if last is None else f'{last[2]:.2f} ({last[1]:,})'} | "
        f"{'-' if ev is None else f'{ev[2]:.2f} ({ev[0]:.0f} s)'} | {_fmt(r['random'])} |")
  return "\n".join(lines) + "\n"


def plot(games, curves, randoms, path: str, labels: Sequence[str]) -> None:
  """A row per game: return against frames (left) and against wall-clock seconds (right),
  the legend beside the right panel."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  order = sorted(set(games), key=games.index)
  row_inches = max(3.4, 0.13 * 2 * games.count(max(order, key=games.count)) + 1.0)  # legend
  fig, axes = plt.subplots(len(order), 2, figsize=(11.5, row_inches * len(order)), squeeze=False)
  for (ax_frames, ax_wall), game in zip(axes, order):
    for col, (ax, axis, xlabel) in enumerate(((ax_frames, 1, "frames"),
                                             (ax_wall, 0, "wall-clock seconds"))):
      drew_dqn = set()
      for c, label in zip([c for g, c in zip(games, curves) if g == game],
                          [l for g, l in zip(games, labels) if g == game]):
        dqn = c.get(("dqn", "train_running_avg"), [])
        if dqn and id(dqn) not in drew_dqn:  # each DQN run once (runs alone borrow one)
          ax.plot([p[axis] for p in dqn], [p[2] for p in dqn], "k-", lw=0.8,
                  label=f"DQN {label} training (running avg)")
          drew_dqn.add(id(dqn))
        for kind, style, name in (("selfplay_running_avg", "-", "self-play"),
                                  ("greedy_eval", "o--", "greedy eval")):
          pts = c.get(("muzero", kind), [])
          if pts:
            ax.plot([p[axis] for p in pts], [p[2] for p in pts], style, ms=3,
                    label=f"MuZero {label} {name}")
      if game in randoms:
        ax.axhline(randoms[game], color="grey", ls=":", label="random")
      ax.set_title(f"{game}, against {xlabel}")
      ax.set_xlabel(xlabel)
      ax.set_ylabel("return")
      if col == 1:
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0))
  fig.tight_layout()
  fig.savefig(path, dpi=110, bbox_inches="tight")
  plt.close(fig)


def plot_arms(by_axis: Dict[str, List[Dict]], randoms, path: str) -> None:
  """A row per game: each arm's mean over its runs with a band of +- one standard error,
  against frames (left) and wall-clock seconds (right); DQN's arms in black."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  games = sorted({r["game"] for rows in by_axis.values() for r in rows})
  fig, axes = plt.subplots(len(games), 2, figsize=(11.5, 3.6 * len(games)), squeeze=False)
  for (ax_frames, ax_wall), game in zip(axes, games):
    for ax, axis in ((ax_frames, "frames"), (ax_wall, "wall_seconds")):
      arms = sorted({(r["agent"], r["arm"]) for r in by_axis[axis] if r["game"] == game})
      for agent, arm in arms:
        rows = [r for r in by_axis[axis] if (r["game"], r["agent"], r["arm"]) == (game, agent, arm)]
        x = [r["x"] for r in rows]
        mean = [r["mean"] for r in rows]
        se = [r["se"] or 0.0 for r in rows]
        line, = ax.plot(x, mean, color="k" if agent == "dqn" else None, lw=1.2,
                        label=f"{'DQN' if agent == 'dqn' else 'MuZero'} {arm} "
                              f"({max(r['runs'] for r in rows)} runs)")
        ax.fill_between(x, [m - e for m, e in zip(mean, se)], [m + e for m, e in zip(mean, se)],
                        color=line.get_color(), alpha=0.15, lw=0)
      if game in randoms:
        ax.axhline(randoms[game], color="grey", ls=":", label="random")
      ax.set_title(f"{game}, against {axis.replace('_', ' ')}")
      ax.set_xlabel(axis.replace("_", " "))
      ax.set_ylabel("running average of training returns")
      if ax is ax_wall:
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0))
  fig.tight_layout()
  fig.savefig(path, dpi=110, bbox_inches="tight")
  plt.close(fig)


def own_runs(games, curves, labels):
  """(game, run, agent, curve) per run and agent, DQN training and MuZero self-play; a DQN
  curve borrowed by a MuZero run alone (with_dqn_of_the_same_game) only once."""
  seen = set()
  for game, label, c in zip(games, labels, curves):
    for agent, kind in (("dqn", "train_running_avg"), ("muzero", "selfplay_running_avg")):
      pts = c.get((agent, kind), [])
      if pts and id(pts) not in seen:
        seen.add(id(pts))
        yield game, label, agent, pts


def point_at(curve: Curve, x: float, axis: int) -> Optional[Tuple[float, int, float]]:
  """The curve's last point at or before x on axis 0 (wall) or 1 (frames); None before its
  first point or after its last (a run that ended does not count later)."""
  if not curve or x > curve[-1][axis] + 1e-9:
    return None
  before = [p for p in curve if p[axis] <= x]
  return before[-1] if before else None


def at_seconds_rows(games, curves, labels, seconds: Sequence[float], axis: int = 0) -> List[Dict]:
  """Per run and curve (DQN training, MuZero self-play): (frames, return) at each of `seconds`
  (the last point at or before it; None before the curve starts or after it ends); with
  axis=1, `seconds` are frame counts instead."""
  rows = []
  for game, label, agent, pts in own_runs(games, curves, labels):
    cells = [point_at(pts, t, axis) for t in seconds]
    rows.append({"game": game, "run": label, "agent": agent,
                 "cells": [None if p is None else (p[1], p[2]) for p in cells]})
  return rows


def arm_curves(games, curves, labels, axis: int, step: float) -> List[Dict]:
  """Per (game, agent, arm) and x = 0, step, 2 step, ... on axis 0 (wall) or 1 (frames) that
  every run of the arm covers (so the runs averaged do not change along the curve): the mean
  and standard error over the runs."""
  runs: Dict[Tuple[str, str, str], List[Curve]] = {}
  for game, label, agent, pts in own_runs(games, curves, labels):
    runs.setdefault((game, agent, arm_of(label)), []).append(pts)
  rows = []
  for (game, agent, arm), arm_runs in runs.items():
    end = min(pts[-1][axis] for pts in arm_runs)
    for i in range(int(end // step) + 1):
      values = [p[2] for p in (point_at(pts, i * step, axis) for pts in arm_runs) if p]
      if len(values) == len(arm_runs):
        mean, se = mean_se(values)
        rows.append({"game": game, "agent": agent, "arm": arm, "x": i * step,
                     "runs": len(values), "mean": mean, "se": se})
  return rows


def at_seconds_markdown(rows, seconds: Sequence[float]) -> str:
  head = "| game | run | agent | " + " | ".join(f"at {t:.0f} s" for t in seconds) + " |"
  lines = [head, "|" + " --- |" * (3 + len(seconds))]
  for r in rows:
    cells = ["-" if c is None else f"{c[1]:.2f} ({c[0] // 1000}k)" for c in r["cells"]]
    lines.append(f"| {r['game']} | {r['run']} | {r['agent']} | " + " | ".join(cells) + " |")
  return "\n".join(lines) + "\n"


def arm_of(run: str) -> str:
  """A run's arm: its name without a trailing _sSEED (c1_si_race_s3 -> c1_si_race)."""
  return re.sub(r"_s\d+$", "", run)


def arm_rows(games, curves, labels, seconds: Sequence[float], axis: int = 0) -> List[Dict]:
  """Per (game, agent, arm) in order of first appearance (DQN's runs form arms too): the runs
  and, at each of `seconds`, the returns of those that reach it, with the mean of DQN's runs
  of that game then (None where none reaches it); the greedy evaluations. With axis=1,
  `seconds` are frame counts instead."""
  per_run = at_seconds_rows(games, curves, labels, seconds, axis)
  dqn_runs: Dict[str, List[List]] = {}
  for r in per_run:
    if r["agent"] == "dqn":
      dqn_runs.setdefault(r["game"], []).append(r["cells"])
  dqn_mean = {}
  for game, runs in dqn_runs.items():
    at = [[c[1] for c in cells if c is not None] for cells in zip(*runs)]
    dqn_mean[game] = [sum(v) / len(v) if v else None for v in at]
  greedy = {(label, agent): c.get((agent, "greedy_eval"), [])
            for label, c in zip(labels, curves) for agent in ("dqn", "muzero")}
  arms: Dict[Tuple[str, str, str], Dict] = {}
  for r in per_run:
    arm = arms.setdefault((r["game"], r["agent"], arm_of(r["run"])), {
        "game": r["game"], "agent": r["agent"], "arm": arm_of(r["run"]), "runs": [],
        "greedy": [], "cells": [[] for _ in seconds],
        "dqn": dqn_mean.get(r["game"], [None] * len(seconds))})
    arm["runs"].append(r["run"])
    if greedy[(r["run"], r["agent"])]:
      arm["greedy"].append(greedy[(r["run"], r["agent"])][-1][2])
    for cell, values in zip(r["cells"], arm["cells"]):
      if cell is not None:
        values.append(cell[1])
  return list(arms.values())


def mean_se(values: Sequence[float]) -> Tuple[float, Optional[float]]:
  """The mean and its standard error (sample standard deviation / sqrt n; None for one value)."""
  n = len(values)
  mean = sum(values) / n
  if n < 2:
    return mean, None
  return mean, (sum((v - mean) ** 2 for v in values) / (n - 1) / n) ** 0.5


def arms_markdown(rows, seconds: Sequence[float], unit: str = "s") -> str:
  """Cells: mean +- SE [min, max] and, for MuZero, its runs ahead of the mean of DQN's then."""
  head = ("| game | agent | arm | runs | " + " | ".join(f"at {t:,.0f} {unit}" for t in seconds) +
          " | greedy, mean [min, max] |")
  lines = [head, "|" + " --- |" * (5 + len(seconds))]
  for r in rows:
    cells = []
    for values, dqn in zip(r["cells"], r["dqn"]):
      if not values:
        cells.append("-")
        continue
      mean, se = mean_se(values)
      ahead = ("" if dqn is None or r["agent"] == "dqn" else
               f", {sum(v > dqn for v in values)}/{len(values)} ahead of {dqn:.2f}")
      cells.append(f"{mean:.2f}{'' if se is None else f' +- {se:.2f}'} "
                   f"[{min(values):.2f}, {max(values):.2f}]{ahead}")
    g = r["greedy"]
    greedy = "-" if not g else f"{sum(g) / len(g):.2f} [{min(g):.2f}, {max(g):.2f}]"
    lines.append(f"| {r['game']} | {r['agent']} | {r['arm']} | {len(r['runs'])} | " +
                 " | ".join(cells) +
                 f" | {greedy} |")
  return "\n".join(lines) + "\n"


def main(argv):
  del argv
  missing = [w for w in WORKDIRS.value if not os.path.exists(os.path.join(w, "curves.csv"))]
  if not WORKDIRS.value or missing:
    sys.exit(f"error: no curves.csv (a finished `bench minatar_dqn` run) in: {', '.join(missing)}"
             if missing else "error: --workdirs is empty")
  try:
    games = [game_of(w) for w in WORKDIRS.value]
  except ValueError as e:
    sys.exit(f"error: {e}")
  os.makedirs(OUT.value, exist_ok=True)
  labels = [os.path.basename(os.path.normpath(w)) for w in WORKDIRS.value]
  own = [read_curves(os.path.join(w, "curves.csv")) for w in WORKDIRS.value]
  curves = with_dqn_of_the_same_game(games, own)
  randoms = random_returns()
  with open(os.path.join(OUT.value, "curves.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["game", "run", "agent", "kind", "wall_seconds", "frames", "return"])
    for game, label, c in zip(games, labels, own):  # each run's own curves (none borrowed)
      for (agent, kind), pts in c.items():
        w.writerows((game, label, agent, kind, round(p[0], 1), p[1], round(p[2], 4))
                    for p in thinned(pts, CSV_EVERY_FRAMES.value))
  text = markdown(table_rows(games, curves, randoms, labels))
  with open(os.path.join(OUT.value, "table.md"), "w") as f:
    f.write(text)
  seconds = [float(t) for t in AT_SECONDS.value]
  wall_text = at_seconds_markdown(at_seconds_rows(games, curves, labels, seconds), seconds)
  with open(os.path.join(OUT.value, "table_wall.md"), "w") as f:
    f.write(wall_text)
  arms_text = arms_markdown(arm_rows(games, curves, labels, seconds), seconds)
  with open(os.path.join(OUT.value, "table_arms.md"), "w") as f:
    f.write(arms_text)
  frames = [int(x) for x in AT_FRAMES.value]
  arms_frames_text = arms_markdown(arm_rows(games, curves, labels, frames, axis=1), frames,
                                   "frames")
  with open(os.path.join(OUT.value, "table_arms_frames.md"), "w") as f:
    f.write(arms_frames_text)
  plot(games, curves, randoms, os.path.join(OUT.value, "curves.png"), labels)
  by_axis = {"wall_seconds": arm_curves(games, curves, labels, 0, ARM_STEP_SECONDS.value),
             "frames": arm_curves(games, curves, labels, 1, ARM_STEP_FRAMES.value)}
  with open(os.path.join(OUT.value, "curves_arms.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["game", "agent", "arm", "axis", "x", "runs", "mean", "se"])
    for axis, rows in by_axis.items():
      w.writerows((r["game"], r["agent"], r["arm"], axis, r["x"], r["runs"], round(r["mean"], 4),
                   "" if r["se"] is None else round(r["se"], 4)) for r in rows)
  plot_arms(by_axis, randoms, os.path.join(OUT.value, "curves_arms.png"))
  print(text)
  print(wall_text)
  print(arms_text)
  print(arms_frames_text)


if __name__ == "__main__":
  app.run(main)
