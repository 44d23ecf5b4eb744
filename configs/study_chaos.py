"""A small study for `./run.sh bench study_chaos` (issue 13, item 6): tiny
CartPole, MuZero and MuZero + past policies, 2 seeds, 2 runs of 3,000 learner
steps at a time, checkpoints every 2 s; a few minutes uninterrupted on 2
cores (BENCHMARKS.md, "Chaos: a study"). Not a result: the networks are tiny
and the budgets short, so that a study can be SIGKILLed and rerun many times.

    ./run.sh study --config=configs/study_chaos.py --workdir=/tmp/study_chaos
"""
import ml_collections

PVE = (("past_policies.enabled", True), ("past_policies.interval", 20),
       ("past_policies.size", 8), ("past_policies.heads_per_step", 4),
       ("past_policies.sequences_per_step", 8))

TINY = (("learner.batch_size", 16), ("replay.min_size_to_sample", 16),
        ("replay.samples_per_insert", 8.0), ("search.num_simulations", 4),
        ("evaluate.num_simulations", 4), ("actors.envs_per_actor", 4),
        ("evaluate.num_envs", 2), ("network.hidden_sizes", (32,)), ("network.latent_size", 16),
        ("network.head_hidden", 16), ("learner.checkpoint_every_seconds", 2.0),
        ("evaluate.every_steps", 1000), ("learner.num_steps", 3000))


def get_config():
  c = ml_collections.ConfigDict()
  c.name = "chaos"
  c.games = [{"name": "CartPole-v1", "config": "configs/cartpole.py", "overrides": TINY}]
  c.variants = [{"name": "muzero", "overrides": ()},
                {"name": "muzero_pve", "overrides": PVE}]
  c.seeds = [0, 1]
  c.budget = (("scoring.final_episodes", 20), ("evaluate.num_episodes", 4))
  c.workers = 2
  return c
