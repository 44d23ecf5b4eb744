"""Typed part configs: the fields each acting part reads, built once at a job's edge.

Users keep writing one ml_collections ConfigDict (config files and
command-line overrides, pipeline/config_schema.py); a job turns it into these
frozen records and hands each part only its own, so a part's fields are its
whole interface (as Acme's per-agent configs read by a builder):

    EnvConfig          the game and its factory's keywords; .make(seed, training)
    SearchConfig       the search (pipeline/search/base.py)
    NetworkConfig      the network's shape (pipeline/networks/muzero_net.py)
    SequenceConfig     how an actor cuts, pads and prioritises replay sequences
    ActorConfig        a self-play actor (its envs, temperature schedule, search)
    ReanalyseConfig    a reanalyse worker
    EvaluationConfig   the greedy evaluation
    UpdateConfig       the learner's compiled step (pipeline/learner/train_step.py)
    PastPoliciesConfig the past-policies loss (pipeline/learner/past_policies.py)
    ConsistencyConfig  the consistency loss (pipeline/learner/consistency.py)
    LearnerConfig      the learner (its networks, optimizer, step, checkpoints)
    ReplayConfig       the Reverb tables (pipeline/replay/tables.py) and the
                       learner's dataset; ReanalysedTablesConfig its reanalyse part

`*_from(config)` build them from the ConfigDict; `make(cls, **fields)` and
`replace(record, **fields)` build or change one from keyword fields and raise
PipelineError, one line, on a field the part does not have.
"""
import dataclasses
from typing import Any, Optional, Tuple, Type, TypeVar

from pipeline import config_schema
from pipeline.envs import registry
from pipeline.errors import PipelineError
from pipeline.search.base import SearchConfig

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class EnvConfig:
  name: str                              # a registered game, e.g. "MinAtar/Breakout"
  kwargs: Tuple[Tuple[str, Any], ...] = ()  # its factory's keywords (registry.env_kwargs)

  def make(self, seed: int, training: bool = True):
    """The game, seeded; `training` selects training-time rules (e.g. life loss ends)."""
    return registry.make(self.name, seed=seed, training=training, **dict(self.kwargs))


@dataclasses.dataclass(frozen=True)
class NetworkConfig:
  torso: str                     # "mlp" (vector observations), "convmlp", "resconv" or "atari" (images)
  hidden_sizes: Tuple[int, ...]  # MLP torso widths
  latent_size: int               # MLP latent size
  channels: int                  # resconv / atari channels; convmlp: its one convolution's
  num_blocks: int                # resconv / atari residual blocks
  downsample_blocks: Tuple[int, int, int]  # atari: residual blocks of its downsampling stages
  head_hidden: int               # hidden width of the heads
  value_support: int             # value bins span [-S, S] on the h(z) scale
  reward_support: int


@dataclasses.dataclass(frozen=True)
class SequenceConfig:
  length: int               # steps per stored sequence
  overlap: int              # steps shared by consecutive sequences
  pad_steps: int            # padding after an episode's end: the learner's unroll length
  discount: float
  td_lambda: float          # of the priority's TD(lambda) return
  priority_exponent: float


@dataclasses.dataclass(frozen=True)
class ActorConfig:
  env: EnvConfig
  search: SearchConfig
  sequences: SequenceConfig
  seed: int
  num_envs: int                      # games played in lock-step, one batched search per step
  temperature_schedule: Tuple[Tuple[float, float], ...]  # (fraction of schedule_steps, temperature)
  schedule_steps: int                # the learner steps the temperature schedule spans
  implementation: str = "compiled"   # of the search: "compiled" or "reference"
  write_reanalyse_source: bool = False  # also insert each sequence for reanalyse
  # (fraction of schedule_steps, chance of a uniform random action: policies.with_epsilon)
  epsilon_schedule: Tuple[Tuple[float, float], ...] = ((0.0, 0.0),)


@dataclasses.dataclass(frozen=True)
class ReanalyseConfig:
  search: SearchConfig
  seed: int
  batch_size: int                    # sequences per reanalysed batch
  sequence_length: int
  implementation: str = "compiled"


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
  env: EnvConfig
  search: SearchConfig
  seed: int
  num_envs: int
  implementation: str = "compiled"


@dataclasses.dataclass(frozen=True)
class UpdateConfig:
  seed: int                     # with the learner step, seeds the step's random draws
  discount: float
  td_lambda: float
  n_step: int                   # > 0: n-step value targets instead of TD(lambda)
  value_bootstrap: str          # "search" (stored root values) or "target" (target network)
  unroll_steps: int             # K
  start_rule: str               # unroll starts: "random" (one per sequence) or "all"
  period: int                   # new steps per sequence: sequence_length - overlap
  value_support: int
  reward_support: int
  loss_weights: Tuple[float, float, float]  # value, reward, policy
  dynamics_grad_scale: float
  priority_exponent: float
  importance_exponent: float    # 0: no importance weights (always for a queue)
  target_update_every: int
  target_update_rate: float
  search_update_rate: float
  jit_compile: bool = False


