"""Tables 1 (environment settings) and 2 (hyperparameters) from the configs runs used.

A config is the dict a run saved as config.json (ConfigDict.to_dict(), keys of
pipeline/config_schema.py). Every leaf key is printed: the keys the paper's
tables have come first, under the paper's row names (pve_paper_settings.md)
with the paper's value beside ours; the rest follow under their dotted key.
Table 1 holds env.* and the frame budget; Table 2 everything else but `seed`.
Runs whose configs agree on a table's keys share a column.

To give a new config key a paper row name, add it to PAPER_ROWS.
"""
from typing import Any, Callable, Dict, List, Sequence, Tuple

from pipeline.scoring import reference
from pipeline.scoring.formats import Table

Flat = Dict[str, Any]


def _bins(value_support, reward_support) -> str:
  value, reward = 2 * int(value_support) + 1, 2 * int(reward_support) + 1
  return f"{value}" if value == reward else f"{value}, {reward}"


def _frames(v) -> str:
  return "no limit (the learner's step budget ends the run)" if not v else f"{int(v):,}"


def _episode_length(steps, frames=None) -> str:
  """env.max_episode_steps and (Atari) env.max_episode_frames."""
  parts = []
  if frames:
    frames = int(frames)
    parts.append(f"{frames // 3600} minutes ({frames:,} frames)" if frames % 3600 == 0
                 else f"{frames:,} frames")
  if steps:
    parts.append(f"{int(steps):,} agent steps")
  return " or ".join(parts) if parts else "the environment's own limit"


def _noops(n) -> str:
  return f"uniform in [0, {int(n)}]"


def _action_set(full) -> str:
  return "all 18 actions" if full else "valid actions (the game's minimal action set)"


def _size(size) -> str:
  return " x ".join(str(int(x)) for x in size)


def _colour(grayscale) -> str:
  return "grayscale" if grayscale else "RGB"


def _optimiser(name) -> str:
  return {"adam": "Adam"}.get(name, str(name))


def _value_transform(eps) -> str:
  return f"h(z) = sgn(z)(sqrt(|z| + 1) - 1) + {float(eps):g} z"


# table -> [(paper row name, config keys, formatter of their values or None)]
PAPER_ROWS: Dict[str, List[Tuple[str, Tuple[str, ...], Callable[..., str]]]] = {
    "Table 1": [
        ("start no-ops", ("env.noop_max",), _noops),
        ("terminate on life loss", ("env.terminal_on_life_loss",), None),
        ("action set", ("env.full_action_space",), _action_set),
        ("max episode length", ("env.max_episode_steps", "env.max_episode_frames"), _episode_length),
        ("observation size", ("env.frame_size",), _size),
        ("preprocessing", ("env.grayscale",), _colour),
        ("action repetitions", ("env.action_repeat",), None),
        ("max-pool over last N action-repeat frames", ("env.max_pool_frames",), None),
        ("total environment frames, skipped frames included", ("actors.max_env_frames",), _frames),
    ],
    "Table 2": [
        ("batch size", ("learner.batch_size",), None),
        ("sequence length", ("replay.sequence_length",), None),
        ("sequence overlap", ("replay.sequence_overlap",), None),
        ("model unroll length K", ("learner.unroll_steps",), None),
        ("optimiser", ("learner.optimizer",), _optimiser),
        ("initial learning rate", ("learner.learning_rate",), None),
        ("final learning rate (linear schedule)", ("learner.final_learning_rate",), None),
        ("discount", ("discount",), None),
        ("target network update rate", ("learner.target_update_rate",), None),
        ("value loss weight", ("learner.value_loss_weight",), None),
        ("reward loss weight", ("learner.reward_loss_weight",), None),
        ("policy loss weight", ("learner.policy_loss_weight",), None),
        ("MCTS number of simulations", ("search.num_simulations",), None),
        ("lambda for TD(lambda)", ("learner.td_lambda",), None),
        ("MCTS Dirichlet prior fraction", ("search.dirichlet_fraction",), None),
        ("MCTS Dirichlet prior alpha", ("search.dirichlet_alpha",), None),
        ("search parameters update rate", ("learner.search_update_rate",), None),
        ("value, reward number of bins", ("network.value_support", "network.reward_support"), _bins),
        ("nonlinear value transform", ("network.value_transform_eps",), _value_transform),
        ("value buffer size (past policies)", ("past_policies.size",), None),
        ("value buffer update interval (learner steps)", ("past_policies.interval",), None),
        ("value buffer loss weight", ("past_policies.weight",), None),
    ],
}
TABLE1_PREFIXES = ("env.", "actors.max_env_frames")
# config.env keys only Atari games read (pipeline/envs/atari.py): for other
# games they print as "n/a (not Atari)" (or are left out of a row's formatter).
ATARI_ONLY = ("env.noop_max", "env.terminal_on_life_loss", "env.full_action_space",
              "env.max_episode_frames", "env.frame_size", "env.grayscale", "env.action_repeat",
              "env.max_pool_frames", "env.frame_stack", "env.action_planes",
              "env.repeat_action_probability")
