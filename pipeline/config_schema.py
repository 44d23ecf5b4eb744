"""The MuZero run config: defaults, and a check that catches wrong values.

Config files under configs/ start from `base_config()` and change what they
need; ml_collections rejects unknown keys, and `validate` rejects values that
cannot work, each with one line naming the key.
"""
import ml_collections

from pipeline.errors import PipelineError


def base_config() -> ml_collections.ConfigDict:
  """Defaults shared by every MuZero run (small-game scale)."""
  c = ml_collections.ConfigDict()
  c.seed = 0
  c.discount = 0.997

  c.env = ml_collections.ConfigDict()
  c.env.name = "CartPole-v1"
  # Atari-only settings live here too so that one schema serves every game.
  c.env.max_episode_steps = 0  # 0: the environment's own limit.
  # Atari ("Atari/<rom id>", pipeline/envs/atari.py): the PVE paper's Table 1 by
  # default. Each key is a keyword argument of the Atari env of the same name;
  # registry.env_kwargs(config) passes them to it. Other games ignore them.
  c.env.noop_max = 30                 # start no-ops: uniform in [0, noop_max] frames
  c.env.terminal_on_life_loss = True  # while training; evaluation plays full games
  c.env.full_action_space = False     # False: the game's minimal action set; True: 18
  c.env.max_episode_frames = 108_000  # 30 minutes at 60 Hz, no-ops included; 0: none
  c.env.frame_size = (96, 96)         # observation height, width
  c.env.grayscale = True              # False: RGB
  c.env.action_repeat = 4             # frames per agent step
  c.env.max_pool_frames = 4           # max-pool over the last N action-repeat frames
  c.env.frame_stack = 4               # frames in an observation (MuZero: 32)
  c.env.action_planes = True          # stack the past actions as planes (MuZero)
  c.env.repeat_action_probability = 0.0  # sticky actions; 0: none
  # MinAtar's sticky actions (its own default, 0.1); 0: a deterministic response
  # to the agent's action, as He et al.'s analyses assume (configs/analysis_minatar.py).
  c.env.sticky_action_prob = 0.1

  c.network = ml_collections.ConfigDict()
  c.network.torso = "mlp"          # "mlp" (vector obs), "convmlp", "resconv" (images) or "atari"
  c.network.hidden_sizes = (64, 64)  # MLP torso widths
  c.network.latent_size = 64         # MLP latent size
  c.network.channels = 32            # resconv / atari channels; convmlp: its one convolution's
  c.network.num_blocks = 2           # resconv / atari residual blocks (atari: per function)
  # "atari" torso (MuZero's Atari network): residual blocks in the three
  # downsampling stages (at H/2, H/4 and H/8; MuZero: 2, 3, 3). The first stage
  # has channels // 2 channels, the rest `channels` (MuZero: 256, 16 blocks).
  c.network.downsample_blocks = (2, 3, 3)
  c.network.head_hidden = 64         # hidden width of the heads
  c.network.value_support = 20       # bins span [-S, S] on the h(z) scale
  c.network.reward_support = 5
  # h(z) = sgn(z)(sqrt(|z| + 1) - 1) + eps z (pipeline/networks/value_transform.py);
  # recorded for the tables, only 0.01 is implemented.
  c.network.value_transform_eps = 0.01

  c.search = ml_collections.ConfigDict()
  c.search.num_simulations = 25
  c.search.c1 = 1.25
  c.search.c2 = 19652.0
  c.search.dirichlet_alpha = 0.25
  c.search.dirichlet_fraction = 0.3
  # Temperature schedule: (fraction of the frame budget reached, temperature).
  c.search.temperature_schedule = ((0.0, 1.0), (0.5, 0.5), (0.75, 0.25))
  # Self-play only: the chance that a step's action is uniform at random instead of
  # the search's (policies.with_epsilon; the stored behaviour accounts for it). 0: MuZero.
  c.search.acting_epsilon = 0.0
  # The same as a step schedule over the learner's steps, as temperature_schedule:
  # ((0.0, 0.5), (0.2, 0.1)) is 0.5 for the first 20% and 0.1 after (DQN's kind of
  # annealed exploration). () : acting_epsilon throughout.
  c.search.acting_epsilon_schedule = ()
  c.search.unvisited_q = "parent"   # "parent" (parent's value) or "zero" or "min"
  # The root value the actors store (the value bootstrap of learner.value_bootstrap
  # "search") and reanalyse writes: "mean" (MuZero: value_sum / visits, every
  # simulation counted, the root noise's too) or "max_q" (the largest Q among the
  # visited root actions: acting greedily on the search, DQN's max).
  c.search.root_value = "mean"
  # "compiled": the whole search as one XLA program (pipeline/search/compiled.py);
  # "reference": the numpy search (pipeline/search/mcts.py), one TF call per simulation.
  c.search.implementation = "compiled"
  # The selection rule (pipeline/search/policies.py): "puct" (MuZero) or "gumbel"
  # (Gumbel MuZero: sequential halving at the root, the improved policy as the
  # target; no Dirichlet noise; both implementations).
  c.search.kind = "puct"
  c.search.gumbel_max_considered = 16
  c.search.gumbel_scale = 1.0
  c.search.gumbel_value_scale = 0.1
  c.search.gumbel_maxvisit_init = 50.0

  c.replay = ml_collections.ConfigDict()
  c.replay.kind = "prioritised"      # or "queue" (the paper's on-policy setting)
  c.replay.max_size = 20_000         # sequences
  c.replay.sequence_length = 20
  c.replay.sequence_overlap = 10
  c.replay.priority_exponent = 1.0
  c.replay.importance_exponent = 0.0
  c.replay.samples_per_insert = 8.0
  c.replay.min_size_to_sample = 64
  c.replay.insert_error_buffer = 0  # 0: derived (batch size x samples per insert)

  c.learner = ml_collections.ConfigDict()
  c.learner.batch_size = 64
  c.learner.unroll_steps = 5
  c.learner.td_lambda = 0.8
  c.learner.n_step = 0               # > 0: n-step targets instead of TD(lambda)
  c.learner.optimizer = "adam"       # recorded for the tables; the learner uses Adam
  c.learner.learning_rate = 1e-3
  c.learner.final_learning_rate = 0.0
  c.learner.num_steps = 3_000
  # Train only this many steps (0: num_steps); the schedules (learning rate,
  # acting temperature, milestones) still run over num_steps, as if the run
  # were stopped early: a study's budget cut without changing its recipe.
  c.learner.stop_at_step = 0
  # Also stop after this many seconds of the run's wall-clock, summed over its
  # restarts (0: no limit), the schedules unchanged: "after 20 minutes" budgets.
  # One-machine runs (`pipeline`, studies); the multi-host `train` job ignores it.
  c.learner.stop_after_seconds = 0.0
  c.learner.value_loss_weight = 0.25
  c.learner.reward_loss_weight = 1.0
  c.learner.policy_loss_weight = 1.0
  c.learner.dynamics_grad_scale = 0.5
  c.learner.target_update_rate = 0.1
  c.learner.search_update_rate = 0.1
  c.learner.target_update_every = 1
  c.learner.publish_every = 10       # learner steps between publishes
  # Learner steps per compiled call (TrainStep.many): the same updates, in order, with
  # one call's Python and executor overhead for all of them (BENCHMARKS.md) and
  # one priority update; a call ends at every publish and milestone. Evaluations
  # (evaluate.every_steps) run after the call that holds their step.
  c.learner.steps_per_call = 1
  c.learner.checkpoint_every_seconds = 60.0
  c.learner.keep_checkpoints = 3     # newest checkpoints kept (0: all, for the analyses)
  # N > 0: also N checkpoints evenly spaced over training, at steps k * num_steps / N
  # (k = 1..N), kept for good as checkpoints/milestone-<step> (for the analyses across training).
  c.learner.milestone_checkpoints = 0
  c.learner.max_grad_norm = 5.0       # global-norm clipping (not in the PVE paper); 0: none
  # Unroll starts per sampled sequence (pipeline/learner/batch.py): "random"
  # (one, uniform over its real steps), "all" (every real step once over the
  # stream of items), or "auto": "all" with a queue (each item used once, the
  # paper's setting), "random" with prioritised replay.
  c.learner.unroll_starts = "auto"
  # The bootstrap values of the TD(lambda) targets: "search" (the root values
  # stored with the sequence, MuZero and the PVE paper) or "target" (the target
  # network's value of each stored observation, recomputed every step, as
  # MuZero Reanalyse). With "search" and reanalyse off the target network is inert.
  c.learner.value_bootstrap = "search"
  # XLA-compile the loss and gradients (measured per config: BENCHMARKS.md).
  c.learner.jit_compile = False

  c.past_policies = ml_collections.ConfigDict()
  c.past_policies.enabled = False
  c.past_policies.interval = 50
  c.past_policies.size = 128
  c.past_policies.weight = 0.25
  c.past_policies.clip_rho = 1.0
  c.past_policies.clip_c = 1.0
  c.past_policies.heads_per_step = 0  # 0: every stored head each step (the paper)
  # The first snapshot is at the first multiple of `interval` >= start_step (0:
  # from the start, the paper); a later start keeps the earliest, poorest heads out.
  c.past_policies.start_step = 0
  # > 0: the loss on this many of the batch's sequences, scaled (an unbiased
  # estimate at a fraction of the cost; pipeline/learner/past_policies.py); 0: all (the paper).
  c.past_policies.sequences_per_step = 0

  # EfficientZero's self-supervised consistency loss (pipeline/learner/consistency.py):
  # its weight; 0: off (MuZero and the PVE paper).
  c.consistency = ml_collections.ConfigDict()
  c.consistency.weight = 0.0
  # > 0: both sides pass through a projection (hidden projection_hidden, out
  # projection_size) and the predicted side through a prediction head (hidden
  # projection_size / 2), as EfficientZero's; 0: the latents are compared as they are.
  c.consistency.projection_size = 0
  c.consistency.projection_hidden = 256

  # MuZero Reanalyse (pipeline/actors/reanalyse.py): workers re-run the search
  # on stored sequences with the learner's recent target parameters; a
  # `fraction` of every learner batch is such freshly reanalysed sequences.
  # On by default in the replay setting; the queue (on-policy) setting has no
  # stored data to revisit, so configs that use it must turn it off.
  c.reanalyse = ml_collections.ConfigDict()
  c.reanalyse.enabled = True
  c.reanalyse.fraction = 0.5         # share of each learner batch that is reanalysed
  c.reanalyse.workers = 1            # worker processes the pipeline stage starts
  c.reanalyse.batch_size = 16        # sequences per batched search of a worker
  c.reanalyse.num_simulations = 0    # 0: search.num_simulations
  c.reanalyse.source_max_size = 0    # sequences workers draw from (0: replay.max_size)
  c.reanalyse.max_size = 1_000       # reanalysed sequences waiting for the learner
  c.reanalyse.samples_per_insert = 2.0  # learner uses of each reanalysed sequence
  c.reanalyse.min_size_to_sample = 0    # 0: one learner batch's share

  c.actors = ml_collections.ConfigDict()
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 8
  c.actors.max_env_frames = 0        # 0: run until the learner is done

  c.evaluate = ml_collections.ConfigDict()
  c.evaluate.num_episodes = 20
  c.evaluate.num_envs = 10
  c.evaluate.num_simulations = 25
  # Evaluation during training (pipeline stage): every N learner steps (0: off),
  # logged to DIR/eval/curve.csv; training stops early once the mean return
  # reaches target_return (0: never).
  c.evaluate.every_steps = 0
  c.evaluate.target_return = 0.0

  c.scoring = ml_collections.ConfigDict()
  c.scoring.final_episodes = 200
  return c


