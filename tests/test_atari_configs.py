"""The Atari-57 configs against the PVE paper's published Tables 1 and 2.

The oracle is pipeline/data/pve_paper_settings.md, parsed here on its own
(not with the code under test): every row of both tables must be printed,
from the config, with the paper's value.
"""
import importlib.util
import os
import re

import pytest

from pipeline import config_schema, study
from pipeline.scoring import settings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER = os.path.join(REPO, "pipeline", "data", "pve_paper_settings.md")


def _load(path):
  spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], os.path.join(REPO, path))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _paper_tables():
  """{"Table 1": {row: value}, "Table 2": {...}} from the Markdown tables."""
  tables, current = {}, None
  for line in open(PAPER, encoding="utf-8"):
    m = re.match(r"## (Table [12])\b", line)
    if m:
      current = tables.setdefault(m.group(1), {})
    elif line.startswith("## "):
      current = None
    elif current is not None and line.startswith("| ") and not line.startswith(("| parameter", "| ---")):
      name, value = re.match(r"^\| (.+?) \| (.+) \|$", line.strip()).groups()
      current[name] = value
  return tables


def _number(text):
  """96 from "96 sequences", 5e8 from "500M" or "500,000,000", 1e-4 from "0.0001"; else None."""
  m = re.fullmatch(r"([0-9][0-9,]*(?:\.[0-9]+)?(?:e-?[0-9]+)?)(M)?(?: (?:sequences|frames))?", text)
  if not m:
    return None
  return float(m.group(1).replace(",", "")) * (1e6 if m.group(2) else 1)


def _same(ours, paper):
  a, b = _number(ours), _number(paper)
  if a is not None and b is not None:
    return a == pytest.approx(b, rel=1e-12)
  return ours.strip().lower() == paper.strip().lower()


def test_oracle_has_every_row():
  tables = _paper_tables()
  assert len(tables["Table 1"]) == 9 and len(tables["Table 2"]) == 22
  assert tables["Table 2"]["nonlinear value transform"] == "h(z) = sgn(z)(sqrt(|z| + 1) - 1) + 0.01 z"


@pytest.mark.parametrize("path,variant", [("configs/atari57_muzero.py", "muzero"),
                                          ("configs/atari57_pve.py", "muzero_pve")])
def test_config_rows_equal_the_published_tables(path, variant):
  config = config_schema.validate(_load(path).get_config("ms_pacman"))
  assert config.env.name == "Atari/ms_pacman"
  for table, rows in _paper_tables().items():
    t = settings.settings_table([(variant, config.env.name, config.to_dict())], table)
    printed = {r[0]: r[1] for r in t.rows}
    paper_column = {r[0]: r[-1] for r in t.rows}
    for name, value in rows.items():
      assert name in printed, f"{table}: row {name!r} not printed from {path}"
      assert _same(printed[name], value), f"{table} {name}: config {printed[name]!r}, paper {value!r}"
      assert paper_column[name] == value


def test_pve_is_muzero_plus_the_study_overrides():
  muzero = _load("configs/atari57_muzero.py").get_config()
  pve = _load("configs/atari57_pve.py").get_config()
  s = _load("configs/study_atari57.py").get_config()
  variants = {v["name"]: dict(v["overrides"]) for v in s.variants}
  assert set(variants) == {"muzero", "muzero_pve"} and variants["muzero"] == {}
  assert dict(_load("configs/atari57_pve.py").PVE) == variants["muzero_pve"]
  for key, value in variants["muzero_pve"].items():
    section, leaf = key.split(".")
    muzero[section][leaf] = value
  assert muzero.to_dict() == pve.to_dict()
  assert not _load("configs/atari57_muzero.py").get_config().past_policies.enabled


def test_study_lists_57_games_x_2_variants_x_3_seeds():
  from pipeline.envs import atari
  s = _load("configs/study_atari57.py").get_config()
  assert [g["name"] for g in s.games] == [f"Atari/{g}" for g in atari.ATARI57]
  specs = study.expand(s)
  assert len(specs) == 57 * 2 * 3 and sorted(s.seeds) == [0, 1, 2]
  assert len({sp.name for sp in specs}) == len(specs)
  first = specs[0]
  assert first.config_path == "configs/atari57_muzero.py" and first.overrides["env.name"] == "Atari/alien"
  assert first.overrides["scoring.final_episodes"] == 200
  cmd = study.command(specs[1], "/tmp/x")
  assert "--config.past_policies.enabled=True" in cmd and "--config.env.name=Atari/alien" in cmd


def test_small_config_and_table1_for_other_games():
  small = config_schema.validate(_load("configs/atari_small.py").get_config())
  assert small.env.name == "Atari/pong" and small.network.torso == "atari"
  # A non-Atari game prints its Atari-only rows as not applicable.
  cartpole = _load("configs/cartpole.py").get_config()
  t = settings.settings_table([("muzero", "CartPole-v1", cartpole.to_dict())], "Table 1")
  rows = {r[0]: r[1] for r in t.rows}
  assert rows["start no-ops"] == settings.NOT_ATARI
  assert rows["env.frame_stack"] == settings.NOT_ATARI
  assert rows["max episode length"] == "the environment's own limit"
