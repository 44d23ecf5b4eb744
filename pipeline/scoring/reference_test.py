"""Reference data files and name handling."""
import os
import unicodedata

import pytest

from pipeline.errors import PipelineError
from pipeline.scoring import normalise
from pipeline.scoring import reference
from pipeline.scoring import settings

SHARED = os.path.join(os.path.dirname(reference.DATA_DIR), "..", "..", "shared", "reference")


@pytest.mark.parametrize("name, game", [
    ("pong", "pong"), ("Pong", "pong"), ("ALE/Pong-v5", "pong"), ("PongNoFrameskip-v4", "pong"),
    ("atari/ms_pacman", "ms_pacman"), ("MsPacman", "ms_pacman"), ("UpNDown", "up_n_down"),
    ("KungFuMaster", "kung_fu_master"), ("ﬁshing_derby", "fishing_derby"),
    ("MinAtar/Breakout", None), ("CartPole-v1", None), ("four_rooms", None),
])
def test_atari_game_id(name, game):
  assert reference.atari_game_id(name) == game


def test_tables_cover_the_same_57_games():
  games = set(reference.paper_table3())
  assert len(games) == 57
  assert games == set(reference.human_random("muzero")) == set(reference.human_random("dqn_zoo"))


def test_human_normalised_by_hand():
  assert reference.human_normalised(14.59, "pong") == pytest.approx(1.0)
  assert reference.human_normalised(-20.71, "pong") == pytest.approx(0.0)
  # video_pinball's random score is 0 in MuZero's table, 16256.9 in dqn_zoo's.
  assert reference.human_normalised(16256.9, "video_pinball") == pytest.approx(16256.9 / 17667.9)
  assert reference.human_normalised(16256.9, "video_pinball", "dqn_zoo") == pytest.approx(0.0)
  with pytest.raises(PipelineError, match="unknown human/random table"):
    reference.human_random("nope")


@pytest.mark.skipif(not os.path.isdir(SHARED), reason="no ../shared/reference beside the checkout")
def test_copies_match_the_shared_reference():
  for name in ("pve_paper_table3.csv", "atari57_human_random_muzero.csv",
               "atari57_human_random_dqn_zoo.csv", "pve_paper_settings.md", "minatar_reference.csv"):
    with open(os.path.join(SHARED, name), encoding="utf-8") as f:
      original = unicodedata.normalize("NFKC", f.read())  # the copy fixes the 'ﬁ' ligature
    with open(reference.data_path(name), encoding="utf-8") as f:
      assert f.read() == original, name


def test_paper_settings_parse_and_row_names_exist():
  tables = reference.paper_settings()
  assert len(tables["Table 1"]) == 9 and len(tables["Table 2"]) == 22
  assert dict(tables["Table 2"])["value buffer size (past policies)"] == "128"
  for table, rows in settings.PAPER_ROWS.items():
    names = dict(tables[table])
    for name, _, _ in rows:
      assert name in names, (table, name)


def test_bounds():
  b = normalise.game_bounds("pong", [0.0])
  assert (b.kind, b.low, b.high) == ("human", -20.71, 14.59)
  b = normalise.game_bounds("CartPole-v1", [10.0, 30.0, 20.0], other="minmax")
  assert (b.kind, b.low, b.high) == ("minmax", 10.0, 30.0)
  assert b.apply(20.0) == 0.5
  flat = normalise.game_bounds("MinAtar/Breakout", [7.0, 7.0], other="minmax")
  assert flat.apply(7.0) == 0.0  # zero range: everything maps to 0
  unknown = normalise.game_bounds("FourRooms", [1.0, 3.0])  # no reference known: min-max
  assert (unknown.kind, unknown.low, unknown.high) == ("minmax", 1.0, 3.0)
  raw = normalise.game_bounds("CartPole-v1", [10.0, 30.0], other="raw")
  assert raw.apply(12.5) == 12.5
  with pytest.raises(PipelineError, match="unknown normalisation"):
    normalise.game_bounds("CartPole-v1", [1.0], other="zscore")


def test_reference_normalisation_hand_computed():
  # (score - random) / (reference - random) with the committed random baselines
  # (pipeline/data/random_baselines.csv) and references (DQN at 5M frames; CartPole 500).
  randoms = {"CartPole-v1": 22.51, "MinAtar/Breakout": 0.49, "MinAtar/Seaquest": 0.11}
  assert {g: reference.random_baselines()[g] for g in randoms} == randoms
  cart = normalise.game_bounds("CartPole-v1", [0.0])
  assert (cart.kind, cart.low, cart.high) == ("reference", 22.51, 500.0)
  assert cart.apply(261.255) == pytest.approx(0.5)      # (261.255 - 22.51) / 477.49
  breakout = normalise.game_bounds("MinAtar/Breakout", [])
  assert breakout.apply(5.245) == pytest.approx(0.5)    # (5.245 - 0.49) / (10 - 0.49)
  assert breakout.apply(0.49) == 0.0
  seaquest = normalise.game_bounds("MinAtar/Seaquest [on-policy]", [])  # a study's setting label
  assert (seaquest.low, seaquest.high) == (0.11, 20.0)
  assert seaquest.apply(20.0) == pytest.approx(1.0)
  assert reference.small_game_reference("Asterix") is None  # no MinAtar/ prefix: not MinAtar
  assert "read off a figure" in reference.small_game_reference("MinAtar/Asterix").source
