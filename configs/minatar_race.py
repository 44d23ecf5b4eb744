"""The best measured recipe per MinAtar game for the race against MinAtar's DQN at equal
wall-clock on 2 cores (issue 12), one config with the game as its argument:

    ./run.sh pipeline --config=configs/minatar_race.py:space_invaders --workdir=runs/si_race
    ./run.sh bench minatar_dqn --game=space_invaders \
        --muzero_config=configs/minatar_race.py:space_invaders

  * asterix: configs/minatar_smallconv.py (a spatial latent; docs/minatar_dqn_s18/);
  * space_invaders: configs/minatar_convmlp.py with EfficientZero's consistency loss
    (weight 8), stronger root noise (Dirichlet alpha 1, fraction 0.5) and an unroll of 3
    steps instead of 5. At 600 s on one core, seven runs: 15.7-30.2, mean 22.8 (five ahead
    of DQN's 21.0; greedy 18.8-32.5, mean 25.8), against 17.7 with the unroll of 5 (three
    runs); against the mean of three DQN runs (docs/minatar_dqn_s23/) ahead at 120 and 240 s,
    behind at 360 s (17.1 against 18.7), level at 480 s (20.3 against 20.6), ahead of
    DQN's final 21.4 at 600 s. On two cores (three runs) it is no better: 18.5 at 600 s.
    On a host at half that speed (session 24, docs/minatar_dqn_s24/) every run was ahead of
    DQN's at every mark (9.9 against 6.0 at 360 s, three runs against one).
    With ten steps a call on a host of session 23's speed (session 25,
    docs/minatar_dqn_s25/), three runs against three of DQN: ahead at 120 and 240 s, behind
    from 360 s (16.0 against 17.2; 18.1 against DQN's final 21.3 at ~600 s), and behind by
    frames from ~85k.
    Not better (docs/minatar_dqn_s19/ to s23/): consistency weight 16, projection heads,
    TD(lambda) 0.95 or 0.5, replays of 3,000 or 1,500 sequences, priority exponent 0.6,
    value loss weight 1, 48 or 8 simulations, an annealed acting epsilon, reanalyse, Gumbel
    MuZero, an unroll of 2, an earlier temperature schedule; a later one (session 25:
    better at 600 s, worse at 360 s), every start of a sequence trained (session 25);
    uniform replay, an acting epsilon of 0.1 from 20% of the steps (session 26). The
    temperature's 0.25 moved to 40% (session 26, five runs): lower at 360 s (14.8 against
    15.9), level at 480-600 s, greedy 26.8 against 21.6 (DQN 27.5), docs/minatar_dqn_s26/;
  * breakout: configs/minatar_convmlp.py with an unroll of 3 steps: on one core, five runs
    (three side by side with three of the unroll of 5) ahead of three DQN runs, mean
    against mean, at every mark (4.70 against 4.21 at 360 s, where the unroll of 5 was at
    4.10; 5.52 at 600 s against DQN's final 4.96), docs/minatar_dqn_s23/. The consistency
    settings of space_invaders were no better on Breakout (docs/minatar_dqn_s19/);
  * freeway, seaquest: configs/minatar_convmlp.py (docs/minatar_dqn_s17/, s19/).
With ten steps a call (sessions 25-26 on one host, docs/minatar_dqn_s26/, two runs against two
of DQN per game): Breakout, Asterix and Seaquest ahead of DQN's mean at every mark; Freeway
level by the running average to 480 s and far ahead in greedy play (16.1 against 2.4);
SpaceInvaders behind from 360 s (four runs against three).
Every game runs 10 learner steps per compiled call (configs/minatar_convmlp.py; measured on
SpaceInvaders only: 1.17x the learner steps in 11 minutes on one core, docs/minatar_dqn_s24/).
"""
import importlib.util
import os

GAMES = {"asterix": "Asterix", "breakout": "Breakout", "freeway": "Freeway",
         "seaquest": "Seaquest", "space_invaders": "SpaceInvaders"}


def _load(name):
  path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
  spec = importlib.util.spec_from_file_location(name[:-3], path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()


def get_config(game: str = "breakout"):
  if game not in GAMES:
    raise ValueError(f"configs/minatar_race.py:{game}: expected one of {', '.join(GAMES)}")
  c = _load("minatar_smallconv.py" if game == "asterix" else "minatar_convmlp.py")
  c.env.name = f"MinAtar/{GAMES[game]}"
  if game in ("breakout", "space_invaders"):
    c.learner.unroll_steps = 3
  if game == "space_invaders":
    c.consistency.weight = 8.0
    c.search.dirichlet_alpha = 1.0
    c.search.dirichlet_fraction = 0.5
  return c
