"""The Reverb tables: "replay" (prioritised or a queue) and "variables".

"variables" holds the latest search parameters (max_size 1), so that actors on
other hosts get them through Reverb with no shared filesystem.
"""
import ml_collections
import reverb

REPLAY = "replay"
VARIABLES = "variables"


def replay_table(replay: ml_collections.ConfigDict, batch_size: int, signature) -> reverb.Table:
  """The sequence table chosen by `replay.kind`."""
  if replay.kind == "queue":
    # The paper's on-policy setting: each sequence is consumed once, in order.
    return reverb.Table.queue(REPLAY, max_size=replay.max_size, signature=signature)
  spi = float(replay.samples_per_insert)
  error_buffer = replay.insert_error_buffer or max(2.0 * spi, spi * batch_size)
  return reverb.Table(
      name=REPLAY,
      sampler=reverb.selectors.Prioritized(replay.priority_exponent),
      remover=reverb.selectors.Fifo(),
      max_size=replay.max_size,
      rate_limiter=reverb.rate_limiters.SampleToInsertRatio(
          samples_per_insert=spi, min_size_to_sample=replay.min_size_to_sample,
          error_buffer=error_buffer),
      signature=signature)


def variables_table() -> reverb.Table:
  return reverb.Table(
      name=VARIABLES, sampler=reverb.selectors.Lifo(), remover=reverb.selectors.Fifo(),
      max_size=1, rate_limiter=reverb.rate_limiters.MinSize(1))
