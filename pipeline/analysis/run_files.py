"""What the analyses read from a run directory: its config and its checkpoints.

  load_run_config(RUN) -> the run's config (RUN/config.json over base_config())
  list_checkpoints(RUN) -> [(learner step, checkpoint prefix)], oldest first
  load_network(config, obs_shape, A, prefix) -> the checkpoint's search network

Checkpoints are found by their files (RUN/checkpoints/ckpt-<step>.index), not
by the manager's index file, so checkpoints copied back into the folder (the
manager keeps only the newest few) are found too.
"""
import glob
import json
import os
import re
from typing import List, Tuple

import ml_collections
import tensorflow as tf

from pipeline import config_schema
from pipeline.errors import PipelineError
from pipeline.networks.muzero_net import make_network


def _merge(base: dict, override: dict) -> dict:
  out = dict(base)
  for key, value in override.items():
    if isinstance(value, dict) and isinstance(out.get(key), dict):
      out[key] = _merge(out[key], value)
    else:
      out[key] = value
  return out


def load_run_config(workdir: str) -> ml_collections.ConfigDict:
  """RUN/config.json, with defaults for keys added after the run was made."""
  path = os.path.join(workdir, "config.json")
  try:
    with open(path) as f:
      saved = json.load(f)
  except OSError as e:
    raise PipelineError(f"cannot read the run's config {path}: {e.strerror}") from e
  except json.JSONDecodeError as e:
    raise PipelineError(f"{path} is not valid JSON: {e}") from e
  return ml_collections.ConfigDict(_merge(config_schema.base_config().to_dict(), saved))


def list_checkpoints(workdir: str) -> List[Tuple[int, str]]:
  """[(step, prefix)] sorted by step: RUN/checkpoints/milestone-<step> if the run
  kept milestones (learner.milestone_checkpoints: the same steps in every seed),
  else the ckpt-<step> files the learner kept."""
  found = {"ckpt": {}, "milestone": {}}
  for index in sorted(glob.glob(os.path.join(workdir, "checkpoints", "*-*.index"))):
    match = re.fullmatch(r"(ckpt|milestone)-(\d+)\.index", os.path.basename(index))
    if match:
      found[match.group(1)][int(match.group(2))] = index[:-len(".index")]
  found = found["milestone"] or found["ckpt"]
  if not found:
    raise PipelineError(f"no learner checkpoint in {os.path.join(workdir, 'checkpoints')}")
  return sorted(found.items())


def select_checkpoints(checkpoints: List[Tuple[int, str]], max_count: int):
  """At most max_count (0: all), evenly spaced by position, first and last included."""
  n = len(checkpoints)
  if max_count <= 0 or n <= max_count:
    return list(checkpoints)
  if max_count == 1:
    return [checkpoints[-1]]
  picks = sorted({round(i * (n - 1) / (max_count - 1)) for i in range(max_count)})
  return [checkpoints[i] for i in picks]


def load_network(config, observation_shape, num_actions: int, prefix: str):
  """The search (acting) network of the learner checkpoint at `prefix`."""
  network = make_network(config, observation_shape, num_actions)
  try:
    status = tf.train.Checkpoint(search_network=network).read(prefix)
    status.expect_partial()
    status.assert_existing_objects_matched()
  except (tf.errors.OpError, AssertionError, ValueError) as e:
    raise PipelineError(f"cannot read checkpoint {prefix}: {' '.join(str(e).split())[:200]}") from e
  return network
