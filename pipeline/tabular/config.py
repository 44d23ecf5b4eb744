"""Four Rooms experiment config: defaults (the 2-core scale) and validation.

configs/four_rooms.py returns base_config(); configs/four_rooms_paper.py sets
the paper's numbers (appendix A.3). validate() names the first bad key;
prepare_workdir() checks a workdir against the config it was made with.
"""
import json
import os

import ml_collections

from pipeline.config_schema import get_dotted
from pipeline.errors import PipelineError
from pipeline.envs import gridworld


def base_config() -> ml_collections.ConfigDict:
  """Defaults: the scale that runs all three experiments in <= 15 min on 2 cores."""
  c = ml_collections.ConfigDict()
  c.seed = 0
  c.gamma = 0.99
  c.p_intended = 0.8
  c.threads = 2                  # TF intra-op threads (inter-op: 1)
  c.log_every_secs = 15.0
  c.checkpoint_every_secs = 60.0
  c.experiments = ("model_space", "capacity", "trajectories")

  m = c.model_space = ml_collections.ConfigDict()   # Figure 3
  m.ve_orders = (1, 30, 40, 50, 60)
  m.include_pve = True
  m.num_models = 16
  m.num_pairs = 10_000
  m.batch_size = 10              # order-k VE classes
  m.pve_batch_size = 50          # the PVE class
  m.learning_rate = 0.03
  m.final_learning_rate = 0.0    # > 0: cosine decay to it over each class's steps; 0: constant
  m.num_steps = 1_000            # order-k VE classes
  m.pve_num_steps = 2_000        # the PVE class
  m.num_snapshots = 20           # evenly spaced over each class's training
  m.init_scale = 5.0
  m.path_policy_fraction = 0.0   # > 0: this fraction of the policies from policy iteration's path (not the paper's)
  m.diameter_groups = 4
  m.value_every_snapshots = 1    # colour every j-th snapshot by its optimal policy's value

  cap = c.capacity = ml_collections.ConfigDict()    # Figure 4a
  cap.ranks = (20, 30, 40, 50, 60, 70, 80, 90, 100, 104)
  cap.num_base_policies = 1_000
  cap.copies_per_policy = 10
  cap.improve_fraction = 0.1
  cap.noise_fraction = 0.1
  cap.num_seeds = 3
  cap.loss = "minibatch"         # the paper's; "exact": the whole data set each step (gram.py)
  cap.batch_size = 50            # minibatch only
  cap.learning_rate = 0.01
  cap.final_learning_rate = 0.0  # > 0: cosine decay to it over num_steps; 0: constant
  cap.num_steps = 1_500
  cap.chunk_steps = 100
  cap.init_scale = 5.0
  cap.low_ranks = (20, 30)       # ranks of the "Pi_det plans better" check

  t = c.trajectories = ml_collections.ConfigDict()  # Figure 4b
  t.num = 5_000
  t.length = 30
  t.start = (11, 1)              # (row, col): the bottom-left cell

  k = c.checks = ml_collections.ConfigDict()
  k.optimal_fraction = 0.95
  return c


_POSITIVE = ("gamma", "threads", "log_every_secs", "checkpoint_every_secs",
             "model_space.num_models", "model_space.num_pairs", "model_space.batch_size",
             "model_space.pve_batch_size", "model_space.learning_rate", "model_space.num_steps",
             "model_space.pve_num_steps", "model_space.num_snapshots",
             "model_space.diameter_groups", "model_space.value_every_snapshots",
             "capacity.num_base_policies",
             "capacity.copies_per_policy", "capacity.num_seeds", "capacity.batch_size",
             "capacity.learning_rate", "capacity.num_steps", "capacity.chunk_steps",
             "trajectories.num", "trajectories.length")
_EXPERIMENTS = ("model_space", "capacity", "trajectories")


