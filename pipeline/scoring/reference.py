"""Published reference data shipped in pipeline/data/ (see its README.md).

    human_random("muzero")  -> {"pong": (random, human), ...}   57 games
    paper_table3()          -> {"pong": {"muzero_mean": -7.0, ...}, ...}
    paper_settings()        -> {"Table 1": [(row, value), ...], "Table 2": [...]}
    atari_game_id("MsPacman") -> "ms_pacman";  atari_game_id("MinAtar/Breakout") -> None
    small_game_reference("MinAtar/Breakout") -> (random 0.5, reference 10.0, source)

Game names are ale-py ROM ids ("pong", "ms_pacman").
"""
import csv
import functools
import os
import re
import unicodedata
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from pipeline.errors import PipelineError

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
HUMAN_TABLES = {
    "muzero": "atari57_human_random_muzero.csv",   # Schrittwieser et al. 2020, Table S1
    "dqn_zoo": "atari57_human_random_dqn_zoo.csv",  # dqn_zoo/atari_data.py
}
DEFAULT_HUMAN_TABLE = "muzero"
PAPER_TABLE3 = "pve_paper_table3.csv"
PAPER_SETTINGS = "pve_paper_settings.md"
PAPER_VARIANTS = ("muzero", "muzero_pve")  # the column prefixes of PAPER_TABLE3
PAPER_WILCOXON_P = 0.044                     # as printed in the paper (appendix A.4)
PUBLISHED = ("paper",)                       # the published tables `./run.sh tables --reference` knows


def data_path(name: str) -> str:
  return os.path.join(DATA_DIR, name)


def canonical_name(name: str) -> str:
  """NFKC-normalised, stripped game name (PDF ligatures like 'ﬁ' -> 'fi')."""
  return unicodedata.normalize("NFKC", str(name)).strip()