_CHOICES = {
    "network.torso": ("mlp", "convmlp", "resconv", "atari"),
    "learner.optimizer": ("adam",),
    "replay.kind": ("prioritised", "queue"),
    "search.unvisited_q": ("parent", "zero", "min"),
    "search.implementation": ("compiled", "reference"),
    "search.kind": ("puct", "gumbel"),
    "search.root_value": ("mean", "max_q"),
    "learner.unroll_starts": ("auto", "random", "all"),
    "learner.value_bootstrap": ("search", "target"),
    "learner.jit_compile": (True, False),
}
_POSITIVE = (
    "network.latent_size", "network.value_support", "network.reward_support",
    "search.num_simulations", "replay.max_size", "replay.sequence_length",
    "learner.batch_size", "learner.unroll_steps", "learner.num_steps",
    "learner.learning_rate", "learner.steps_per_call", "learner.publish_every",
    "actors.num_actors", "actors.envs_per_actor",
    "evaluate.num_episodes", "evaluate.num_envs", "evaluate.num_simulations",
    "consistency.projection_hidden",
    "past_policies.interval", "past_policies.size", "scoring.final_episodes",
    "env.action_repeat", "env.frame_stack", "network.channels",
    "search.gumbel_max_considered", "search.gumbel_value_scale", "search.gumbel_maxvisit_init",
)
_NON_NEGATIVE = ("consistency.weight", "consistency.projection_size", "learner.stop_at_step", "learner.stop_after_seconds", "search.gumbel_scale", "learner.max_grad_norm", "learner.milestone_checkpoints", "past_policies.start_step", "past_policies.sequences_per_step", "env.noop_max", "env.max_episode_frames", "env.max_episode_steps",
                 "network.num_blocks")
