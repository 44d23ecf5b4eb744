"""MuZero on a MinAtar game with a spatial latent and one convolution per function: the
race recipe for Asterix, where configs/minatar_convmlp.py's flat latent stays at random.

    ./run.sh pipeline --config=configs/minatar_smallconv.py --config.env.name=MinAtar/Asterix \
        --workdir=runs/asterix_smallconv

configs/minatar_convmlp.py (batch 32, 80,000 steps, its temperature schedule) with the
residual recipe's network shape and no residual blocks (`network.num_blocks = 0`):
  * representation: one padded 3x3 convolution of 16 channels (ReLU), min-max scaled: the
    latent is 10x10x16, one cell per board cell;
  * dynamics: the latent with the action as one-hot planes, a 3x3 convolution (ReLU) and a
    3x3 convolution, min-max scaled: each step moves what it moves through the board's
    geometry, which the flat latent's MLP has to learn per cell;
  * heads as before (hidden 64, on the flattened latent); no XLA (oneDNN's convolutions are
    twice as fast on CPU, BENCHMARKS.md "Where a MinAtar step goes").
About 38-41 learner steps/s with the machine's 2 cores to itself (convmlp ~95): 11 minutes make
~125-130k frames. Measured on Asterix against MinAtar's DQN on the same machine
(docs/minatar_dqn_s18/), running average of training returns at 240 / 360 / 600 s: seed 0
1.22 / 1.80 / 2.47 and seed 1 1.05 / 1.36 / 2.17 (seed 1 on one core: 1.40 / 2.01 / 3.44)
against DQN's 0.57 / 0.58 / 0.80; greedy 1.45-4.45 against 0.60. On SpaceInvaders at one
core it was no better than convmlp (12.3 at 91k frames), so the other games keep
configs/minatar_convmlp.py.
"""
import importlib.util
import os

_BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "minatar_convmlp.py")


def get_config():
  spec = importlib.util.spec_from_file_location("minatar_convmlp", _BASE)
  base = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(base)
  c = base.get_config()
  c.env.name = "MinAtar/Asterix"
  c.network.torso = "resconv"
  c.network.num_blocks = 0
  c.learner.jit_compile = False
  return c
