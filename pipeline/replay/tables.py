"""The Reverb tables.

  replay             sequences from self-play (prioritised, or a queue)
  variables          the latest search parameters (max_size 1), so that actors
                     on other hosts get them through Reverb, no shared filesystem
  server             this server's incarnation (a random id inserted at its
                     start), so that a client tells a restarted server from a
                     busy one (pipeline/replay/connection.py)
With reanalyse on (a parts.ReplayConfig with `reanalyse`) also:
  reanalyse_source   the same sequences (shared data, no copy), uniform, FIFO:
                     what reanalyse workers draw from
  reanalysed         sequences with fresh policies and values, for the learner
  target_variables   the latest target-network parameters, for the workers
"""
from typing import List

import reverb

from pipeline import parts

REPLAY = "replay"
VARIABLES = "variables"
REANALYSE_SOURCE = "reanalyse_source"
REANALYSED = "reanalysed"
TARGET_VARIABLES = "target_variables"
SERVER = "server"


def replay_table(replay: parts.ReplayConfig, signature) -> reverb.Table:
  """The sequence table chosen by `replay.kind`."""
  if replay.kind == "queue":
    # The paper's on-policy setting: each sequence is consumed once, in order.
    return reverb.Table.queue(REPLAY, max_size=replay.max_size, signature=signature)
  spi = float(replay.samples_per_insert)
  error_buffer = replay.insert_error_buffer or max(2.0 * spi, spi * replay.batch_size)
  return reverb.Table(
      name=REPLAY,
      sampler=reverb.selectors.Prioritized(replay.priority_exponent),
      remover=reverb.selectors.Fifo(),
      max_size=replay.max_size,
      rate_limiter=reverb.rate_limiters.SampleToInsertRatio(
          samples_per_insert=spi, min_size_to_sample=replay.min_size_to_sample,
          error_buffer=error_buffer),
      signature=signature)


def variables_table(name: str = VARIABLES) -> reverb.Table:
  return reverb.Table(
      name=name, sampler=reverb.selectors.Lifo(), remover=reverb.selectors.Fifo(),
      max_size=1, rate_limiter=reverb.rate_limiters.MinSize(1))


def reanalyse_tables(replay: parts.ReplayConfig, signature) -> List[reverb.Table]:
  """reanalyse_source, reanalysed and target_variables (see the module doc)."""
  ra = replay.reanalyse
  share = max(1, ra.share)
  spi = float(ra.samples_per_insert)
  source = reverb.Table(
      name=REANALYSE_SOURCE, sampler=reverb.selectors.Uniform(),
      remover=reverb.selectors.Fifo(),
      max_size=ra.source_max_size or replay.max_size,
      rate_limiter=reverb.rate_limiters.MinSize(1), signature=signature)
  # The learner may use each reanalysed sequence `samples_per_insert` times
  # on average: it waits for workers that fall behind, and they for it.
  fresh = reverb.Table(
      name=REANALYSED, sampler=reverb.selectors.Uniform(), remover=reverb.selectors.Fifo(),
      max_size=ra.max_size,
      rate_limiter=reverb.rate_limiters.SampleToInsertRatio(
          samples_per_insert=spi, min_size_to_sample=ra.min_size_to_sample or share,
          error_buffer=max(2.0 * spi * share, ra.worker_batch_size * spi)),
      signature=signature)
  return [source, fresh, variables_table(TARGET_VARIABLES)]


def server_tables(replay: parts.ReplayConfig, signature) -> List[reverb.Table]:
  """Every table a run's Reverb server holds."""
  out = [replay_table(replay, signature), variables_table(), variables_table(SERVER)]
  if replay.reanalyse is not None:
    out += reanalyse_tables(replay, signature)
  return out