_UNIT = ("discount", "learner.td_lambda", "learner.target_update_rate",
         "learner.search_update_rate", "search.dirichlet_fraction", "search.acting_epsilon",
         "env.repeat_action_probability", "env.sticky_action_prob")


def get_dotted(config, dotted: str):
  """config["a"]["b"] for "a.b"."""
  value = config
  for part in dotted.split("."):
    value = value[part]
  return value


def _check_schedule(key: str, schedule, allow_empty: bool, most: float) -> None:
  """A step schedule: (start, value) pairs, the starts rising from 0 within [0, 1],
  each value in [0, most]."""
  entries = [tuple(e) if isinstance(e, (tuple, list)) else (e,) for e in schedule]
  pairs = all(len(e) == 2 for e in entries)
  starts = [e[0] for e in entries] if pairs else []
  ok = (pairs and (entries or allow_empty) and starts[:1] in ([], [0])
        and starts == sorted(starts) and all(s <= 1 for s in starts)
        and all(0 <= value <= most for _, value in entries))
  if not ok:
    bound = "" if most == float("inf") else f", <= {most:g}"
    raise PipelineError(f"config.{key}={tuple(schedule)!r}; must be (start, value) pairs with "
                        f"starts rising from 0 to at most 1 and values >= 0{bound}")


