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

  c.network = ml_collections.ConfigDict()
  c.network.torso = "mlp"          # "mlp" (vector obs) or "resconv" (images)
  c.network.hidden_sizes = (64, 64)  # MLP torso widths
  c.network.latent_size = 64         # MLP latent size
  c.network.channels = 32            # resconv channels
  c.network.num_blocks = 2           # resconv residual blocks
  c.network.head_hidden = 64         # hidden width of the heads
  c.network.value_support = 20       # bins span [-S, S] on the h(z) scale
  c.network.reward_support = 5

  c.search = ml_collections.ConfigDict()
  c.search.num_simulations = 25
  c.search.c1 = 1.25
  c.search.c2 = 19652.0
  c.search.dirichlet_alpha = 0.25
  c.search.dirichlet_fraction = 0.3
  # Temperature schedule: (fraction of the frame budget reached, temperature).
  c.search.temperature_schedule = ((0.0, 1.0), (0.5, 0.5), (0.75, 0.25))
  c.search.unvisited_q = "parent"   # "parent" (parent's value) or "zero" or "min"

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
  c.learner.learning_rate = 1e-3
  c.learner.final_learning_rate = 0.0
  c.learner.num_steps = 3_000
  c.learner.value_loss_weight = 0.25
  c.learner.reward_loss_weight = 1.0
  c.learner.policy_loss_weight = 1.0
  c.learner.dynamics_grad_scale = 0.5
  c.learner.target_update_rate = 0.1
  c.learner.search_update_rate = 0.1
  c.learner.target_update_every = 1
  c.learner.publish_every = 10       # learner steps between publishes
  c.learner.checkpoint_every_seconds = 60.0
  c.learner.max_grad_norm = 5.0

  c.past_policies = ml_collections.ConfigDict()
  c.past_policies.enabled = False
  c.past_policies.interval = 50
  c.past_policies.size = 128
  c.past_policies.weight = 0.25
  c.past_policies.clip_rho = 1.0
  c.past_policies.clip_c = 1.0
  c.past_policies.heads_per_step = 0  # 0: every stored head each step (the paper)

  c.actors = ml_collections.ConfigDict()
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 8
  c.actors.max_env_frames = 0        # 0: run until the learner is done

  c.evaluate = ml_collections.ConfigDict()
  c.evaluate.num_episodes = 20
  c.evaluate.num_envs = 10
  c.evaluate.num_simulations = 25

  c.scoring = ml_collections.ConfigDict()
  c.scoring.final_episodes = 200
  return c


_CHOICES = {
    "network.torso": ("mlp", "resconv"),
    "replay.kind": ("prioritised", "queue"),
    "search.unvisited_q": ("parent", "zero", "min"),
}
_POSITIVE = (
    "network.latent_size", "network.value_support", "network.reward_support",
    "search.num_simulations", "replay.max_size", "replay.sequence_length",
    "learner.batch_size", "learner.unroll_steps", "learner.num_steps",
    "learner.learning_rate", "actors.num_actors", "actors.envs_per_actor",
    "evaluate.num_episodes", "evaluate.num_envs", "evaluate.num_simulations",
    "past_policies.interval", "past_policies.size", "scoring.final_episodes",
)
_UNIT = ("discount", "learner.td_lambda", "learner.target_update_rate",
         "learner.search_update_rate", "search.dirichlet_fraction")


def _get(config, dotted):
  value = config
  for part in dotted.split("."):
    value = value[part]
  return value


def validate(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """Raises PipelineError naming the first key whose value cannot work."""
  for key, choices in _CHOICES.items():
    if _get(config, key) not in choices:
      raise PipelineError(f"config.{key}={_get(config, key)!r}; expected one of {choices}")
  for key in _POSITIVE:
    if not _get(config, key) > 0:
      raise PipelineError(f"config.{key}={_get(config, key)!r}; must be > 0")
  for key in _UNIT:
    if not 0.0 <= _get(config, key) <= 1.0:
      raise PipelineError(f"config.{key}={_get(config, key)!r}; must be in [0, 1]")
  r, k = config.replay, config.learner.unroll_steps
  if not k <= r.sequence_overlap < r.sequence_length:
    raise PipelineError(
        f"config.replay.sequence_overlap={r.sequence_overlap!r}; must be in "
        f"[unroll_steps={k}, sequence_length={r.sequence_length}) so every step can start an unroll")
  return config
