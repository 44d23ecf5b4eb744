"""Table 3 and the summary table in md, csv and tex; the CSV reads back exactly."""
import csv
import math

import pytest

from pipeline.scoring import formats
from pipeline.scoring import reference
from pipeline.scoring import score_tables
from pipeline.scoring.scores import GameStat

STATS = {
    ("CartPole-v1", "muzero"): GameStat(123.456789012345, 4.2, 3),
    ("CartPole-v1", "muzero_pve"): GameStat(200.1, float("nan"), 1),
    ("pong", "muzero"): GameStat(-7.25, 0.1, 2),
    ("pong", "muzero_pve"): GameStat(-7.25, 0.3, 2),
    ("ms_pacman", "muzero"): GameStat(1.0 / 3.0, 1e-17, 2),
}
VARIANTS = ["muzero", "muzero_pve"]
GAMES = ["CartPole-v1", "ms_pacman", "pong"]


def _same(a, b):
  return (math.isnan(a) and math.isnan(b)) or a == b


def test_table3_csv_reads_back_to_the_same_numbers(tmp_path):
  t = score_tables.table3(STATS, VARIANTS, GAMES)
  paths = formats.write_table(t, str(tmp_path))
  assert [p.rsplit(".", 1)[1] for p in paths] == ["md", "csv", "tex"]
  with open(tmp_path / "table3_scores.csv", newline="") as f:
    rows = list(csv.DictReader(f))
  assert [r["game"] for r in rows] == GAMES
  for r in rows:
    for v in VARIANTS:
      s = STATS.get((r["game"], v))
      mean = float(r[f"{v}_mean"]) if r[f"{v}_mean"] else float("nan")
      sem = float(r[f"{v}_sem"]) if r[f"{v}_sem"] else float("nan")
      if s is None:
        assert math.isnan(mean) and int(r[f"{v}_seeds"]) == 0
      else:
        assert _same(mean, s.mean) and _same(sem, s.sem) and int(r[f"{v}_seeds"]) == s.seeds
  # Atari games carry the paper's published numbers; others leave them blank.
  pac = next(r for r in rows if r["game"] == "ms_pacman")
  assert float(pac["paper_muzero_pve_mean"]) == reference.paper_table3()["ms_pacman"]["muzero_pve_mean"]
  cart = next(r for r in rows if r["game"] == "CartPole-v1")
  assert cart["paper_muzero_mean"] == "" and cart["atari_id"] == ""
  # The generic reader agrees.
  back = formats.read_csv_table(str(tmp_path / "table3_scores.csv"))
  assert back[0]["muzero_mean"] == STATS[("CartPole-v1", "muzero")].mean


def test_table3_marks_the_better_variant(tmp_path):
  t = score_tables.table3(STATS, VARIANTS, GAMES)
  md = formats.to_markdown(t)
  assert "**200.1 ± n/a**" in md                 # one seed: SEM n/a
  assert "| 123.5 ± 4.20 |" in md
  assert "| pong | -7.25 ± 0.100 | -7.25 ± 0.300 |" in md  # a tie: neither bold
  tex = formats.to_latex(t)
  assert r"\textbf{200.1 $\pm$ n/a}" in tex and r"muzero\_pve" in tex
  assert r"ms\_pacman" in tex


def test_table3_without_atari_has_no_paper_columns():
  t = score_tables.table3({k: v for k, v in STATS.items() if k[0] == "CartPole-v1"}, VARIANTS, ["CartPole-v1"])
  assert not any(h.startswith("paper") for h in t.csv_header)


def test_bold_best():
  nan = float("nan")
  assert formats.bold_best([1.0, 2.0]) == [False, True]
  assert formats.bold_best([2.0, 2.0]) == [False, False]
  assert formats.bold_best([nan, 2.0]) == [False, True]
  assert formats.bold_best([nan, nan]) == [False, False]


@pytest.mark.parametrize("x, text", [(38698.0, "38,698"), (-7.0, "-7"), (487.34, "487.3"),
                                     (12.345, "12.35"), (0.1234, "0.123"), (float("nan"), "n/a")])
def test_fmt_num(x, text):
  assert formats.fmt_num(x) == text


def test_latex_escape():
  assert formats.latex_escape("a_b & 50% ± 1") == r"a\_b \& 50\% $\pm$ 1"