def validate(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """Raises PipelineError naming the first key whose value cannot work."""
  try:
    for key in _POSITIVE:
      if not get_dotted(config, key) > 0:
        raise PipelineError(f"config.{key}={get_dotted(config, key)!r}; must be > 0")
  except (KeyError, AttributeError) as e:
    raise PipelineError(f"config is missing key {e}; start from pipeline.tabular.config.base_config()") from None
  if not config.gamma < 1:
    raise PipelineError(f"config.gamma={config.gamma!r}; must be in (0, 1)")
  bad = [e for e in config.experiments if e not in _EXPERIMENTS]
  if bad:
    raise PipelineError(f"config.experiments has {bad[0]!r}; expected names from {_EXPERIMENTS}")
  m = config.model_space
  for key in ("num_steps", "pve_num_steps"):
    if m[key] % m.num_snapshots:
      raise PipelineError(f"config.model_space.{key}={m[key]} must be a multiple of "
                          f"num_snapshots={m.num_snapshots}")
  if m.num_models < 2 * m.diameter_groups:
    raise PipelineError(f"config.model_space.num_models={m.num_models}; need >= 2 per diameter group")
  if not 0 <= m.final_learning_rate <= m.learning_rate:
    raise PipelineError(f"config.model_space.final_learning_rate={m.final_learning_rate!r}; "
                        "must be in [0, model_space.learning_rate] (0: no decay)")
  if not 0 <= m.path_policy_fraction <= 1:
    raise PipelineError(f"config.model_space.path_policy_fraction={m.path_policy_fraction!r}; must be in [0, 1]")
  if any(int(k) < 1 for k in m.ve_orders):
    raise PipelineError(f"config.model_space.ve_orders={tuple(m.ve_orders)}; orders must be >= 1")
  if any(not 1 <= int(r) <= 104 for r in config.capacity.ranks):
    raise PipelineError(f"config.capacity.ranks={tuple(config.capacity.ranks)}; ranks must be in [1, 104]")
  missing = [r for r in config.capacity.low_ranks if r not in tuple(config.capacity.ranks)]
  if missing:
    raise PipelineError(f"config.capacity.low_ranks has {missing[0]}, which is not in capacity.ranks")
  if config.capacity.loss not in ("exact", "minibatch"):
    raise PipelineError(f"config.capacity.loss={config.capacity.loss!r}; expected 'exact' or 'minibatch'")
  if not 0 <= config.capacity.final_learning_rate <= config.capacity.learning_rate:
    raise PipelineError(f"config.capacity.final_learning_rate={config.capacity.final_learning_rate!r}; "
                        "must be in [0, capacity.learning_rate] (0: no decay)")
  if not 0 < config.checks.optimal_fraction <= 1:
    raise PipelineError(f"config.checks.optimal_fraction={config.checks.optimal_fraction!r}; must be in (0, 1]")
  row, col = config.trajectories.start
  if not (0 <= row < len(gridworld.LAYOUT) and 0 <= col < len(gridworld.LAYOUT[0])
          and gridworld.LAYOUT[row][col] != "#"):
    raise PipelineError(f"config.trajectories.start={(row, col)}; must be a free (row, col) cell")
  if "trajectories" in config.experiments and not m.include_pve:
    raise PipelineError("config.experiments has 'trajectories', which needs model_space.include_pve")
  return config


# Keys that may change between a run and its resumption.
RUNTIME_KEYS = ("threads", "log_every_secs", "checkpoint_every_secs", "experiments")


def prepare_workdir(workdir, config):
  """Creates workdir, checks it is writable and was made with the same config."""
  try:
    os.makedirs(workdir, exist_ok=True)
    probe = os.path.join(workdir, ".write_test")
    with open(probe, "w") as f:
      f.write("ok")
    os.remove(probe)
  except OSError as e:
    raise PipelineError(f"workdir {workdir!r} is not writable ({e.strerror})") from None
  science = {k: v for k, v in config.to_dict().items() if k not in RUNTIME_KEYS}
  path = os.path.join(workdir, "config.json")
  text = json.dumps(science, sort_keys=True, default=list)
  if os.path.exists(path):
    with open(path) as f:
      old = f.read()
    if json.loads(old) != json.loads(text):
      raise PipelineError(f"workdir {workdir!r} holds a run with a different config; "
                          "use a new --workdir or the config in its config.json")
  else:
    with open(path, "w") as f:
      f.write(text)
