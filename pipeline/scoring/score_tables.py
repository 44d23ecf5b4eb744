"""Table 3 (per-game scores, variants side by side), the summary table and the
learning curves at fixed frame counts."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

from pipeline.scoring import aggregates
from pipeline.scoring import reference
from pipeline.scoring.formats import Cell, Table, bold_best, fmt_estimate, fmt_mean_sem
from pipeline.scoring.scores import GameStat
from pipeline.scoring.wilcoxon import WilcoxonResult

NAN = float("nan")


def table3(stats: Dict[Tuple[str, str], GameStat], variants: Sequence[str], games: Sequence[str],
           with_paper: Optional[bool] = None, caption_extra: str = "") -> Table:
  """Per-game mean ± SEM across seeds for each variant; the best mean of a row in bold.

  stats: {(game, variant): GameStat}. with_paper (default: when any game is
  Atari) adds the PVE paper's published numbers for the Atari games.
  """
  atari = {g: reference.atari_game_id(g) for g in games}
  if with_paper is None:
    with_paper = any(atari.values())
  paper = reference.paper_table3() if with_paper else {}
  header = ["game"] + [f"{v}" for v in variants]
  csv_header = ["game", "atari_id"] + [f"{v}_{s}" for v in variants for s in ("mean", "sem", "seeds")]
  if with_paper:
    header += [f"paper {v}" for v in reference.PAPER_VARIANTS]
    csv_header += [f"paper_{v}_{s}" for v in reference.PAPER_VARIANTS for s in ("mean", "sem")]
  rows, csv_rows = [], []
  for g in games:
    ours = [stats.get((g, v)) for v in variants]
    means = [s.mean if s else NAN for s in ours]
    row = [g] + [Cell(fmt_mean_sem(s.mean, s.sem) if s else "-", b) for s, b in zip(ours, bold_best(means))]
    csv_row = [g, atari[g] or ""]
    for s in ours:
      csv_row += [s.mean, s.sem, s.seeds] if s else [NAN, NAN, 0]
    if with_paper:
      p = paper.get(atari[g]) if atari[g] else None
      if p:
        pm = [p[f"{v}_mean"] for v in reference.PAPER_VARIANTS]
        row += [Cell(fmt_mean_sem(p[f"{v}_mean"], p[f"{v}_sem"]), b)
                for v, b in zip(reference.PAPER_VARIANTS, bold_best(pm))]
        csv_row += [p[f"{v}_{s}"] for v in reference.PAPER_VARIANTS for s in ("mean", "sem")]
      else:
        row += ["-"] * len(reference.PAPER_VARIANTS)
        csv_row += [NAN] * (2 * len(reference.PAPER_VARIANTS))
    rows.append(row)
    csv_rows.append(csv_row)
  seeds = sorted({s.seeds for s in stats.values()})
  notes = [f"Mean over seeds ± standard error of the mean across seeds (ddof=1; n/a with one seed); "
           f"seeds per game: {', '.join(map(str, seeds))}. Bold: the higher mean of the row."]
  if with_paper:
    notes.append("Paper: Grimm et al. 2021 (PVE), appendix Table 3, mean over 3 seeds of the final "
                 "200 episodes ± SEM across seeds.")
  caption = "Table 3: final scores per game (raw returns)" + (f"; {caption_extra}" if caption_extra else "")
  return Table("table3_scores", caption, header, rows, csv_header, csv_rows, notes)


def summary_table(estimates: Dict[str, Dict[str, aggregates.Estimate]], variants: Sequence[str],
                  counts: Dict[str, Tuple[int, int]], tests: Dict[str, WilcoxonResult],
                  baseline: str, improvement: Dict[str, aggregates.Estimate], score_kind: str,
                  interval_label: str, name: str = "summary", caption_extra: str = "") -> Table:
  """One row per variant: aggregates with CIs, its probability of improvement
  over the baseline and its Wilcoxon test against it.

  counts: {variant: (games, runs per game)}; tests, improvement: {variant: vs baseline}.
  """
  header = ["variant", "games", "runs/game", "median [CI]", "mean [CI]", "IQM [CI]",
            "optimality gap [CI]", f"P(> {baseline}) [CI]",
            f"wins/losses vs {baseline}", f"Wilcoxon p vs {baseline}", "n"]
  csv_header = ["variant", "games", "runs_per_game"]
  for m in aggregates.METRICS:
    csv_header += [m, f"{m}_ci_low", f"{m}_ci_high"]
  csv_header += ["p_improvement", "p_improvement_ci_low", "p_improvement_ci_high"]
  csv_header += ["wins", "losses", "wilcoxon_p", "wilcoxon_n", "wilcoxon_method"]
  rows, csv_rows = [], []
  for v in variants:
    est, (n_games, n_runs) = estimates[v], counts[v]
    t, pi = tests.get(v), improvement.get(v)
    row = [v, str(n_games), str(n_runs)] + [fmt_estimate(*est[m]) for m in aggregates.METRICS]
    row += [fmt_estimate(*pi) if pi else "-"]
    row += [f"{t.wins}/{t.losses}", f"{t.p:.3f}", str(t.n)] if t else ["-", "-", "-"]
    csv_row = [v, n_games, n_runs]
    for m in aggregates.METRICS:
      csv_row += list(est[m])
    csv_row += list(pi) if pi else [NAN, NAN, NAN]
    csv_row += [t.wins, t.losses, t.p, t.n, t.method] if t else ["", "", NAN, "", ""]
    rows.append(row)
    csv_rows.append(csv_row)
  notes = [f"Scores: {score_kind}.", f"Intervals: {interval_label}.",
           "Median and mean over games of the per-game mean; IQM over all runs x games; optimality "
           "gap: mean of max(0, 1 - score) over all runs x games.",
           f"P(> {baseline}): probability of improvement (rliable), the chance that a run of the "
           "variant scores above a run of the baseline on a game, averaged over games.",
           "Wilcoxon signed-rank over games of the raw per-game means, two-sided, zero differences "
           "dropped; n = games used."]
  caption = "Summary: aggregate scores per variant" + (f"; {caption_extra}" if caption_extra else "")
  return Table(name, caption, header, rows, csv_header, csv_rows, notes)


def frame_marks(max_frames: float, points: int = 4) -> List[int]:
  """`points` evenly spaced frame counts up to max_frames, each rounded down to 2 significant digits."""
  out = []
  for i in range(1, points + 1):
    x = max_frames * i / points
    scale = 10 ** max(int(math.floor(math.log10(x))) - 1, 0) if x >= 1 else 1
    out.append(int(x // scale * scale))
  return out


def curves_at_frames_table(values: Dict[Tuple[str, str, str], Dict[int, Tuple[float, float, int]]],
                           marks: Dict[str, List[int]], variants: Sequence[str]) -> Table:
  """Per game, variant and kind (self-play / greedy eval): the curve's mean over
  seeds ± SEM at the game's frame marks. values: {(game, variant, kind): {mark: (mean, sem, seeds)}}."""
  n = max((len(m) for m in marks.values()), default=0)
  header = ["game", "variant", "curve", "frames at the marks"] + [f"mark {i + 1}" for i in range(n)]
  csv_header = ["game", "variant", "curve", "env_frames", "mean", "sem", "seeds"]
  rows, csv_rows = [], []
  for game in sorted(marks):
    for variant in variants:
      for kind in ("selfplay", "eval"):
        at = values.get((game, variant, kind))
        if not at:
          continue
        cells = []
        for m in marks[game]:
          mean, sem, seeds = at.get(m, (NAN, NAN, 0))
          cells.append(fmt_mean_sem(mean, sem) if seeds else "-")
          csv_rows.append([game, variant, kind, m, mean, sem, seeds])
        rows.append([game, variant, "self-play" if kind == "selfplay" else "greedy eval",
                     " / ".join(f"{m:,}" for m in marks[game])] + cells + ["-"] * (n - len(cells)))
  notes = ["Self-play: the trailing mean of each seed's last episodes (the scoring window) that "
           "ended by the mark; greedy eval: each seed's last evaluation made by the mark; mean over "
           "seeds ± SEM across seeds; '-': no seed had a value there (a run ends within one mark "
           "spacing of its last episode)."]
  return Table("curves_at_frames", "Learning curves at fixed env-frame counts (raw returns)",
               header, rows, csv_header, csv_rows, notes)
