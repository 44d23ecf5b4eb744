"""MuZero on Atari Pong with a small network, for a few minutes on a 2-core CPU.

    ./run.sh pipeline --config=configs/atari_small.py --workdir=runs/atari_small
    ./run.sh pipeline --config=configs/atari_small.py:breakout --workdir=runs/atari_small_breakout

The paper's Table 1 preprocessing (96x96 grayscale, 4 repeats max-pooled,
no-op starts, life-loss endings in training, 108,000-frame cap) with MuZero's
Atari network shrunk to ~0.5M parameters (32 channels, one residual block
per stage and per function), 4 stacked frames and actions, 8 simulations.
It proves the pipeline end to end on real ROMs; it will not learn the game
in minutes. Pong because every game ends in bounded time whatever the agent
does (the opponent serves; a random game is ~3,300 frames, ~820 agent steps).
In Breakout a greedy untrained agent that never presses FIRE plays until
the 108,000-frame cap (27,000 steps), which makes evaluation slow.
"""
from pipeline import config_schema


def get_config(game: str = "pong"):
  c = config_schema.base_config()
  c.env.name = game if game.startswith("Atari/") else f"Atari/{game}"
  # Table 1 (the schema's defaults; restated for the reader).
  c.env.noop_max = 30
  c.env.terminal_on_life_loss = True
  c.env.full_action_space = False
  c.env.max_episode_frames = 108_000
  c.env.frame_size = (96, 96)
  c.env.grayscale = True
  c.env.action_repeat = 4
  c.env.max_pool_frames = 4
  c.env.frame_stack = 4
  c.env.action_planes = True
  c.env.repeat_action_probability = 0.0
  c.discount = 0.997
  c.network.torso = "atari"
  c.network.channels = 32
  c.network.downsample_blocks = (1, 1, 1)
  c.network.num_blocks = 1
  c.network.head_hidden = 32
  c.network.value_support = 20
  c.network.reward_support = 5
  c.search.num_simulations = 8
  c.replay.kind = "prioritised"
  c.replay.max_size = 2_000
  c.replay.sequence_length = 20
  c.replay.sequence_overlap = 10
  c.replay.samples_per_insert = 4.0
  c.replay.min_size_to_sample = 32
  c.learner.batch_size = 16
  c.learner.learning_rate = 1e-3
  c.learner.final_learning_rate = 1e-4
  c.learner.num_steps = 300
  c.learner.publish_every = 10
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 8
  c.evaluate.num_episodes = 2
  c.evaluate.num_envs = 2
  c.evaluate.num_simulations = 8
  c.scoring.final_episodes = 10
  return c
