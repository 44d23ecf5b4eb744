"""The default study of `./run.sh`: MuZero against MuZero + past policies (PVE)
on CartPole and MinAtar Freeway, 3 seeds each, sized for at most 30 minutes on
2 cores (BENCHMARKS.md, "The default study").

    ./run.sh study --config=configs/study_default.py --workdir=runs/study_default

Budgets, equal for the two variants of a game:
  * CartPole-v1: the whole recipe (configs/cartpole.py, 5,000 learner steps),
    stopping early once a greedy evaluation (20 episodes, every 250 steps)
    averages 475. At 3,000 steps 1 of 3 muzero seeds ended below 400
    (BENCHMARKS.md, the default study); alone on the machine the recipe's
    5,000 reached 475 or ended above 400 on every seed measured (BENCHMARKS.md,
    CartPole), but two at a time in this study seed 2 ended at 317.
  * MinAtar/Freeway: 1,000 learner steps (about 40k agent steps) of the
    recipe it was measured with (4,000-step schedules, 16 samples per insert),
    8 envs per actor (its episodes last 2,500 steps). At 500 steps (each env
    has played one episode) 1 of 5 measured muzero runs had not started (0.2,
    random 0.155); at step 1,000 all 5 measured muzero runs were at 9.6-26.6
    (BENCHMARKS.md, the default study; docs/study_minatar/).
  Measured from a fresh clone (BENCHMARKS.md): 25.8 minutes, every muzero
  run learned (CartPole 475-500 on all seeds, Freeway 19.0 / 24.7 / 2.6).
  With Freeway at 500 steps it was 19.5 minutes, but CartPole seed 2 ended at
  317 and Freeway seed 0 at 0.2.
  Freeway stops its recipe early with learner.stop_at_step, so the learning
  rate and the acting temperature follow the recipe's schedules instead of
  ones compressed into the short budget (BENCHMARKS.md, "Budgets and
  schedules"). Freeway is the MinAtar game that learns within this budget;
  Breakout and the others need more (configs/study_minatar.py and
  docs/study_minatar/ show by how much).
The study shows the whole method at laptop scale (multi-seed runs, per-seed
scores over the final episodes, rliable intervals, the Wilcoxon test, which
over 2 games cannot reach significance), not the paper's numbers.
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


def get_config():
  # Overrides are (dotted config key, value) pairs (ConfigDict keys cannot hold dots).
  c = ml_collections.ConfigDict()
  c.name = "default"
  c.games = [
      {"name": "CartPole-v1", "config": "configs/cartpole.py",
       "overrides": (("learner.num_steps", 5000), ("evaluate.every_steps", 250),
                     ("evaluate.target_return", 475.0), ("evaluate.num_episodes", 20),
                     ("evaluate.num_envs", 20))},
      {"name": "MinAtar/Freeway", "config": "configs/minatar.py",
       # The recipe this study was measured with: 4,000 steps, 16 samples per insert.
       "overrides": (("learner.num_steps", 4000), ("replay.samples_per_insert", 16.0),
                     ("learner.stop_at_step", 1000), ("actors.envs_per_actor", 8),
                     ("evaluate.every_steps", 500))},
  ]
  c.variants = [
      {"name": "muzero", "overrides": ()},
      {"name": "muzero_pve", "overrides": PVE},
  ]
  c.seeds = [0, 1, 2]
  # Every run: the score is the mean return of its final 50 self-play episodes.
  c.budget = (("scoring.final_episodes", 50), ("evaluate.num_episodes", 10),
              ("evaluate.num_envs", 10))
  c.workers = 2
  return c
