"""MuZero on one Atari-57 game at the PVE paper's scale (Grimm et al. 2021, appendix A.4).

    ./run.sh pipeline --config=configs/atari57_muzero.py --config.env.name=Atari/ms_pacman \
        --workdir=runs/ms_pacman
    ./run.sh pipeline --config=configs/atari57_muzero.py:ms_pacman --workdir=runs/ms_pacman

Games: "Atari/<ale-py ROM id>" for the 57 ids of pipeline/envs/atari.ATARI57
(pipeline/data/atari57_human_random_muzero.csv). Every row of the paper's
Table 1 (env.*, actors.max_env_frames) and Table 2 is set here explicitly,
with the row's name in a comment; a test compares them with
pipeline/data/pve_paper_settings.md, and the tables stage prints them back.
Settings the paper does not publish are marked "not in the paper" and follow
MuZero (Schrittwieser et al. 2020) where it has them. configs/atari57_pve.py
is this config with the past-policies loss on.

This is a cluster-scale config (see README's cluster guide): a 56M-parameter
network, 25 simulations per step, 500M frames per game. For a CPU try-out use
configs/atari_small.py.
"""
from pipeline import config_schema

# 500M frames / 4 frames per agent step / (96 sequences x 20 new steps each)
# = 65,104.2 learner steps in the paper's on-policy setting (each sequence of 30
# steps overlaps the next by 10, so each brings 20 new steps): the learning rate
# reaches its final value (0) when the frame budget is spent.
TOTAL_FRAMES = 500_000_000
LEARNER_STEPS = -(-TOTAL_FRAMES // (4 * 96 * (30 - 10)))  # 65,105


def get_config(game: str = "pong"):
  c = config_schema.base_config()
  c.env.name = game if game.startswith("Atari/") else f"Atari/{game}"

  # ---- Table 1: Atari settings ---------------------------------------------
  c.env.noop_max = 30                    # start no-ops: uniform in [0, 30]
  c.env.terminal_on_life_loss = True     # terminate on life loss: yes (training only)
  c.env.full_action_space = False        # action set: the game's minimal action set
  c.env.max_episode_frames = 108_000     # max episode length: 30 minutes (108,000 frames)
  c.env.frame_size = (96, 96)            # observation size: 96 x 96
  c.env.grayscale = True                 # preprocessing: grayscale
  c.env.action_repeat = 4                # action repetitions: 4
  c.env.max_pool_frames = 4              # max-pool over last N action-repeat frames: 4
  c.actors.max_env_frames = TOTAL_FRAMES  # total environment frames: 500M
  # Not in the paper: MuZero's 32 past frames and 32 past actions; no sticky actions.
  c.env.frame_stack = 32
  c.env.action_planes = True
  c.env.repeat_action_probability = 0.0
  c.env.max_episode_steps = 0

  # ---- Table 2: agent hyperparameters ----------------------------------------
  c.learner.batch_size = 96              # batch size: 96 sequences
  c.replay.sequence_length = 30          # sequence length: 30 frames
  c.replay.sequence_overlap = 10         # sequence overlap: 10 frames
  c.learner.unroll_steps = 5             # model unroll length K: 5
  c.learner.optimizer = "adam"           # optimiser: Adam
  c.learner.learning_rate = 1e-4         # initial learning rate: 1e-4
  c.learner.final_learning_rate = 0.0    # final learning rate (linear schedule): 0
  c.discount = 0.997                     # discount: 0.997
  c.learner.target_update_rate = 0.1     # target network update rate: 0.1
  c.learner.value_loss_weight = 0.25     # value loss weight: 0.25
  c.learner.reward_loss_weight = 1.0     # reward loss weight: 1.0
  c.learner.policy_loss_weight = 1.0     # policy loss weight: 1.0
  c.search.num_simulations = 25          # MCTS number of simulations: 25
  c.learner.td_lambda = 0.8              # lambda for TD(lambda): 0.8
  c.search.dirichlet_fraction = 0.3      # MCTS Dirichlet prior fraction: 0.3
  c.search.dirichlet_alpha = 0.25        # MCTS Dirichlet prior alpha: 0.25
  c.learner.search_update_rate = 0.1     # search parameters update rate: 0.1
  c.network.value_support = 300          # value, reward number of bins: 601
  c.network.reward_support = 300
  c.network.value_transform_eps = 0.01   # h(z) = sgn(z)(sqrt(|z| + 1) - 1) + 0.01 z
  c.past_policies.size = 128             # value buffer size (past policies): 128
  c.past_policies.interval = 50          # value buffer update interval (learner steps): 50
  c.past_policies.weight = 0.25          # value buffer loss weight: 0.25
  c.past_policies.enabled = False        # MuZero; configs/atari57_pve.py turns it on
  c.past_policies.heads_per_step = 0     # every stored head each step, as the paper

  # ---- not in the paper ------------------------------------------------------
  # The paper's run was on-policy: no replay buffer, so a queue that the learner
  # drains (each sequence is used once). Four batches of sequences: each step's
  # observation is 96x96x64 bytes (32 frames + 32 action planes), ~18 MB a
  # sequence before Reverb's compression.
  c.replay.kind = "queue"
  c.reanalyse.enabled = False  # nothing stored to revisit in the on-policy setting
  c.replay.max_size = 4 * 96
  c.replay.min_size_to_sample = c.learner.batch_size
  c.learner.num_steps = LEARNER_STEPS
  c.learner.n_step = 0
  # MuZero's pseudocode: the heads read each latent as it is; the latent
  # entering the next dynamics call has its gradient scaled by 0.5.
  c.learner.dynamics_grad_scale = 0.5
  # Unroll starts: every step of every sequence once ("all"; a queue uses each
  # item once and the writer puts each step at one of an item's first 20
  # positions exactly once), so a batch of 96 sequences trains 96 x 20 = 1,920
  # K-step unrolls, the loss averaged per unroll. Our reading of Table 2's
  # "batch size: 96 sequences"; "random" would train one start per sequence.
  c.learner.unroll_starts = "all"
  # The target network: the paper lists its update rate (0.1, above) but not
  # its role. Here the TD(lambda) bootstraps are the search values stored with
  # the sequences (the paper: "computed using the MCTS value prediction"), so
  # with reanalyse off the target network is kept and checkpointed but INERT:
  # it feeds nothing. value_bootstrap="target" recomputes the bootstraps with
  # it every step instead (MuZero Reanalyse's use), a documented departure.
  c.learner.value_bootstrap = "search"
  c.learner.target_update_every = 1
  # Global-norm gradient clipping at 5: not in the paper (0 turns it off).
  c.learner.max_grad_norm = 5.0
  # XLA: an accelerator learner (TPUStrategy compiles the step with XLA anyway;
  # on a GPU it fuses the many small target/loss ops). Not measured here: no
  # accelerator on the 2-core machine (BENCHMARKS.md has the CPU numbers).
  c.learner.jit_compile = True
  c.learner.publish_every = 10
  # MuZero's Atari network: 6x6x256 latent, 16 residual blocks per function.
  c.network.torso = "atari"
  c.network.channels = 256
  c.network.downsample_blocks = (2, 3, 3)
  c.network.num_blocks = 16
  c.network.head_hidden = 128
  c.search.c1 = 1.25
  c.search.c2 = 19652.0
  # MuZero's Atari temperatures: 1, 0.5, 0.25 after 50% and 75% of training.
  c.search.temperature_schedule = ((0.0, 1.0), (0.5, 0.5), (0.75, 0.25))
  c.actors.num_actors = 32
  c.actors.envs_per_actor = 32
  c.evaluate.num_episodes = 30
  c.evaluate.num_envs = 30
  c.evaluate.num_simulations = 25
  c.scoring.final_episodes = 200         # per seed: mean of its final 200 episodes
  return c
