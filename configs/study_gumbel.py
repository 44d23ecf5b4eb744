"""Issue 14, item 2: Gumbel MuZero against pUCT at the recipes' simulation
counts, side by side, on CartPole-v1 (time and frames to a greedy 475) and
MinAtar Breakout (its curve over a fixed budget), 3 seeds:

    ./run.sh study --config=configs/study_gumbel.py --workdir=/work/study_gumbel

  * muzero:    pUCT, the recipe's simulations (CartPole 25, MinAtar 16: configs/*.py)
  * gumbel_4:  Gumbel MuZero with 4 simulations (m = 4 considered root actions)
  * gumbel_8:  Gumbel MuZero with 8 simulations (m = 8)
Gumbel's evaluation uses the same simulations and no noise (the greedy choice).
Budgets: CartPole up to its recipe's 5,000 steps, stopping at a greedy 475
(result.json's target_reached has the step, seconds and frames); Breakout
3,000 steps of its recipe's 6,000-step schedule (learner.stop_at_step).
"""
import ml_collections


def _gumbel(sims):
  return (("search.kind", "gumbel"), ("search.num_simulations", sims),
          ("evaluate.num_simulations", sims), ("search.gumbel_max_considered", sims))


def get_config(budget: str = "steps"):
  """budget "steps": the study above; "20min": Breakout only, each run trained for
  20 minutes of its own wall-clock (learner.stop_after_seconds) on the recipe
  with its schedules stretched over 12,000 steps (on the recipe's 6,000 the
  first runs finished in 10.7 min, 2 at a time on a quiet 2-core machine:
  about 9.4 steps/s, so 20 minutes reach about 11,000 steps and the clock,
  not the schedule, ends a run):

    ./run.sh study --config=configs/study_gumbel.py:20min --workdir=/work/study_gumbel_20min
  """
  if budget not in ("steps", "20min"):
    raise ValueError(f"configs/study_gumbel.py:{budget}: expected :steps or :20min")
  c = ml_collections.ConfigDict()
  c.name = "gumbel" if budget == "steps" else "gumbel_breakout_20min"
  breakout_budget = (("learner.stop_at_step", 3000),) if budget == "steps" else (
      ("learner.num_steps", 12000), ("learner.stop_after_seconds", 1200.0))
  c.games = [
      {"name": "CartPole-v1", "config": "configs/cartpole.py",
       "overrides": (("evaluate.every_steps", 250),)},
      {"name": "MinAtar/Breakout", "config": "configs/minatar.py",
       "overrides": breakout_budget + (("evaluate.every_steps", 500 if budget == "steps" else 1000),)},
  ][0 if budget == "steps" else 1:]
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "gumbel_4", "overrides": _gumbel(4)},
      {"name": "gumbel_8", "overrides": _gumbel(8)},
  ]
  c.seeds = [0, 1, 2]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
