"""MuZero on Lunar Lander (gymnasium's LunarLander-v3, Box2D), for a 2-core laptop.

    ./run.sh pipeline --config=configs/lunarlander.py --workdir=runs/lunarlander

The CartPole recipe (configs/cartpole.py: its search, replay, TD(lambda) and
learning-rate schedule, XLA) with what this game needs changed below. It
learns: the five seeds of configs/study_analysis_lunarlander.py (no early
stop) went from -130 to -460 (greedy, 10 episodes) at 2,000 steps to above
200 at some evaluation; seeds 0 and 4 hold it, seeds 1-3 swing by 100-200
after step 12,000 (final 252, 60, 160, 202, 254), about 1.03M frames in
514-854 s a run on 2 cores (BENCHMARKS.md, "Lunar Lander learns").

* 8 observations, 4 actions; episodes end by a crash or leaving the screen
  (-100), by coming to rest (+100), or at gymnasium's 1000-step limit.
* Discount 0.99 (CartPole: 0.997), the usual one for this game: the reward
  is dense (a shaping term every step) and the landing bonus is at most a
  few hundred steps away.
* Reward support 11: single rewards reach +-100, h(100) = 10.05 (CartPole's
  rewards are 1, support 3). Value support 20 covers |returns| up to ~330
  (h(330) = 20.5); discounted returns stay well inside.
* A wider torso (128, 128): the observation is twice CartPole's and the
  dynamics (thrust, contact) are harder to predict.
"""
from configs import cartpole


def get_config():
  c = cartpole.get_config()
  c.env.name = "LunarLander-v3"
  c.env.max_episode_steps = 1_000   # gymnasium's own limit, stated
  c.discount = 0.99
  c.network.hidden_sizes = (128, 128)
  c.network.value_support = 20
  c.network.reward_support = 11
  c.replay.max_size = 5_000         # sequences of 40 (20 new steps each): 100k steps
  c.learner.num_steps = 20_000
  c.evaluate.num_episodes = 10
  c.evaluate.num_envs = 10
  # Evaluate every 1,000 learner steps; stop once 10 episodes average 200
  # (the score at which the game counts as solved).
  c.evaluate.every_steps = 1_000
  c.evaluate.target_return = 200.0
  return c