@dataclasses.dataclass(frozen=True)
class PastPoliciesConfig:
  seed: int                 # (+ 17) seeds the draw of heads_per_step heads
  discount: float
  value_support: int
  size: int                 # stored heads (a ring buffer)
  interval: int             # learner steps between snapshots
  start_step: int           # no snapshot before this learner step
  weight: float             # of the loss
  clip_rho: float           # V-trace's clips
  clip_c: float
  heads_per_step: int = 0   # heads evaluated per step (0: all)
  sequences_per_step: int = 0  # sequences of the batch the loss is on (0: all)


@dataclasses.dataclass(frozen=True)
class ConsistencyConfig:
  weight: float             # of the loss (pipeline/learner/consistency.py)
  projection_size: int = 0  # > 0: EfficientZero's projection and prediction heads; 0: none
  projection_hidden: int = 256  # the projection's hidden layer


@dataclasses.dataclass(frozen=True)
class LearnerConfig:
  network: NetworkConfig        # of the online, target and search networks
  update: UpdateConfig          # the compiled step
  past_policies: Optional[PastPoliciesConfig]  # None: the loss is off
  learning_rate: float          # decays linearly to final_learning_rate over num_steps
  final_learning_rate: float
  num_steps: int                # the schedules' span (learning rate, milestones)
  training_steps: int           # the steps this run trains (<= num_steps)
  max_grad_norm: float          # global-norm gradient clipping (0: none)
  publish_every: int            # learner steps between publishes of the search parameters
  checkpoint_every_seconds: float
  keep_checkpoints: int         # newest checkpoints kept (0: all)
  milestone_checkpoints: int    # N > 0: also N kept for good, evenly spaced over num_steps
  publish_target: bool = False  # also publish the target parameters (for reanalyse)
  update_priorities: bool = True  # send new priorities to Reverb (not for a queue)
  consistency: Optional[ConsistencyConfig] = None  # None: the loss is off
  steps_per_call: int = 1       # learner steps per compiled call (learner.steps_per_call)


@dataclasses.dataclass(frozen=True)
class ReanalysedTablesConfig:
  share: int                # reanalysed sequences per learner batch
  worker_batch_size: int    # sequences per reanalyse worker batch
  source_max_size: int      # sequences the workers draw from (0: the replay's max_size)
  max_size: int             # reanalysed sequences waiting for the learner
  samples_per_insert: float  # learner uses of each reanalysed sequence
  min_size_to_sample: int   # 0: one learner batch's share


@dataclasses.dataclass(frozen=True)
class ReplayConfig:
  kind: str                   # "prioritised" or "queue" (each sequence used once, in order)
  max_size: int               # sequences
  priority_exponent: float
  samples_per_insert: float   # of the prioritised table's rate limiter
  min_size_to_sample: int
  insert_error_buffer: float  # of its rate limiter (0: derived from the batch size)
  batch_size: int             # sequences per learner batch, reanalysed ones included
  reanalyse: Optional[ReanalysedTablesConfig] = None  # None: reanalyse is off


def _fields(cls) -> Tuple[str, ...]:
  return tuple(f.name for f in dataclasses.fields(cls))


def make(cls: Type[T], **fields) -> T:
  """cls(**fields); PipelineError naming the first field cls does not have."""
  unknown = [k for k in fields if k not in _fields(cls)]
  if unknown:
    raise PipelineError(f"{cls.__name__} has no field {unknown[0]!r}; its fields: "
                        f"{', '.join(_fields(cls))}")
  try:
    return cls(**fields)
  except TypeError as e:  # a required field missing
    raise PipelineError(f"{cls.__name__}: {e}") from None


def replace(record: T, **fields) -> T:
  """A copy of record with fields changed; PipelineError on an unknown field."""
  current = {f: getattr(record, f) for f in _fields(type(record))}
  return make(type(record), **{**current, **fields})


def search_from(config, num_simulations=None) -> SearchConfig:
  """The search's config from config.search (num_simulations: another count)."""
  s = config.search
  return SearchConfig(
      num_simulations=num_simulations or s.num_simulations, c1=s.c1, c2=s.c2,
      discount=config.discount, dirichlet_alpha=s.dirichlet_alpha,
      dirichlet_fraction=s.dirichlet_fraction, unvisited_q=s.unvisited_q, kind=s.kind,
      gumbel_max_considered=s.gumbel_max_considered, gumbel_scale=s.gumbel_scale,
      gumbel_value_scale=s.gumbel_value_scale, gumbel_maxvisit_init=s.gumbel_maxvisit_init,
      root_value=s.root_value)


def env_from(config) -> EnvConfig:
  return EnvConfig(config.env.name, tuple(sorted(registry.env_kwargs(config).items())))


def network_from(config) -> NetworkConfig:
  n = config.network
  return NetworkConfig(
      torso=n.torso, hidden_sizes=tuple(n.hidden_sizes), latent_size=n.latent_size,
      channels=n.channels, num_blocks=n.num_blocks,
      downsample_blocks=tuple(n.downsample_blocks), head_hidden=n.head_hidden,
      value_support=n.value_support, reward_support=n.reward_support)


