"""The learner's input: batches of sequences sampled from Reverb.

Without reanalyse, batches of B sequences from "replay". With reanalyse, pairs
(replay batch of B - Br, reanalysed batch of Br), Br = round(fraction B).
"""
import reverb
import tensorflow as tf

from pipeline import parts
from pipeline.replay.tables import REANALYSED, REPLAY

# The longest the learner's loop waits for a batch (the rate limiter's time-out)
# before it looks at its stop request again: a SIGTERM while no data comes is
# honoured within this, plus the final checkpoint. A time-out only reopens the
# dataset; a batch that was half sampled then is dropped.
WAIT_MS = 2_000


def sequence_dataset(address: str, batch_size: int, timeout_ms: int = 60_000,
                     table: str = REPLAY) -> tf.data.Dataset:
  """Batches of ReplaySample(info, data): data fields [B, L, ...], info.key [B]."""
  ds = reverb.TrajectoryDataset.from_table_signature(
      server_address=address, table=table, max_in_flight_samples_per_worker=2 * batch_size,
      rate_limiter_timeout_ms=timeout_ms, get_signature_timeout_secs=60)
  return ds.batch(batch_size, drop_remainder=True).prefetch(1)


def learner_dataset(address: str, replay: parts.ReplayConfig,
                    timeout_ms: int = WAIT_MS) -> tf.data.Dataset:
  """What Learner.run consumes: ReplaySample batches, or (replay, reanalysed) pairs."""
  fresh = 0 if replay.reanalyse is None else replay.reanalyse.share
  batches = sequence_dataset(address, replay.batch_size - fresh, timeout_ms)
  if not fresh:
    return batches
  return tf.data.Dataset.zip((batches, sequence_dataset(address, fresh, timeout_ms, REANALYSED)))
