"""Stage `evaluate`: restore the search network of the newest learner checkpoint
(nothing else) and play N episodes.

    ./run.sh evaluate --config=configs/NAME.py --workdir=DIR [--num_episodes=20]

Uses the search parameters (the EMA the actors use), no root noise, the most
visited action. Writes evaluation records and DIR/eval/scores.csv.
"""
import os

import numpy as np
from absl import flags

from pipeline import parts, records
from pipeline.actors.evaluate import evaluate, write_scores_csv
from pipeline.errors import run_job
from pipeline.jobs import _common
from pipeline.learner.checkpointing import restore_search_network

NUM_EPISODES = flags.DEFINE_integer("num_episodes", 0, "Episodes (0: config.evaluate).")


def run_evaluation(config, workdir, search_network, step: int, should_stop=lambda: False):
  """Evaluates the search network at learner `step`; returns the summary written to
  eval/, or None when a stop request ended it (nothing written but the records)."""
  n = NUM_EPISODES.value or config.evaluate.num_episodes
  episodes = evaluate(parts.evaluation_from(config), search_network,
                      records.run_records_dir(workdir), step, n,
                      should_stop=should_stop)
  if len(episodes) < n:
    return None
  write_scores_csv(os.path.join(workdir, "eval", "scores.csv"), episodes)
  returns = [e["return"] for e in episodes]
  summary = {"eval_return_mean": float(np.mean(returns)), "eval_return_std": float(np.std(returns)),
             "eval_episodes": len(returns), "learner_step": step}
  _common.write_json(os.path.join(workdir, "eval", "summary.json"), summary)
  return summary


def main(argv):
  del argv
  _common.setup_tf()
  config = _common.load_config()
  workdir = _common.prepare_workdir(config)
  obs_spec, num_actions = _common.env_specs(config)
  network, step = restore_search_network(config, obs_spec.shape, num_actions, workdir)
  summary = run_evaluation(config, workdir, network, step, _common.StopFlag())
  if summary is None:
    print("evaluate: stopped", flush=True)
    return
  print(f"evaluate: mean return {summary['eval_return_mean']:.1f} over "
        f"{summary['eval_episodes']} episodes (learner step {summary['learner_step']})")


if __name__ == "__main__":
  run_job(main)
