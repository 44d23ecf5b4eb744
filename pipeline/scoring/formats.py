"""One table, three renderings: Markdown, CSV and LaTeX.

A Table carries display cells (formatted text, some bold) for Markdown and
LaTeX, and raw values for the CSV, so that the CSV reads back to the exact
numbers (floats written with repr; NaN and None as an empty field).
"""
import csv
import io
import math
import os
from typing import Any, List, NamedTuple, Sequence


class Cell(NamedTuple):
  text: str
  bold: bool = False


class Table(NamedTuple):
  name: str                    # file stem, e.g. "table3_scores"
  caption: str
  header: List[str]
  rows: List[List[Any]]        # str or Cell
  csv_header: List[str]
  csv_rows: List[List[Any]]    # raw values: str, int, float (NaN -> "")
  notes: List[str] = []


def fmt_num(x) -> str:
  """Paper-style number: 38,698 / 487.3 / 12.34 / 0.123; NaN -> n/a."""
  if x is None or (isinstance(x, float) and math.isnan(x)):
    return "n/a"
  x = float(x)
  if x.is_integer() or abs(x) >= 1000:
    return f"{x:,.0f}"
  if abs(x) >= 100:
    return f"{x:.1f}"
  if abs(x) >= 1:
    return f"{x:.2f}"
  return f"{x:.3f}"


def fmt_mean_sem(mean, sem) -> str:
  return f"{fmt_num(mean)} ± {fmt_num(sem)}"


def fmt_estimate(point, low, high, digits: int = 3) -> str:
  """0.512 [0.410, 0.603]"""
  if point is None or math.isnan(point):
    return "n/a"
  return f"{point:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _cell(c) -> Cell:
  return c if isinstance(c, Cell) else Cell(str(c))


def to_markdown(t: Table) -> str:
  def md(c):
    c = _cell(c)
    text = c.text.replace("|", "\\|")
    return f"**{text}**" if c.bold and text else text
  lines = [f"{t.caption}", ""]
  lines.append("| " + " | ".join(md(h) for h in t.header) + " |")
  lines.append("|" + "|".join(" --- " for _ in t.header) + "|")
  lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in t.rows]
  if t.notes:
    lines += [""] + list(t.notes)
  return "\n".join(lines) + "\n"


_LATEX_ESCAPES = [("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                  ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
                  ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")]


def latex_escape(text: str) -> str:
  out = []
  for ch in text:
    for raw, esc in _LATEX_ESCAPES:
      if ch == raw:
        ch = esc
        break
    out.append(ch)
  return "".join(out).replace("±", r"$\pm$").replace("×", r"$\times$")


def to_latex(t: Table) -> str:
  def tex(c):
    c = _cell(c)
    text = latex_escape(c.text)
    return f"\\textbf{{{text}}}" if c.bold and text else text
  lines = [r"\begin{table}[ht]", r"\centering", r"\small",
           r"\begin{tabular}{" + "l" * len(t.header) + "}", r"\hline",
           " & ".join(tex(h) for h in t.header) + r" \\", r"\hline"]
  lines += [" & ".join(tex(c) for c in row) + r" \\" for row in t.rows]
  lines += [r"\hline", r"\end{tabular}",
            r"\caption{" + latex_escape(" ".join([t.caption.rstrip(".") + "."] + list(t.notes))) + "}",
            r"\label{tab:" + t.name + "}", r"\end{table}"]
  return "\n".join(lines) + "\n"


def _csv_value(v):
  if v is None or (isinstance(v, float) and math.isnan(v)):
    return ""
  if isinstance(v, float):
    return repr(v)
  return v


def to_csv(t: Table) -> str:
  buf = io.StringIO()
  w = csv.writer(buf, lineterminator="\n")
  w.writerow(t.csv_header)
  w.writerows([[_csv_value(v) for v in row] for row in t.csv_rows])
  return buf.getvalue()


def write_table(t: Table, out_dir: str) -> List[str]:
  """Writes out_dir/<name>.md, .csv and .tex; returns the three paths."""
  os.makedirs(out_dir, exist_ok=True)
  paths = []
  for ext, render in (("md", to_markdown), ("csv", to_csv), ("tex", to_latex)):
    path = os.path.join(out_dir, f"{t.name}.{ext}")
    with open(path, "w", encoding="utf-8") as f:
      f.write(render(t))
    paths.append(path)
  return paths


def read_csv_table(path: str) -> List[dict]:
  """Rows of a written CSV as dicts, numbers parsed to float ('' -> NaN)."""
  def parse(v):
    if v == "":
      return float("nan")
    try:
      return float(v)
    except ValueError:
      return v
  with open(path, newline="", encoding="utf-8") as f:
    return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(f)]


def bold_best(values: Sequence[float]) -> List[bool]:
  """Marks the single highest value; none on a tie for the top or if all are NaN."""
  finite = [v for v in values if v is not None and not math.isnan(v)]
  if not finite:
    return [False] * len(values)
  best = max(finite)
  if sum(1 for v in finite if v == best) > 1:
    return [False] * len(values)
  return [v is not None and not math.isnan(v) and v == best for v in values]
