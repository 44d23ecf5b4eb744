"""The first version of the MinAtar study (configs/study_minatar.py), kept so
that its results (docs/study_minatar_2000/, made when this file was
configs/study_minatar.py, at commit afd65a4) stay reproducible: 2,000
learner steps on every game with the recipes' schedules compressed into them,
16 samples per insert.

    ./run.sh study --config=configs/study_minatar_2000.py --workdir=/work/study_minatar_2000 \
        --archive=docs/study_minatar_2000

48 runs, 2 at a time, sized for about 3 hours on 2 cores (BENCHMARKS.md has
the measured wall-clock). Stop it at any time; the same command resumes it:
finished runs are kept, interrupted ones resume from their checkpoints.

Budgets are learner steps, equal for the two variants of a game:
  * CartPole-v1: 2,000 steps (about 110k frames), no early stop at 475.
  * MinAtar: 2,000 steps (about 65k agent steps; MinAtar has no frame skip,
    so frames = agent steps). Sticky actions with probability 0.1, MinAtar's
    default (pipeline/envs/minatar.py), all 6 actions in every game. Freeway
    plays 8 envs per actor instead of 32: its episodes last 2,500 steps, and
    with 32 none would end within the budget.
  * On-policy (replay.kind = "queue", every sequence used once, every step
    an unroll start): batch 16 sequences, so that the actor can keep up;
    600 steps on each (CartPole about 190k frames, Breakout about 100k).
Every run evaluates greedily (10 episodes) through training, for the
evaluation curves, and scores by the mean of its final 200 self-play
episodes (the paper's Table 3 rule).
"""
import ml_collections

from configs.study_minatar import MINATAR, ON_POLICY, PVE

# Freeway's episodes last 2,500 steps: with 32 envs the budget's ~74k frames
# would end no episode (nothing to score); with 8, about 29.
PER_GAME_2000 = {"Freeway": (("actors.envs_per_actor", 8),)}
# The MinAtar replay ratio these studies were run with (configs/minatar.py now uses 64).
SPI_16 = (("replay.samples_per_insert", 16.0),)


def get_config():
  # Overrides are (dotted config key, value) pairs (ConfigDict keys cannot hold dots).
  c = ml_collections.ConfigDict()
  c.name = "minatar_2000"
  cartpole = {"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": (("learner.num_steps", 2000), ("evaluate.target_return", 0.0),
                            ("evaluate.every_steps", 250))}
  minatar = [{"name": f"MinAtar/{g}", "config": "configs/minatar.py",
              "overrides": (("learner.num_steps", 2000), ("evaluate.every_steps", 500))
              + SPI_16 + PER_GAME_2000.get(g, ())}
             for g in MINATAR]
  on_policy = [
      {"name": "CartPole-v1", "config": "configs/cartpole.py", "setting": "on-policy",
       "overrides": (("learner.num_steps", 600), ("evaluate.target_return", 0.0),
                     ("evaluate.every_steps", 150)) + ON_POLICY},
      {"name": "MinAtar/Breakout", "config": "configs/minatar.py", "setting": "on-policy",
       "overrides": (("learner.num_steps", 600), ("evaluate.every_steps", 150)) + SPI_16
                     + ON_POLICY},
  ]
  c.games = [cartpole] + minatar + on_policy
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "muzero_pve", "overrides": PVE},
  ]
  c.seeds = [0, 1, 2]
  c.budget = (("scoring.final_episodes", 200), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
