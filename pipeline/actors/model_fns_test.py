"""The acting schedules (model_fns.scheduled, selfplay.exploration) on hand-computed points."""
import pytest

from pipeline.actors.model_fns import scheduled


def test_a_step_schedule_holds_each_value_from_its_start_to_the_next():
  schedule = ((0.0, 0.5), (0.2, 0.1), (0.5, 0.0))
  # Before, at and after each start (progress = learner steps / the schedule's steps).
  expected = {0.0: 0.5, 0.1: 0.5, 0.2: 0.1, 0.49: 0.1, 0.5: 0.0, 1.0: 0.0, 1.7: 0.0}
  assert {p: scheduled(schedule, p) for p in expected} == pytest.approx(expected)


def test_a_single_entry_is_a_constant():
  assert [scheduled(((0.0, 0.25),), p) for p in (0.0, 0.6, 1.0)] == [0.25, 0.25, 0.25]


def test_the_actor_anneals_temperature_and_epsilon_over_the_learners_steps():
  from configs import minatar
  from pipeline import config_schema, parts
  from pipeline.actors.selfplay import exploration
  c = minatar.get_config()
  c.learner.num_steps = 1000
  c.search.temperature_schedule = ((0.0, 1.0), (0.5, 0.25))
  c.search.acting_epsilon_schedule = ((0.0, 0.3), (0.1, 0.1), (0.2, 0.0))
  config_schema.validate(c)
  a = parts.actor_from(c)
  # Learner step (the parameters' version) -> (temperature, epsilon); -1: none yet.
  expected = {-1: (1.0, 0.3), 0: (1.0, 0.3), 99: (1.0, 0.3), 100: (1.0, 0.1), 250: (1.0, 0.0),
              500: (0.25, 0.0), 2000: (0.25, 0.0)}
  assert {v: exploration(a, v) for v in expected} == expected
  c.search.acting_epsilon_schedule, c.search.acting_epsilon = (), 0.05   # the constant
  assert exploration(parts.actor_from(c), 700) == (0.25, 0.05)
