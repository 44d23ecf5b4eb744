"""Four Rooms, Figure 3 on the paper's data, trained long enough for the order-k classes to plan.

    ./run.sh four_rooms --config=configs/four_rooms_long.py --workdir=/work/four_rooms_long

The paper's data (random policies, half deterministic, half stochastic; path_policy_fraction 0)
with the optimiser that made k = 30 models converge in the benchmark: Adam, minibatch 50,
learning rate 0.05 with a cosine decay to 0.0015 over 60,000 steps, the same for every class.
Measured (docs/four_rooms.md, "Longer training on the paper's data"): 4 models of k = 30 plan
at 0.60 of the optimum after a 6,000-step schedule, and at 0.999 (every model >= 0.998) after
50,000 steps of this one; 4 models of k = 60 at 0.943 (one at 0.795) after 60,000, so k = 60
may need more. 8 models a class (2 diameter groups of 4) to halve the cost.

Cost, extrapolated from that benchmark (about 70 model-steps/s for k = 30 on one TF thread of
the loaded 2-core machine, a step's cost roughly proportional to k): 8 x 60,000 model-steps a
class, about 2 h for k = 30 up to about 4 h for k = 60, about 12 h in all. Resumable: stop it
and run the same command. Figure 4a is the default's, not run here.
"""
from pipeline.tabular import config as config_lib


def get_config():
  config = config_lib.base_config()
  config.experiments = ("model_space", "trajectories")
  m = config.model_space
  m.num_models = 8
  m.diameter_groups = 2
  m.batch_size = 50
  m.pve_batch_size = 50
  m.learning_rate = 0.05
  m.final_learning_rate = 0.0015
  m.num_steps = 60_000
  m.pve_num_steps = 60_000
  m.value_every_snapshots = 2
  return config
