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
  # Long sequences and lambda 0.95: the cart's slow drift out of bounds shows
  # up ~100 steps after its cause; with lambda 0.8 and 20-step sequences many
  # runs settled on a 110-170 plateau (BENCHMARKS.md, the recipe sweep).
  c.replay.max_size = 2_500        # sequences: 50k steps, as before
  c.replay.sequence_length = 40
  c.replay.sequence_overlap = 20
  c.replay.samples_per_insert = 24.0
  c.replay.min_size_to_sample = 256
  c.learner.batch_size = 64
  c.learner.td_lambda = 0.95
  c.learner.learning_rate = 3e-3
  c.learner.final_learning_rate = 3e-4
  c.learner.num_steps = 5_000
  # XLA: the whole update is one fused program, 1.7x the plain graph here
  # (BENCHMARKS.md, learner throughput).
  c.learner.jit_compile = True
  c.actors.num_actors = 1
  c.actors.envs_per_actor = 32
  c.evaluate.num_episodes = 20
  c.evaluate.num_envs = 20
  # Evaluate every 250 learner steps; stop once 20 episodes average 475.
  c.evaluate.every_steps = 250
  c.evaluate.target_return = 475.0
  return c