def read_numeric_csv(path: str, key: str, columns: Sequence[str]) -> Dict[str, Dict[str, float]]:
  """Rows of a CSV keyed by column `key`, with `columns` parsed as floats.

  Raises PipelineError naming the file and line of the first bad row.
  """
  if not os.path.isfile(path):
    raise PipelineError(f"{path}: no such file")
  out = {}
  with open(path, newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    missing = [c for c in (key, *columns) if c not in (reader.fieldnames or ())]
    if missing:
      raise PipelineError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
    for row in reader:
      line = reader.line_num
      name = canonical_name(row[key] or "")
      try:
        out[name] = {c: float(row[c]) for c in columns}
      except (TypeError, ValueError):
        raise PipelineError(f"{path}:{line}: expected numbers in {', '.join(columns)}, got {row}")
  return out


@functools.lru_cache(maxsize=None)
def human_random(table: str = DEFAULT_HUMAN_TABLE) -> Dict[str, Tuple[float, float]]:
  """{game: (random score, human score)} from the chosen reference table."""
  if table not in HUMAN_TABLES:
    raise PipelineError(f"unknown human/random table {table!r}; known: {', '.join(HUMAN_TABLES)}")
  rows = read_numeric_csv(data_path(HUMAN_TABLES[table]), "game", ("random", "human"))
  return {g: (r["random"], r["human"]) for g, r in rows.items()}


@functools.lru_cache(maxsize=None)
def paper_table3() -> Dict[str, Dict[str, float]]:
  """The PVE paper's Table 3: {game: {muzero_mean, muzero_sem, muzero_pve_mean, muzero_pve_sem}}."""
  cols = tuple(f"{v}_{s}" for v in PAPER_VARIANTS for s in ("mean", "sem"))
  return read_numeric_csv(data_path(PAPER_TABLE3), "game", cols)


def paper_settings(path: Optional[str] = None) -> Dict[str, List[Tuple[str, str]]]:
  """The two-column tables of pve_paper_settings.md, keyed "Table 1" / "Table 2"."""
  tables, current = {}, None
  with open(path or data_path(PAPER_SETTINGS), encoding="utf-8") as f:
    for line in f:
      heading = re.match(r"^##\s+(Table \d+)", line)
      if heading:
        current = heading.group(1)
        tables[current] = []
        continue
      if line.startswith("## "):
        current = None
      cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
      if current and line.startswith("|") and len(cells) == 2:
        if cells[0] != "parameter" and not set(cells[0]) <= set("- "):
          tables[current].append((cells[0], cells[1]))
  return tables


_ATARI_PREFIX = re.compile(r"^(atari|ale)/", re.IGNORECASE)
_ATARI_SUFFIX = re.compile(r"(NoFrameskip)?(-v\d+)?$")


def atari_game_id(name: str) -> Optional[str]:
  """The ale-py ROM id of an Atari game name, or None for a non-Atari game.

  Accepts "pong", "Pong", "ALE/Pong-v5", "PongNoFrameskip-v4", "atari/ms_pacman",
  "MsPacman". A name with any other "prefix/" (e.g. "MinAtar/Breakout") is not Atari.
  """
  name = canonical_name(name)
  name = _ATARI_PREFIX.sub("", name)
  if "/" in name:
    return None
  name = _ATARI_SUFFIX.sub("", name)
  if not name.islower():  # CamelCase -> snake_case: MsPacman -> ms_pacman, UpNDown -> up_n_down
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
  name = name.lower()
  return name if name in human_random(DEFAULT_HUMAN_TABLE) else None


def human_normalised(score: float, game: str, table: str = DEFAULT_HUMAN_TABLE) -> float:
  """(score - random) / (human - random) for an Atari game id."""
  random_score, human_score = human_random(table)[game]
  return (score - random_score) / (human_score - random_score)



# --- Small games (CartPole, MinAtar): a measured random score and a published reference.
RANDOM_BASELINES = "random_baselines.csv"   # measured: ./run.sh bench random_baseline
MINATAR_REFERENCE = "minatar_reference.csv"  # Young & Tian 2019, read off a figure
MINATAR_REFERENCE_COLUMN = "dqn_5m"
CARTPOLE_MAX_RETURN = 500.0                  # CartPole-v1's time limit: the best possible return


class SmallGameReference(NamedTuple):
  random: float     # mean return of uniform-random play, measured by the project
  reference: float  # a published (or the maximal) score
  source: str       # where `reference` comes from


@functools.lru_cache(maxsize=None)
def random_baselines() -> Dict[str, float]:
  """{game: mean return of uniform-random play} from pipeline/data/random_baselines.csv."""
  rows = read_numeric_csv(data_path(RANDOM_BASELINES), "game", ("mean_return",))
  return {g: r["mean_return"] for g, r in rows.items()}


@functools.lru_cache(maxsize=None)
def minatar_reference(column: str = MINATAR_REFERENCE_COLUMN) -> Dict[str, float]:
  """{"MinAtar/Breakout": DQN's return at 5M frames, ...} (approximate: read off a figure)."""
  rows = read_numeric_csv(data_path(MINATAR_REFERENCE), "game", (column,))
  return {f"MinAtar/{g}": r[column] for g, r in rows.items()}


def base_game(name: str) -> str:
  """The environment of a study game label: "CartPole-v1 [on-policy]" -> "CartPole-v1"."""
  return re.sub(r"\s*\[[^\]]*\]$", "", canonical_name(name))


def small_game_reference(name: str) -> Optional[SmallGameReference]:
  """Random and reference scores of CartPole-v1 and the MinAtar games; None for others."""
  game = base_game(name)
  randoms = random_baselines()
  if game not in randoms:
    return None
  if game == "CartPole-v1":
    return SmallGameReference(randoms[game], CARTPOLE_MAX_RETURN, "CartPole-v1's maximal return (500)")
  minatar = minatar_reference()
  if game in minatar:
    return SmallGameReference(randoms[game], minatar[game],
                              "MinAtar DQN at 5M frames (Young & Tian 2019, read off a figure)")
  return None
