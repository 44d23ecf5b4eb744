"""MuZero on CartPole-v1, sized for a 2-core laptop.

    ./run.sh pipeline --config=configs/cartpole.py --workdir=runs/cartpole
"""
from pipeline import config_schema


def get_config():
  c = config_schema.base_config()
  c.env.name = "CartPole-v1"
  c.discount = 0.997
  c.network.torso = "mlp"
  c.network.hidden_sizes = (64, 64)
  c.network.latent_size = 64
  c.network.head_hidden = 64
  c.network.value_support = 25   # h(333) ~ 20.6 covers CartPole's discounted returns
  c.network.reward_support = 3
  c.search.num_simulations = 25
  c.search.temperature_schedule = ((0.0, 1.0), (0.3, 0.5), (0.6, 0.25))
  c.replay.kind = "prioritised"
  # Reanalyse (on by default with a replay buffer) is off here: on 2 cores a
  # reanalyse worker competes with the actor and learner for CPU.
  c.reanalyse.enabled = False
  c.replay.max_size = 5_000
  c.replay.sequence_length = 20
  c.replay.sequence_overlap = 10
  c.replay.samples_per_insert = 24.0
  c.replay.min_size_to_sample = 256
  c.learner.batch_size = 64
  c.learner.learning_rate = 3e-3
  c.learner.final_learning_rate = 3e-4
  c.learner.num_steps = 5_000
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 32
  c.evaluate.num_episodes = 20
  c.evaluate.num_envs = 20
  # Evaluate every 500 learner steps; stop once 20 episodes average 475.
  c.evaluate.every_steps = 500
  c.evaluate.target_return = 475.0
  return c
