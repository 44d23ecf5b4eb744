"""MuZero on a MinAtar game with DQN-sized functions: ~3x the frames per second of
configs/minatar.py on one core, for the race against MinAtar's DQN at equal wall-clock.

    ./run.sh pipeline --config=configs/minatar_convmlp.py --config.env.name=MinAtar/Breakout \
        --workdir=runs/breakout_convmlp

configs/minatar.py with another network and the learner settings it allows:
  * network "convmlp": one unpadded 3x3 convolution of 16 channels (MinAtar's DQN's),
    one hidden layer of 256, a latent of 128 (min-max scaled); the dynamics an MLP on
    the latent and the action's one-hot (256 hidden); the heads as before (hidden 64).
    A learner step of batch 32 runs ~157 steps/s alone on one core with XLA, the
    residual-convolution recipe's ~32;
  * learner: batch 32 (more updates per frame at the same 64 samples per insert),
    XLA-compiled (it pays for dense layers; not for the recipe's convolutions),
    80,000 steps (~85 a second with the machine's 2 cores to itself: 11 minutes make
    ~55,000 steps and ~270k frames);
  * learner.steps_per_call 10: ten steps per compiled call (the same updates; one call's
    overhead). On one core beside another run (SpaceInvaders' race recipe, seeds 0-2,
    docs/minatar_dqn_s24/): 1.17x the learner steps in 11 minutes (24,777 against 21,181
    on the mean of three pairs), 108k frames at 600 s against 93k;
  * acting temperature 1 for the first 10% of the steps, 0.5 to 20%, 0.25 after (the
    recipe's halves and quarters leave an 11-minute race at temperature 1 most of the
    time): SpaceInvaders, alone on 2 cores, 11.8 at 240 s against 8.0 and 14.8 at
    ~645 s against 13.8 (one seed, docs/minatar_dqn_s17/).
Measured against DQN with the machine to itself (docs/minatar_dqn_s17/, BENCHMARKS.md
"MuZero with the machine to itself"): ahead on Breakout, Seaquest and Freeway by training
returns; behind on SpaceInvaders (12.6-13.8 against 21-24 after 10 minutes) and Asterix
(the random level). Asterix has its own recipe, configs/minatar_smallconv.py (a spatial
latent: ahead of DQN from 240 s, docs/minatar_dqn_s18/). SpaceInvaders' plateau is an agent
that parks at an edge and a model that cannot value the escape it never takes there
(docs/minatar_dqn_s18/); stronger root noise or search.acting_epsilon did not lift it to
DQN's level, EfficientZero's consistency loss with that noise narrows the gap to 2-4 points
(configs/minatar_race.py:space_invaders, docs/minatar_dqn_s19/). The studies keep
configs/minatar.py (their committed results are its).
"""
import importlib.util
import os

_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "minatar.py")


def get_config():
  spec = importlib.util.spec_from_file_location("minatar_recipe", _RECIPE)
  recipe = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(recipe)
  c = recipe.get_config()
  c.network.torso = "convmlp"
  c.network.channels = 16
  c.network.hidden_sizes = (256,)
  c.network.latent_size = 128
  c.learner.batch_size = 32
  c.learner.jit_compile = True
  c.learner.num_steps = 80_000
  c.learner.steps_per_call = 10
  c.search.temperature_schedule = ((0.0, 1.0), (0.1, 0.5), (0.2, 0.25))
  return c
