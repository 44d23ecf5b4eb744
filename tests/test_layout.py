"""The code's shape holds where researchers change it: the search stays
small functions (issue 14: none over 80 lines), and both searches take the
selection rule from one config value; the acting, learning and replay parts
read typed configs."""
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


MAX_JOB_LINES = 75


def test_jobs_stay_thin():
  """Each job reads its flags and calls library code (issue 14 item 5: about 60 lines)."""
  long = []
  for path in sorted(glob.glob(os.path.join(REPO, "pipeline", "jobs", "[!_]*.py"))):
    with open(path, encoding="utf-8") as f:
      n = len(f.read().splitlines())
    if n > MAX_JOB_LINES and not path.endswith("_test.py"):
      long.append(f"{os.path.relpath(path, REPO)} ({n} lines)")
  assert long == []


def test_the_checker_sees_a_long_function(tmp_path, monkeypatch):
  body = "\n".join(f"  x{i} = {i}" for i in range(MAX_LINES))
  (tmp_path / "pipeline" / "search").mkdir(parents=True)
  (tmp_path / "pipeline" / "search" / "long.py").write_text(f"def f():\n{body}\n")
  monkeypatch.setattr(__import__(__name__), "REPO", str(tmp_path))
  assert [s.split(" ")[1] for s in _long_functions("pipeline/search/*.py")] == ["f"]


CONFIG_SECTIONS = ("env", "network", "search", "replay", "learner", "actors", "reanalyse",
                   "evaluate", "past_policies", "scoring")


def _is_config(node) -> bool:
  """config, cfg, c or self.config."""
  if isinstance(node, ast.Name):
    return node.id in ("config", "cfg", "c")
  return (isinstance(node, ast.Attribute) and node.attr == "config"
          and isinstance(node.value, ast.Name) and node.value.id == "self")


def _config_section_reads(path: str):
  """Attribute chains X.<config section>.<key> in a module (a ConfigDict read)."""
  with open(path, encoding="utf-8") as f:
    tree = ast.parse(f.read())
  for node in ast.walk(tree):
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
        and node.value.attr in CONFIG_SECTIONS and _is_config(node.value.value)):
      yield f"{os.path.relpath(path, REPO)}:{node.lineno} {ast.unparse(node)}"


def test_the_parts_read_their_typed_configs_not_the_config_tree():
  # pipeline/parts.py builds them once at the job's edge (issue 14 item 3).
  modules = ["actors/selfplay.py", "actors/reanalyse.py", "actors/evaluate.py",
             "learner/train_step.py", "learner/learner.py", "learner/past_policies.py",
             "learner/auxiliary.py", "replay/tables.py", "replay/server.py", "replay/dataset.py",
             "networks/muzero_net.py"]
  found = [r for m in modules for r in _config_section_reads(os.path.join(REPO, "pipeline", m))]
  assert found == []


def test_the_config_read_checker_sees_a_read(tmp_path):
  (tmp_path / "m.py").write_text("def f(config):\n  return config.learner.num_steps\n"
                                 "def g(self):\n  return self.config.replay.kind\n"
                                 "def h(self):\n  return self.config.publish_every\n")
  assert [r.split(" ")[1] for r in _config_section_reads(str(tmp_path / "m.py"))] == [
      "config.learner.num_steps", "self.config.replay.kind"]