NOT_ATARI = "n/a (not Atari)"
FIRST_KEYS = ("env.name",)  # printed first, under its own name
EXCLUDED = ("seed",)  # differs per run by design; Table 3 lists the seeds


def flatten(config: Dict, prefix: str = "") -> Flat:
  """{"learner.batch_size": 64, ...} from a nested dict."""
  out = {}
  for k, v in config.items():
    if isinstance(v, dict):
      out.update(flatten(v, f"{prefix}{k}."))
    else:
      out[f"{prefix}{k}"] = v
  return out


def fmt_value(v) -> str:
  if isinstance(v, bool):
    return "yes" if v else "no"
  if isinstance(v, float):
    return format(v, ".6g")
  if isinstance(v, (list, tuple)):
    return "(" + ", ".join(fmt_value(x) for x in v) + ")"
  return str(v)


def _table_keys(flat_configs: Sequence[Flat], table: str) -> List[str]:
  keys = sorted({k for f in flat_configs for k in f if k not in EXCLUDED})
  in_1 = lambda k: k.startswith(TABLE1_PREFIXES)
  return [k for k in keys if in_1(k) == (table == "Table 1")]


def _is_atari(flat: Flat) -> bool:
  return reference.atari_game_id(str(flat.get("env.name", ""))) is not None


def _row_value(flat: Flat, keys: Tuple[str, ...], fmt) -> str:
  if any(k not in flat for k in keys):
    return "-"
  if not _is_atari(flat):
    if all(k in ATARI_ONLY for k in keys):
      return NOT_ATARI
    if fmt and any(k in ATARI_ONLY for k in keys):
      return fmt(*[None if k in ATARI_ONLY else flat[k] for k in keys])
  values = [flat[k] for k in keys]
  return fmt(*values) if fmt else ", ".join(fmt_value(v) for v in values)


def group_columns(runs: Sequence[Tuple[str, str, Flat]], keys: Sequence[str]) -> List[Tuple[str, Flat]]:
  """[(label, flat config)]: one column per distinct set of values of `keys`.

  runs: (variant, game, flat config). The label names the variants and games
  that share the column ("all" when it is every one of them).
  """
  all_variants = sorted({r[0] for r in runs})
  all_games = sorted({r[1] for r in runs})
  groups: Dict[tuple, List[Tuple[str, str, Flat]]] = {}
  for run in runs:
    sig = tuple(repr(run[2].get(k)) for k in keys)
    groups.setdefault(sig, []).append(run)
  out = []
  for members in groups.values():
    variants = sorted({m[0] for m in members})
    games = sorted({m[1] for m in members})
    v = "all variants" if variants == all_variants and len(all_variants) > 1 else ", ".join(variants)
    g = "all games" if games == all_games and len(all_games) > 1 else ", ".join(games)
    out.append((f"{v}: {g}", members[0][2]))
  return out


def settings_table(runs: Sequence[Tuple[str, str, Dict]], table: str) -> Table:
  """Table 1 or 2 from runs' configs: runs = [(variant, game, config dict)]."""
  flat_runs = [(v, g, flatten(c)) for v, g, c in runs]
  keys = _table_keys([f for _, _, f in flat_runs], table)
  columns = group_columns(flat_runs, keys)
  paper = dict(reference.paper_settings().get(table, []))
  rows, csv_rows, used = [], [], set()
  first = [(k, (k,), None) for k in FIRST_KEYS if k in keys]
  for name, row_keys, fmt in first + PAPER_ROWS[table]:
    if not any(k in f for _, f in columns for k in row_keys):
      continue  # rows only where the config has them
    used.update(row_keys)
    values = [_row_value(f, row_keys, fmt) for _, f in columns]
    rows.append([name] + values + [paper.get(name, "")])
    csv_rows.append([name, "+".join(row_keys)] + values + [paper.get(name, "")])
  for k in keys:
    if k in used:
      continue
    values = [_row_value(f, (k,), None) for _, f in columns]
    rows.append([k] + values + [""])
    csv_rows.append([k, k] + values + [""])
  labels = [label for label, _ in columns]
  title = {"Table 1": "Table 1: environment settings", "Table 2": "Table 2: hyperparameters"}[table]
  notes = ["Printed from the config.json the runs used; rows named as in the paper (Grimm et al. 2021, "
           "appendix A.4) where the config has them, with the paper's value beside ours."]
  return Table(f"table{table[-1]}_{'settings' if table == 'Table 1' else 'hyperparameters'}",
               title, ["parameter"] + labels + ["paper"], rows,
               ["parameter", "config_keys"] + labels + ["paper"], csv_rows, notes)


def paper_settings_table(table: str) -> Table:
  """The paper's own Table 1 or 2, as published (pve_paper_settings.md)."""
  rows = reference.paper_settings()[table]
  title = {"Table 1": "Table 1: Atari settings (published)",
           "Table 2": "Table 2: agent hyperparameters (published)"}[table]
  return Table(f"table{table[-1]}_{'settings' if table == 'Table 1' else 'hyperparameters'}",
               title, ["parameter", "paper"], [list(r) for r in rows], ["parameter", "paper"],
               [list(r) for r in rows], ["Grimm et al. 2021, Proper Value Equivalence, appendix A.4."])