def sequences_from(config) -> SequenceConfig:
  r = config.replay
  return SequenceConfig(length=r.sequence_length, overlap=r.sequence_overlap,
                        pad_steps=config.learner.unroll_steps, discount=config.discount,
                        td_lambda=config.learner.td_lambda,
                        priority_exponent=r.priority_exponent)


def actor_from(config) -> ActorConfig:
  return ActorConfig(
      env=env_from(config), search=search_from(config), sequences=sequences_from(config),
      seed=config.seed, num_envs=config.actors.envs_per_actor,
      temperature_schedule=tuple(tuple(float(x) for x in e)
                                 for e in config.search.temperature_schedule),
      schedule_steps=config.learner.num_steps, implementation=config.search.implementation,
      write_reanalyse_source=bool(config.reanalyse.enabled),
      epsilon_schedule=tuple(tuple(float(x) for x in e)
                             for e in (config.search.acting_epsilon_schedule
                                       or ((0.0, config.search.acting_epsilon),))))


def reanalyse_from(config) -> ReanalyseConfig:
  ra = config.reanalyse
  return ReanalyseConfig(search=search_from(config, ra.num_simulations or None),
                         seed=config.seed, batch_size=ra.batch_size,
                         sequence_length=config.replay.sequence_length,
                         implementation=config.search.implementation)


def evaluation_from(config) -> EvaluationConfig:
  ec = config.evaluate
  return EvaluationConfig(env=env_from(config),
                          search=search_from(config, ec.num_simulations),
                          seed=config.seed, num_envs=ec.num_envs,
                          implementation=config.search.implementation)


def update_from(config) -> UpdateConfig:
  lc, r = config.learner, config.replay
  return UpdateConfig(
      seed=config.seed, discount=config.discount, td_lambda=lc.td_lambda, n_step=lc.n_step,
      value_bootstrap=lc.value_bootstrap, unroll_steps=lc.unroll_steps,
      start_rule=config_schema.unroll_start_rule(config),
      period=r.sequence_length - r.sequence_overlap,
      value_support=config.network.value_support, reward_support=config.network.reward_support,
      loss_weights=(lc.value_loss_weight, lc.reward_loss_weight, lc.policy_loss_weight),
      dynamics_grad_scale=lc.dynamics_grad_scale, priority_exponent=r.priority_exponent,
      importance_exponent=0.0 if r.kind == "queue" else r.importance_exponent,
      target_update_every=lc.target_update_every, target_update_rate=lc.target_update_rate,
      search_update_rate=lc.search_update_rate, jit_compile=bool(lc.jit_compile))


def past_policies_from(config) -> Optional[PastPoliciesConfig]:
  """None when config.past_policies.enabled is off."""
  pc = config.past_policies
  if not pc.enabled:
    return None
  return PastPoliciesConfig(
      seed=config.seed, discount=config.discount, value_support=config.network.value_support,
      size=pc.size, interval=pc.interval, start_step=pc.start_step, weight=pc.weight,
      clip_rho=pc.clip_rho, clip_c=pc.clip_c, heads_per_step=pc.heads_per_step,
      sequences_per_step=pc.sequences_per_step)


def learner_from(config) -> LearnerConfig:
  lc = config.learner
  return LearnerConfig(
      network=network_from(config), update=update_from(config),
      past_policies=past_policies_from(config), learning_rate=lc.learning_rate,
      final_learning_rate=lc.final_learning_rate, num_steps=lc.num_steps,
      training_steps=config_schema.training_steps(config), max_grad_norm=lc.max_grad_norm,
      publish_every=lc.publish_every, checkpoint_every_seconds=lc.checkpoint_every_seconds,
      keep_checkpoints=lc.keep_checkpoints, milestone_checkpoints=lc.milestone_checkpoints,
      publish_target=bool(config.reanalyse.enabled),
      update_priorities=config.replay.kind != "queue", steps_per_call=lc.steps_per_call,
      consistency=(ConsistencyConfig(weight=config.consistency.weight,
                                     projection_size=config.consistency.projection_size,
                                     projection_hidden=config.consistency.projection_hidden)
                   if config.consistency.weight > 0 else None))


def replay_from(config) -> ReplayConfig:
  r, ra = config.replay, config.reanalyse
  reanalyse = None
  if ra.enabled:
    reanalyse = ReanalysedTablesConfig(
        share=config_schema.reanalysed_batch_size(config), worker_batch_size=ra.batch_size,
        source_max_size=ra.source_max_size, max_size=ra.max_size,
        samples_per_insert=ra.samples_per_insert, min_size_to_sample=ra.min_size_to_sample)
  return ReplayConfig(
      kind=r.kind, max_size=r.max_size, priority_exponent=r.priority_exponent,
      samples_per_insert=r.samples_per_insert, min_size_to_sample=r.min_size_to_sample,
      insert_error_buffer=r.insert_error_buffer, batch_size=config.learner.batch_size,
      reanalyse=reanalyse)


def frame_budget_per_actor(config) -> int:
  """Each actor's share of config.actors.max_env_frames (0: none)."""
  return config.actors.max_env_frames // config.actors.num_actors

