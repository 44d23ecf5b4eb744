"""Stage `evaluate`: load the newest learner checkpoint and play N episodes.

    ./run.sh evaluate --config=configs/NAME.py --workdir=DIR [--num_episodes=20]

Uses the search parameters (the EMA the actors use), no root noise, the most
visited action. Writes evaluation records and DIR/eval/scores.csv.
"""
import os

import numpy as np
from absl import flags

from pipeline import records
from pipeline.actors.evaluate import evaluate, write_scores_csv
from pipeline.errors import PipelineError, run_job
from pipeline.jobs import _common
from pipeline.learner.learner import Learner

NUM_EPISODES = flags.DEFINE_integer("num_episodes", 0, "Episodes (0: config.evaluate).")


def run_evaluation(config, workdir, learner) -> dict:
  """Evaluates learner.search_network; returns the summary written to eval/."""
  n = NUM_EPISODES.value or config.evaluate.num_episodes
  step = int(learner.step.numpy())
  episodes = evaluate(config, learner.search_network, records.run_records_dir(workdir), step, n)
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
  learner = Learner(config, obs_spec.shape, num_actions, workdir, client=None)
  if not learner.restored:
    raise PipelineError(f"no learner checkpoint in {learner.manager.directory}")
  summary = run_evaluation(config, workdir, learner)
  print(f"evaluate: mean return {summary['eval_return_mean']:.1f} over "
        f"{summary['eval_episodes']} episodes (learner step {summary['learner_step']})")


if __name__ == "__main__":
  run_job(main)
