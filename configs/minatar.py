"""MuZero on a MinAtar game (10x10 image observations), for a 2-core laptop.

    ./run.sh pipeline --config=configs/minatar.py --config.env.name=MinAtar/Breakout \
        --workdir=runs/breakout
Games: MinAtar/Asterix, Breakout, Freeway, Seaquest, SpaceInvaders.
"""
from pipeline import config_schema


def get_config():
  c = config_schema.base_config()
  c.env.name = "MinAtar/Breakout"
  c.env.max_episode_steps = 5_000
  c.discount = 0.99
  c.network.torso = "resconv"
  c.network.channels = 16
  c.network.num_blocks = 1
  c.network.head_hidden = 64
  c.network.value_support = 20
  c.network.reward_support = 5
  c.search.num_simulations = 16
  c.replay.max_size = 10_000
  # Reanalyse (on by default with a replay buffer) is off here: on 2 cores a
  # reanalyse worker competes with the actor and learner for CPU.
  c.reanalyse.enabled = False
  c.replay.sequence_length = 20
  c.replay.sequence_overlap = 10
  # 64 samples per inserted sequence (6.4 unrolls per new frame): on Breakout
  # greedy 2.8 at 51k frames against 0.5 with 16 at the same frames, and 3.2
  # after 520 s against 1.5 after 466 s (BENCHMARKS.md, "MuZero against
  # MinAtar's DQN"). Studies measured with 16 set it explicitly.
  c.replay.samples_per_insert = 64.0
  c.replay.min_size_to_sample = 256
  c.learner.batch_size = 64
  c.learner.learning_rate = 2e-3
  c.learner.final_learning_rate = 2e-4
  c.learner.num_steps = 6_000  # about 50k frames, 8 minutes on one core
  # No XLA: its CPU convolutions run at half the speed of the default
  # (oneDNN) kernels for these 16-channel 10x10 layers (BENCHMARKS.md).
  c.learner.jit_compile = False
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 32
  c.evaluate.num_episodes = 20
  c.evaluate.num_envs = 20
  c.evaluate.num_simulations = 16
  return c
