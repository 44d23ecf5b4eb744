"""The learner's input: batches of sequences sampled from the "replay" table."""
import reverb
import tensorflow as tf

from pipeline.replay.tables import REPLAY


def sequence_dataset(address: str, batch_size: int, timeout_ms: int = 60_000) -> tf.data.Dataset:
  """Batches of ReplaySample(info, data): data fields [B, L, ...], info.key [B]."""
  ds = reverb.TrajectoryDataset.from_table_signature(
      server_address=address, table=REPLAY, max_in_flight_samples_per_worker=2 * batch_size,
      rate_limiter_timeout_ms=timeout_ms, get_signature_timeout_secs=60)
  return ds.batch(batch_size, drop_remainder=True).prefetch(1)