def validate(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """Raises PipelineError naming the first key whose value cannot work."""
  for key, choices in _CHOICES.items():
    if get_dotted(config, key) not in choices:
      raise PipelineError(f"config.{key}={get_dotted(config, key)!r}; expected one of {choices}")
  for key in _POSITIVE:
    if not get_dotted(config, key) > 0:
      raise PipelineError(f"config.{key}={get_dotted(config, key)!r}; must be > 0")
  for key in _NON_NEGATIVE:
    if not get_dotted(config, key) >= 0:
      raise PipelineError(f"config.{key}={get_dotted(config, key)!r}; must be >= 0")
  for key in _UNIT:
    if not 0.0 <= get_dotted(config, key) <= 1.0:
      raise PipelineError(f"config.{key}={get_dotted(config, key)!r}; must be in [0, 1]")
  e, n = config.env, config.network
  if not 1 <= e.max_pool_frames <= e.action_repeat:
    raise PipelineError(f"config.env.max_pool_frames={e.max_pool_frames!r}; must be in "
                        f"[1, env.action_repeat={e.action_repeat}]")
  if len(tuple(e.frame_size)) != 2 or min(e.frame_size) < 1:
    raise PipelineError(f"config.env.frame_size={e.frame_size!r}; must be (height, width), both > 0")
  if len(tuple(n.downsample_blocks)) != 3 or min(n.downsample_blocks) < 0:
    raise PipelineError(f"config.network.downsample_blocks={n.downsample_blocks!r}; "
                        "must be 3 block counts >= 0")
  if n.value_transform_eps != 0.01:
    raise PipelineError(f"config.network.value_transform_eps={n.value_transform_eps!r}; "
                        "only 0.01 is implemented")
  _check_schedule("search.temperature_schedule", config.search.temperature_schedule,
                  allow_empty=False, most=float("inf"))
  _check_schedule("search.acting_epsilon_schedule", config.search.acting_epsilon_schedule,
                  allow_empty=True, most=1.0)
  ra = config.reanalyse
  if ra.enabled:
    if config.replay.kind == "queue":
      raise PipelineError("config.reanalyse.enabled=True needs replay.kind='prioritised' "
                          "(a queue keeps no data to reanalyse); set reanalyse.enabled=False")
    if not 0.0 < ra.fraction < 1.0:
      raise PipelineError(f"config.reanalyse.fraction={ra.fraction!r}; must be in (0, 1)")
    if not 1 <= reanalysed_batch_size(config) < config.learner.batch_size:
      raise PipelineError(f"config.reanalyse.fraction={ra.fraction!r} of learner.batch_size="
                          f"{config.learner.batch_size} leaves no room for both data sources")
    for key in ("workers", "batch_size", "max_size", "samples_per_insert"):
      if not ra[key] > 0:
        raise PipelineError(f"config.reanalyse.{key}={ra[key]!r}; must be > 0")
    for key in ("num_simulations", "source_max_size", "min_size_to_sample"):
      if not ra[key] >= 0:
        raise PipelineError(f"config.reanalyse.{key}={ra[key]!r}; must be >= 0")
  if config.learner.stop_at_step > config.learner.num_steps:
    raise PipelineError(f"config.learner.stop_at_step={config.learner.stop_at_step!r}; must be "
                        f"<= learner.num_steps={config.learner.num_steps} (the schedules' horizon)")
  r, k = config.replay, config.learner.unroll_steps
  if not k <= r.sequence_overlap < r.sequence_length:
    raise PipelineError(
        f"config.replay.sequence_overlap={r.sequence_overlap!r}; must be in "
        f"[unroll_steps={k}, sequence_length={r.sequence_length}) so every step can start an unroll")
  return config


def training_steps(config) -> int:
  """The learner steps a run trains: learner.stop_at_step, else learner.num_steps."""
  return int(config.learner.stop_at_step or config.learner.num_steps)


def unroll_start_rule(config) -> str:
  """"random" or "all": config.learner.unroll_starts with "auto" resolved."""
  rule = config.learner.unroll_starts
  if rule == "auto":
    return "all" if config.replay.kind == "queue" else "random"
  return rule


def reanalysed_batch_size(config) -> int:
  """Sequences per learner batch drawn from the reanalysed table (0: reanalyse off)."""
  if not config.reanalyse.enabled:
    return 0
  return int(round(config.reanalyse.fraction * config.learner.batch_size))
