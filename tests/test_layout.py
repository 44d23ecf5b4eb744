"""The code's shape holds where researchers change it: the search stays
small functions (issue 14: none over 80 lines), and both searches take the
selection rule from one config value."""
import ast
import glob
import os

from conftest import REPO

MAX_LINES = 80


def _long_functions(pattern: str):
  for path in sorted(glob.glob(os.path.join(REPO, pattern))):
    if path.endswith("_test.py"):
      continue
    with open(path, encoding="utf-8") as f:
      tree = ast.parse(f.read())
    for node in ast.walk(tree):
      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        lines = node.end_lineno - node.lineno + 1
        if lines > MAX_LINES:
          yield f"{os.path.relpath(path, REPO)}:{node.lineno} {node.name} ({lines} lines)"


def test_no_search_function_over_80_lines():
  assert list(_long_functions("pipeline/search/*.py")) == []


def test_the_checker_sees_a_long_function(tmp_path, monkeypatch):
  body = "\n".join(f"  x{i} = {i}" for i in range(MAX_LINES))
  (tmp_path / "pipeline" / "search").mkdir(parents=True)
  (tmp_path / "pipeline" / "search" / "long.py").write_text(f"def f():\n{body}\n")
  monkeypatch.setattr(__import__(__name__), "REPO", str(tmp_path))
  assert [s.split(" ")[1] for s in _long_functions("pipeline/search/*.py")] == ["f"]
