"""He et al.'s findings as checks, on a hand-made summary: each passes and fails where it should."""
import copy

import pytest

from pipeline.analysis import findings


def _summary():
  return {
      "checkpoints": [100, 200],
      "figure2": {"checkpoints": [100, 200], "mcts": [50.0, 400.0], "prior_sampled": [20.0, 300.0]},
      "figure3": {"def2_by_horizon": {"100": [0.1, 0.2, 0.4], "200": [0.01, 0.02, 0.05]}},
      "figure4": {"100": {"spearman_prob_error_mean": 0.3, "error_top10pct": 1.0, "error_bottom50pct": 0.5},
                  "200": {"spearman_prob_error_mean": -0.4, "error_top10pct": 0.1, "error_bottom50pct": 2.0}},
      "figure5": {"matrix": [[0.1, 0.3], [0.3, 0.2]], "diagonal_is_row_minimum": [1.0, 0.6]},
      "figure6": {"budgets": [2, 8], "policy": {"errors": [0.1, 0.2], "tv": [0.1, 0.1]},
                  "uniform": {"errors": [0.3, 0.4], "tv": [0.3, 0.2]}},
      "figure7": {"budgets": [2, 8], "learned/policy": [300.0, 400.0], "learned/uniform": [20.0, 100.0],
                  "true/policy": [350.0, 450.0], "true/uniform": [200.0, 420.0]},
  }


def test_every_finding_passes_on_numbers_that_show_it():
  results = findings.checks(_summary())
  assert len(results) == 8 and all(ok for ok, _ in results), results
  text = "\n".join(findings.lines(_summary()))
  assert "(2/2 checkpoints; MCTS vs prior: 100: 50 vs 20, 200: 400 vs 300)" in text
  assert "100: 0.1 -> 0.4, 200: 0.01 -> 0.05" in text
  assert "step 200: Spearman(prob, error) -0.40" in text        # the last checkpoint's
  assert "share of runs per row: 100: 100%, 200: 60%" in text
  assert "learned +300.0 vs true +30.0" in text
  assert "3.00 on later policies vs 1.50 on earlier ones" in text  # 0.3 / 0.1 against 0.3 / 0.2


def test_each_finding_fails_where_the_numbers_contradict_it():
  broken = {
      "figure2": lambda s: s["figure2"]["mcts"].__setitem__(0, 10.0),            # prior ahead at 100
      "figure3": lambda s: s["figure3"]["def2_by_horizon"].__setitem__("200", [0.05, 0.02, 0.01]),
      "figure4": lambda s: s["figure4"]["200"].__setitem__("error_bottom50pct", 0.05),
      "figure5": lambda s: s["figure5"].__setitem__("matrix", [[0.2, 0.1], [0.3, 0.2]]),  # both checks fail
      "figure6": lambda s: s["figure6"]["policy"]["tv"].__setitem__(1, 0.25),   # TV above uniform at 8
      "figure7": lambda s: s["figure7"]["learned/uniform"].__setitem__(1, 430.0),
  }
  for figure, edit in broken.items():
    summary = copy.deepcopy(_summary())
    edit(summary)
    failed = [msg for ok, msg in findings.checks(summary) if not ok]
    assert failed, figure
    assert len(failed) == (2 if figure in ("figure5", "figure7") else 1), (figure, failed)


def test_a_summary_without_a_figure_skips_its_check():
  summary = _summary()
  del summary["figure7"], summary["figure4"]
  assert len(findings.checks(summary)) == 5


def test_over_seeds_each_line_counts_the_runs_that_pass_alone():
  good, bad = _summary(), copy.deepcopy(_summary())
  bad["figure2"]["mcts"][0] = 10.0                      # this run's prior is ahead at step 100
  bad["figure5"]["matrix"] = [[0.2, 0.1], [0.3, 0.2]]   # and both Figure 5 checks fail
  text = findings.lines(good, runs=[good, bad, good])
  assert text[0].startswith("CHECK PASS: planning beats") and text[0].endswith(
      "[on its own: 2/3 runs pass]")
  assert text[1].endswith("[on its own: 3/3 runs pass]")
  assert [t.endswith("[on its own: 2/3 runs pass]") for t in text] == [
      True, False, False, True, True, False, False, False]
  assert not findings.lines(good)[0].endswith("]")     # one run: no count
  partial = copy.deepcopy(good)
  del partial["figure7"]
  with pytest.raises(ValueError, match="other figures"):
    findings.lines(good, runs=[good, partial])
