"""Atari throughput on one core: raw ALE, a self-play actor, a learner step.

    ./run.sh bench atari_throughput [--game=pong] [--seconds=30] [--paper_steps=3]

All in one process with one TensorFlow thread (one core):
  raw ALE         ale_py act() with random actions: emulator frames/s
  env             the project's Atari env (preprocessing, frame stack): frames/s
  actor small     configs/atari_small.py: batched search + env steps, frames/s
  actor paper     configs/atari57_muzero.py (256 channels, 16 blocks, 32 frames,
                  25 simulations): a few steps, frames/s (after compiling)
  learner small   configs/atari_small.py learner steps/s (synthetic batches)
  learner paper   the paper network's learner step at --paper_batch sequences
The actors' frames count emulator frames (4 per agent step). Reverb's insert
and sample rates in a real run: benchmarks/memory_curve.py. Prints one JSON.
"""
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pve_cost import synthetic_sample  # noqa: E402

from pipeline.actors import acting  # noqa: E402
from pipeline.actors.model_fns import ModelFns  # noqa: E402
from pipeline.parts import learner_from, search_from as search_config  # noqa: E402
from pipeline.envs import registry  # noqa: E402
from pipeline.learner.learner import Learner  # noqa: E402
from pipeline.networks.muzero_net import make_network  # noqa: E402

GAME = flags.DEFINE_string("game", "pong", "ale-py ROM id.")
SECONDS = flags.DEFINE_float("seconds", 30.0, "Seconds per timed measurement.")
ENVS = flags.DEFINE_integer("envs", 8, "Environments per actor.")
PAPER_STEPS = flags.DEFINE_integer("paper_steps", 3, "Timed actor steps with the paper network.")
PAPER_BATCH = flags.DEFINE_integer("paper_batch", 4, "Sequences per paper-network learner step.")


def raw_ale_fps(game: str, seconds: float) -> float:
  import ale_py
  from ale_py import roms
  ale = ale_py.ALEInterface()
  ale.setInt("random_seed", 0)
  ale.setFloat("repeat_action_probability", 0.0)
  ale.loadROM(roms.get_rom_path(game))
  actions = ale.getMinimalActionSet()
  rng = np.random.default_rng(0)
  frames, start = 0, time.perf_counter()
  while time.perf_counter() - start < seconds:
    ale.act(actions[rng.integers(len(actions))])
    frames += 1
    if ale.game_over():
      ale.reset_game()
  return frames / (time.perf_counter() - start)


def env_fps(config, seconds: float) -> float:
  env = registry.make_from_config(config, seed=0, training=True)
  n = env.action_spec().num_values
  rng = np.random.default_rng(0)
  ts, steps, start = env.reset(), 0, time.perf_counter()
  while time.perf_counter() - start < seconds:
    ts = env.reset() if ts.last() else env.step(int(rng.integers(n)))
    steps += 1
  return steps * env.frames_per_step / (time.perf_counter() - start)


def actor_fps(config, num_envs: int, seconds: float = 0.0, steps: int = 0):
  """(frames/s, seconds to compile) of the self-play loop: search + env steps."""
  envs = [registry.make_from_config(config, seed=i, training=True) for i in range(num_envs)]
  spec = envs[0].observation_spec()
  net = make_network(config, spec.shape, envs[0].action_spec().num_values)
  fns, scfg = ModelFns(net, config.search.implementation), search_config(config)
  rng = np.random.default_rng(0)
  timesteps = [e.reset() for e in envs]

  def one_step():
    obs = np.stack([ts.observation for ts in timesteps])
    d = acting.decide(fns, obs, scfg, rng, True, 1.0)
    for i, e in enumerate(envs):
      timesteps[i] = e.reset() if timesteps[i].last() else e.step(int(d.actions[i]))

  t = time.perf_counter()
  one_step()  # compiles the search
  compile_seconds = time.perf_counter() - t
  done, start = 0, time.perf_counter()
  while (steps and done < steps) or (seconds and time.perf_counter() - start < seconds):
    one_step()
    done += 1
  elapsed = time.perf_counter() - start
  return done * num_envs * envs[0].frames_per_step / elapsed, compile_seconds


def learner_steps_per_second(config, steps: int = 0, seconds: float = 0.0) -> float:
  env = registry.make_from_config(config, seed=0)
  shape, n = tuple(env.observation_spec().shape), env.action_spec().num_values
  learner = Learner(learner_from(config), shape, n, tempfile.mkdtemp(), client=None)
  sample = synthetic_sample(config, shape, n, np.random.default_rng(0))
  learner.learn_from(sample)  # compiles
  done, start = 0, time.perf_counter()
  while (steps and done < steps) or (seconds and time.perf_counter() - start < seconds):
    learner.learn_from(sample)
    done += 1
  return done / (time.perf_counter() - start)


def load_config(path: str, game: str):
  spec = importlib.util.spec_from_file_location("cfg", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config(game)


def main(argv):
  del argv
  tf.config.threading.set_intra_op_parallelism_threads(1)
  tf.config.threading.set_inter_op_parallelism_threads(1)
  repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  small = load_config(os.path.join(repo, "configs", "atari_small.py"), GAME.value)
  small.reanalyse.enabled = False
  paper = load_config(os.path.join(repo, "configs", "atari57_muzero.py"), GAME.value)
  s = SECONDS.value
  out = {"game": GAME.value, "machine": f"{platform.processor() or platform.machine()}, "
         f"{os.cpu_count()} cores, 1 TF thread", "envs_per_actor": ENVS.value}
  out["raw_ale_frames_per_second"] = round(raw_ale_fps(GAME.value, s), 1)
  out["env_frames_per_second_small_preprocessing"] = round(env_fps(small, s), 1)
  out["env_frames_per_second_paper_preprocessing"] = round(env_fps(paper, s), 1)
  fps, compile_s = actor_fps(small, ENVS.value, seconds=s)
  out["actor_small"] = {"frames_per_second": round(fps, 1), "compile_seconds": round(compile_s, 1),
                        "simulations": small.search.num_simulations}
  print(json.dumps(out), flush=True)
  fps, compile_s = actor_fps(paper, ENVS.value, steps=PAPER_STEPS.value)
  out["actor_paper"] = {"frames_per_second": round(fps, 2), "compile_seconds": round(compile_s, 1),
                        "simulations": paper.search.num_simulations,
                        "timed_steps": PAPER_STEPS.value}
  print(json.dumps(out), flush=True)
  out["learner_small"] = {"batch": small.learner.batch_size,
                          "steps_per_second": round(learner_steps_per_second(small, seconds=s), 2)}
  paper.learner.batch_size = PAPER_BATCH.value
  paper.past_policies.enabled = False
  out["learner_paper"] = {"batch": PAPER_BATCH.value,
                          "steps_per_second": round(learner_steps_per_second(paper, steps=2), 3)}
  print(json.dumps(out), flush=True)


if __name__ == "__main__":
  app.run(main)
