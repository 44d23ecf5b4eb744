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
at once, each with about one core). Writes OUT/curves.csv (game column
added), OUT/table.md and OUT/curves.png (return against frames, one panel per
game, random as a dashed line).
"""
import csv
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.minatar_dqn import NAMES  # pylint: disable=g-import-not-at-top

WORKDIRS = flags.DEFINE_list("workdirs", [], "bench minatar_dqn workdirs (dqn_GAME).")
OUT = flags.DEFINE_string("out", None, "Output directory.", required=True)

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
  key = os.path.basename(os.path.normpath(workdir)).replace("dqn_", "", 1)
  return f"MinAtar/{NAMES[key]}"


def _fmt(x: Optional[float]) -> str:
  return "-" if x is None else f"{x:.2f}"


def table_rows(games: Sequence[str], curves: Sequence[Dict], randoms: Dict[str, float]):
  rows = []
  for game, c in zip(games, curves):
    play = c.get(("muzero", "selfplay_running_avg"), [])
    evals = c.get(("muzero", "greedy_eval"), [])
    dqn = c.get(("dqn", "train_running_avg"), [])
    if not play:
      continue
    wall, frames, ours = play[-1]
    rows.append({"game": game, "frames": frames, "wall": wall, "muzero": ours,
                 "muzero_eval": evals[-1][2] if evals else None,
                 "dqn_at_frames": value_at(dqn, frames, 1), "dqn_at_wall": value_at(dqn, wall, 0),
                 "dqn_frames_at_wall": max([p[1] for p in dqn if p[0] <= wall], default=None),
                 "dqn_last": dqn[-1] if dqn else None, "random": randoms.get(game)})
  return rows


def markdown(rows) -> str:
  head = ("| game | MuZero frames (wall) | MuZero self-play | MuZero greedy eval | DQN at the "
          "same frames | DQN at the same wall-clock (its frames) | DQN at its end (frames) | random |")
  lines = [head, "|" + " --- |" * 8]
  for r in rows:
    last = r["dqn_last"]
    lines.append(
        f"| {r['game']} | {r['frames']:,} ({r['wall']:.0f} s) | {r['muzero']:.2f} | "
        f"{_fmt(r['muzero_eval'])} | {_fmt(r['dqn_at_frames'])} | {_fmt(r['dqn_at_wall'])} "
        f"({'-' if r['dqn_frames_at_wall'] is None else format(r['dqn_frames_at_wall'], ',')}) | "
        f"{'-' if last is None else f'{last[2]:.2f} ({last[1]:,})'} | {_fmt(r['random'])} |")
  return "\n".join(lines) + "\n"


def plot(games, curves, randoms, path: str) -> None:
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, axes = plt.subplots(1, len(games), figsize=(4 * len(games), 3.2), squeeze=False)
  for ax, game, c in zip(axes[0], games, curves):
    for (agent, kind), style in ((("dqn", "train_running_avg"), "-"),
                                 (("muzero", "selfplay_running_avg"), "-"),
                                 (("muzero", "greedy_eval"), "o--")):
      pts = c.get((agent, kind), [])
      if pts:
        ax.plot([p[1] for p in pts], [p[2] for p in pts], style, ms=3, label=f"{agent} {kind}")
    if game in randoms:
      ax.axhline(randoms[game], color="grey", ls=":", label="random")
    ax.set_title(game)
    ax.set_xlabel("frames")
  axes[0][0].set_ylabel("return")
  axes[0][0].legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def main(argv):
  del argv
  os.makedirs(OUT.value, exist_ok=True)
  games = [game_of(w) for w in WORKDIRS.value]
  curves = [read_curves(os.path.join(w, "curves.csv")) for w in WORKDIRS.value]
  randoms = random_returns()
  with open(os.path.join(OUT.value, "curves.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["game", "agent", "kind", "wall_seconds", "frames", "return"])
    for game, c in zip(games, curves):
      for (agent, kind), pts in c.items():
        w.writerows((game, agent, kind, *p) for p in pts)
  text = markdown(table_rows(games, curves, randoms))
  with open(os.path.join(OUT.value, "table.md"), "w") as f:
    f.write(text)
  plot(games, curves, randoms, os.path.join(OUT.value, "curves.png"))
  print(text)


if __name__ == "__main__":
  app.run(main)
