"""A one-game Atari study on a CPU: Pong with the small network and reanalyse on,
MuZero against MuZero + past policies, one seed; a few minutes per run.

    ./run.sh study --config=configs/study_atari_small.py --workdir=runs/study_atari_small
    ./run.sh tables --workdir=runs/study_atari_small --episodes=eval

It proves the staged pipeline on real ROMs (kill it, run it again: it resumes;
`./run.sh bench atari_resume` does exactly that and checks the result); it is
far too short to learn Pong.
"""
import ml_collections

PVE = (("past_policies.enabled", True), ("past_policies.interval", 20),
       ("past_policies.size", 32), ("past_policies.heads_per_step", 8))


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "atari_small"
  c.games = [{"name": "Atari/pong", "config": "configs/atari_small.py", "overrides": ()}]
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "muzero_pve", "overrides": PVE},
  ]
  c.seeds = [0]
  # 2 samples per insert: ~40 env steps per learner step, so that every env
  # finishes a few games of Pong (~820 agent steps each) within the budget.
  c.budget = (("learner.num_steps", 500), ("replay.samples_per_insert", 2.0),
              ("reanalyse.enabled", True),
              ("learner.checkpoint_every_seconds", 15.0), ("evaluate.num_episodes", 2),
              ("scoring.final_episodes", 2))
  c.workers = 1
  return c
