"""Tables 1 and 2 printed from configs."""
import csv
import io

from pipeline import config_schema
from pipeline.scoring import formats
from pipeline.scoring import settings


def _rows(table):
  return {r[0]: r[1:] for r in table.rows}


def test_table2_from_the_schema_defaults():
  c = config_schema.base_config().to_dict()
  t = settings.settings_table([("muzero", "CartPole-v1", c)], "Table 2")
  rows = _rows(t)
  assert t.header == ["parameter", "muzero: CartPole-v1", "paper"]
  assert rows["batch size"] == ["64", "96 sequences"]
  assert rows["value, reward number of bins"] == ["41, 11", "601"]  # supports 20 and 5
  assert rows["initial learning rate"] == ["0.001", "1e-4"]
  assert rows["past_policies.enabled"] == ["no", ""]
  assert rows["search.temperature_schedule"][0] == "((0, 1), (0.5, 0.5), (0.75, 0.25))"
  assert "seed" not in rows and "env.name" not in rows
  # Every leaf key of the config is printed in Table 1 or Table 2.
  t1 = settings.settings_table([("muzero", "CartPole-v1", c)], "Table 1")
  keys = {r[1] for r in t.csv_rows} | {r[1] for r in t1.csv_rows}
  printed = {k for ks in keys for k in ks.split("+")}
  assert printed == set(settings.flatten(c)) - {"seed"}
  assert _rows(t1)["env.name"] == ["CartPole-v1", ""]
  assert _rows(t1)["max episode length"] == ["the environment's own limit", "30 minutes (108,000 frames)"]


def test_columns_group_runs_with_equal_settings():
  def config(game, pve):
    c = config_schema.base_config()
    c.env.name, c.past_policies.enabled = game, pve
    return c.to_dict()
  games = ("CartPole-v1", "MinAtar/Breakout")
  runs = [(v, g, config(g, v == "muzero_pve")) for v in ("muzero", "muzero_pve") for g in games]
  t = settings.settings_table(runs, "Table 2")
  assert t.header == ["parameter", "muzero: all games", "muzero_pve: all games", "paper"]
  assert _rows(t)["past_policies.enabled"] == ["no", "yes", ""]
  t1 = settings.settings_table(runs, "Table 1")
  assert t1.header[1:3] == ["all variants: CartPole-v1", "all variants: MinAtar/Breakout"]
  parsed = list(csv.reader(io.StringIO(formats.to_csv(t))))
  assert parsed[0] == ["parameter", "config_keys", "muzero: all games", "muzero_pve: all games", "paper"]


def test_paper_tables():
  t = settings.paper_settings_table("Table 1")
  assert ["action repetitions", "4"] in t.rows
