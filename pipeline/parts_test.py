"""Typed part configs: built from the ConfigDict, frozen, unknown fields rejected in one line."""
import dataclasses

import pytest

from configs import atari57_muzero, cartpole, minatar
from pipeline import config_schema, parts
from pipeline.errors import PipelineError


def test_the_actor_config_carries_what_it_read_from_the_learner_and_replay_sections():
  c = minatar.get_config()
  c.env.name, c.learner.unroll_steps, c.learner.num_steps = "MinAtar/Freeway", 7, 1234
  c.learner.stop_at_step = 600  # the temperature schedule still spans num_steps
  c.replay.sequence_length, c.replay.sequence_overlap = 30, 12
  c.search.acting_epsilon = 0.05
  config_schema.validate(c)
  a = parts.actor_from(c)
  assert a.epsilon_schedule == ((0.0, 0.05),)  # the constant, when no schedule is given
  c.search.acting_epsilon_schedule = ((0.0, 0.5), (0.2, 0.05))
  config_schema.validate(c)
  assert parts.actor_from(c).epsilon_schedule == ((0.0, 0.5), (0.2, 0.05))
  assert a.sequences == parts.SequenceConfig(length=30, overlap=12, pad_steps=7, discount=0.99,
                                             td_lambda=c.learner.td_lambda,
                                             priority_exponent=c.replay.priority_exponent)
  assert a.schedule_steps == 1234 and a.num_envs == 32 and a.env.name == "MinAtar/Freeway"
  assert a.search.num_simulations == 16 and a.search.discount == 0.99
  assert a.temperature_schedule == tuple(tuple(e) for e in c.search.temperature_schedule)
  assert not a.write_reanalyse_source  # reanalyse is off in the MinAtar recipe
  assert a.env.kwargs == (("max_episode_steps", 5000), ("sticky_action_prob", 0.1))  # the keys the game registered


def test_evaluation_and_reanalyse_use_their_own_simulation_counts():
  c = cartpole.get_config()
  c.evaluate.num_simulations, c.reanalyse.num_simulations = 3, 5
  e, r = parts.evaluation_from(c), parts.reanalyse_from(c)
  assert (e.search.num_simulations, r.search.num_simulations) == (3, 5)
  assert e.num_envs == c.evaluate.num_envs and r.batch_size == c.reanalyse.batch_size
  c.reanalyse.num_simulations = 0  # 0: the actors' count
  assert parts.reanalyse_from(c).search.num_simulations == c.search.num_simulations


def test_an_env_config_makes_the_game_it_names():
  env = parts.env_from(cartpole.get_config()).make(seed=3)
  assert env.action_spec().num_values == 2


def test_unknown_fields_are_rejected_with_one_line():
  with pytest.raises(PipelineError) as e:
    parts.make(parts.SequenceConfig, length=20, overlap=10, pad_steps=5, discount=0.99,
               td_lambda=0.95, priority_exponent=1.0, unroll_steps=5)
  assert str(e.value) == ("SequenceConfig has no field 'unroll_steps'; its fields: length, "
                          "overlap, pad_steps, discount, td_lambda, priority_exponent")
  a = parts.actor_from(cartpole.get_config())
  with pytest.raises(PipelineError, match="^ActorConfig has no field 'envs_per_actor'; its fields"):
    parts.replace(a, envs_per_actor=4)
  assert parts.replace(a, num_envs=4).num_envs == 4 and a.num_envs != 4
  with pytest.raises(PipelineError, match="^EnvConfig: .*missing 1 required positional argument"):
    parts.make(parts.EnvConfig)


def test_part_configs_are_frozen():
  a = parts.actor_from(cartpole.get_config())
  with pytest.raises(dataclasses.FrozenInstanceError):
    a.num_envs = 3


def test_the_update_config_folds_the_replay_kind_into_its_fields():
  c = cartpole.get_config()
  c.replay.importance_exponent = 0.4
  u = parts.update_from(c)
  assert u.importance_exponent == 0.4 and u.period == c.replay.sequence_length - c.replay.sequence_overlap
  assert u.loss_weights == (c.learner.value_loss_weight, c.learner.reward_loss_weight,
                            c.learner.policy_loss_weight)
  c.replay.kind = "queue"  # every sequence used once: no importance weights, every step a start
  u = parts.update_from(c)
  assert u.importance_exponent == 0.0 and u.start_rule == "all"  # learner.unroll_starts "auto"


BUILDERS = sorted(name for name in dir(parts) if name.endswith("_from"))


@pytest.mark.parametrize("get_config", [cartpole.get_config, minatar.get_config,
                                        atari57_muzero.get_config])
def test_every_builder_builds_from_the_shipped_configs(get_config):
  c = get_config()
  c.past_policies.enabled = True  # every record built, PastPoliciesConfig too
  config_schema.validate(c)
  assert {"learner_from", "past_policies_from", "replay_from", "network_from"} <= set(BUILDERS)
  for name in BUILDERS:
    assert getattr(parts, name)(c) is not None, name


def _new_records():
  """One of each record the learner and replay parts take, from cartpole."""
  c = cartpole.get_config()
  c.past_policies.enabled = c.reanalyse.enabled = True
  learner, replay = parts.learner_from(c), parts.replay_from(c)
  return [learner, learner.network, learner.past_policies, replay, replay.reanalyse]


@pytest.mark.parametrize("record", _new_records(), ids=lambda r: type(r).__name__)
def test_the_learner_and_replay_records_reject_an_unknown_field_in_one_line(record):
  cls = type(record)
  fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(cls)}
  assert parts.make(cls, **fields) == record
  with pytest.raises(PipelineError) as e:
    parts.make(cls, **fields, batch_sise=8)
  assert str(e.value) == (f"{cls.__name__} has no field 'batch_sise'; its fields: "
                          f"{', '.join(fields)}")
  with pytest.raises(PipelineError, match=f"^{cls.__name__} has no field 'batch_sise'"):
    parts.replace(record, batch_sise=8)


def test_the_learner_and_replay_records_carry_what_the_parts_read():
  c = cartpole.get_config()
  c.learner.num_steps, c.learner.stop_at_step, c.learner.batch_size = 100, 40, 32
  learner, replay = parts.learner_from(c), parts.replay_from(c)
  assert (learner.num_steps, learner.training_steps) == (100, 40)  # the schedules keep 100
  assert learner.past_policies is None and not learner.publish_target  # both off in cartpole
  assert learner.update_priorities and learner.update == parts.update_from(c)
  assert learner.network.hidden_sizes == tuple(c.network.hidden_sizes)
  assert replay.reanalyse is None and replay.batch_size == 32
  c.reanalyse.enabled, c.reanalyse.fraction = True, 0.25
  c.past_policies.enabled, c.past_policies.start_step = True, 7
  learner, replay = parts.learner_from(c), parts.replay_from(c)
  assert learner.publish_target and learner.past_policies.start_step == 7
  assert learner.past_policies.value_support == c.network.value_support
  assert replay.reanalyse.share == config_schema.reanalysed_batch_size(c) == 8
  c.replay.kind, c.reanalyse.enabled = "queue", False
  assert not parts.learner_from(c).update_priorities  # a queue's items are gone once sampled
