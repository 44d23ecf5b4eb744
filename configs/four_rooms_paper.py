"""Four Rooms at the PVE paper's scale (appendix A.3, issue 5).

Figure 3: 120 models per class, 100,000 (policy, function) pairs, minibatch
50, learning rate 1e-3, 500,000 steps, a snapshot every 1,000 steps.
Figure 4a: ranks 20..100 and 104, 1,000 policy-iteration policies x 100 noisy
copies, learning rate 5e-4, 1,000,000 steps, 10 seeds.
Figure 4b: 5,000 trajectories of length 30 from the bottom-left cell.
Days of compute on 2 CPU cores: meant for an accelerator machine.
"""
from pipeline.tabular import config as config_lib


def get_config():
  c = config_lib.base_config()
  m = c.model_space
  m.ve_orders = (1, 30, 40, 50, 60)
  m.include_pve = True
  m.num_models = 120
  m.num_pairs = 100_000
  m.batch_size = 50
  m.pve_batch_size = 50
  m.learning_rate = 1e-3
  m.num_steps = 500_000
  m.pve_num_steps = 500_000
  m.num_snapshots = 500          # a snapshot every 1,000 steps
  m.diameter_groups = 4          # 4 random groups of 30
  m.value_every_snapshots = 1    # colour every snapshot by its optimal policy's value

  cap = c.capacity
  cap.ranks = (20, 30, 40, 50, 60, 70, 80, 90, 100, 104)
  cap.num_base_policies = 1_000
  cap.copies_per_policy = 100
  cap.num_seeds = 10
  cap.loss = "minibatch"        # the paper's: a minibatch of 50 pairs per step
  cap.batch_size = 50
  cap.learning_rate = 5e-4
  cap.num_steps = 1_000_000
  cap.chunk_steps = 1_000

  t = c.trajectories
  t.num = 5_000
  t.length = 30
  c.log_every_secs = 60.0
  c.checkpoint_every_secs = 600.0
  return c
