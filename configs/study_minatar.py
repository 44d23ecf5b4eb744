"""The PVE paper's comparison at laptop scale: MuZero against MuZero + past
policies on CartPole and the five MinAtar games, 3 seeds each, in the replay
setting; plus the paper's own on-policy setting (a queue: every sequence is
trained on once) on CartPole and MinAtar Breakout.

    ./run.sh study --config=configs/study_minatar.py --workdir=/work/study_minatar \
        --archive=docs/study_minatar

48 runs, 2 at a time, sized for about 3 hours on 2 cores (BENCHMARKS.md has
the measured wall-clock). Stop it at any time; the same command resumes it:
finished runs are kept, interrupted ones resume from their checkpoints.

Budgets are learner steps, equal for the two variants of a game, and every
run keeps its recipe's schedules (learning rate, acting temperature): a
shorter budget stops the recipe early (learner.stop_at_step) instead of
compressing its schedules (BENCHMARKS.md, "Budgets that compress the
schedules").
  * CartPole-v1: the recipe (configs/cartpole.py, 5,000-step schedules)
    stopped at 2,000 steps (about 100k frames), no early stop at 475.
  * MinAtar: the recipe (configs/minatar.py): 6,000 learner steps at 64
    samples per inserted sequence (about 60k agent steps; MinAtar has no
    frame skip, so frames = agent steps). Sticky actions with probability 0.1,
    MinAtar's default (pipeline/envs/minatar.py), all 6 actions in every game.
    Freeway keeps the earlier recipe (16 samples per insert, 4,000-step
    schedules stopped at 2,000 steps, 8 envs per actor): its episodes last
    2,500 steps, so 32 envs would end none within the budget, and at 64
    samples per insert its one measured run fell back over training
    (docs/minatar_dqn/).
  * On-policy (replay.kind = "queue", every sequence used once, every step
    an unroll start): batch 16 sequences, so that the actor can keep up;
    600 steps on each (CartPole about 150k frames, Breakout about 80k), the
    schedules over those 600 steps, as in the 2,000-step study.
Every run evaluates greedily (10 episodes) through training, for the
evaluation curves, and scores by the mean of its final 200 self-play
episodes (the paper's Table 3 rule).

The earlier version of this study (2,000 steps on every game, schedules
compressed into them, 16 samples per insert) is configs/study_minatar_2000.py,
its results docs/study_minatar_2000/.
"""
import ml_collections

# Past policies at laptop scale: 32 stored heads, a snapshot every 20 steps,
# 8 heads drawn per step and the loss on 16 of the batch's sequences (each an
# unbiased estimate: with all 64 sequences a MinAtar step took 2.6x as long,
# with 16 1.5x; BENCHMARKS.md, past-policies cost). Equal in every study config
# (pipeline/study_test.py).
PVE = (("past_policies.enabled", True), ("past_policies.interval", 20),
       ("past_policies.size", 32), ("past_policies.heads_per_step", 8),
       ("past_policies.sequences_per_step", 16))

MINATAR = ("Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders")
# The MinAtar recipe's budget (configs/minatar.py), stated so that both variants
# of a game visibly share it.
MINATAR_RECIPE = (("learner.num_steps", 6000), ("evaluate.every_steps", 1000))
# Freeway's episodes last 2,500 steps: with 32 envs the budget would end no
# episode (nothing to score); with 8, a few dozen.
PER_GAME = {"Freeway": (("actors.envs_per_actor", 8),
                        ("replay.samples_per_insert", 16.0), ("learner.num_steps", 4000),
                        ("learner.stop_at_step", 2000), ("evaluate.every_steps", 500))}
ON_POLICY = (("replay.kind", "queue"), ("learner.batch_size", 16),
             ("replay.min_size_to_sample", 16))


def get_config():
  # Overrides are (dotted config key, value) pairs (ConfigDict keys cannot hold dots).
  c = ml_collections.ConfigDict()
  c.name = "minatar"
  cartpole = {"name": "CartPole-v1", "config": "configs/cartpole.py",
              "overrides": (("learner.num_steps", 5000), ("learner.stop_at_step", 2000),
                            ("evaluate.target_return", 0.0), ("evaluate.every_steps", 250))}
  minatar = [{"name": f"MinAtar/{g}", "config": "configs/minatar.py",
              "overrides": MINATAR_RECIPE + PER_GAME.get(g, ())}
             for g in MINATAR]
  on_policy = [
      {"name": "CartPole-v1", "config": "configs/cartpole.py", "setting": "on-policy",
       "overrides": (("learner.num_steps", 600), ("evaluate.target_return", 0.0),
                     ("evaluate.every_steps", 150)) + ON_POLICY},
      {"name": "MinAtar/Breakout", "config": "configs/minatar.py", "setting": "on-policy",
       "overrides": (("learner.num_steps", 600), ("evaluate.every_steps", 150),
                     ("replay.samples_per_insert", 16.0)) + ON_POLICY},
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
