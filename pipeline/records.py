"""Append-only TFRecord episode logs, one folder per run under tfrecords/.

Each writer owns its shards: `<kind>-<writer>-<start>.tfrecord`, a new shard
per process start, so nothing already written is ever rewritten. A record is
flushed as soon as its episode ends; a reader drops a torn last record (left
by a kill -9 mid-write) and warns once, in one line, about a damaged shard
(a corrupted record: the records before it are read), and a restarted writer continues the episode index
from the records that are complete, so the index has no gap and no duplicate.
"""
import glob
import logging
import os
import time
import uuid
from typing import Dict, List, Optional

import tensorflow as tf
from google.protobuf.message import DecodeError

# Record fields: name -> (dtype, "int" | "float" | "bytes").
FIELDS = {
    "episode_index": "int",   # per writer, 0, 1, 2, ... without gaps
    "return": "float",
    "length": "int",          # agent steps
    "env_frames": "int",      # frames incl. skipped frames, cumulative for the writer
    "actor_id": "int",
    "param_version": "int",   # learner step of the parameters used
    "wall_time": "time",      # unix seconds at the episode's end (stored as int64 ms)
    "kind": "bytes",          # b"selfplay" or b"eval"
}

RECORDS_ROOT_ENV = "PVE_RECORDS_ROOT"
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_records_dir(workdir: str) -> str:
  """The run's tfrecords/<run>/ folder, named once and kept in DIR/records.

  On a run's first start <run> is the workdir's name plus a random tag, so a
  new run in a reused path never appends to an older run's records; the
  file DIR/records is created atomically (processes starting together agree)
  and read from then on. The root is the repository's tfrecords/ unless
  $PVE_RECORDS_ROOT is set.
  """
  path = os.path.abspath(workdir)
  pointer = os.path.join(path, "records")
  os.makedirs(path, exist_ok=True)
  root = os.environ.get(RECORDS_ROOT_ENV) or os.path.join(_REPO_ROOT, "tfrecords")
  name = f"{os.path.basename(path)}-{uuid.uuid4().hex[:8]}"
  try:
    fd = os.open(pointer, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w") as f:
      f.write(os.path.join(root, name) + "\n")
  except FileExistsError:
    pass
  for _ in range(50):  # another process may be writing its (one-line) content
    text = open(pointer).read().strip()
    if text:
      return text if os.path.isabs(text) else os.path.join(path, text)
    time.sleep(0.1)
  raise OSError(f"{pointer} is empty")


def _to_example(episode: Dict) -> bytes:
  feature = {}
  for name, kind in FIELDS.items():
    value = episode[name]
    if kind == "int":
      feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
    elif kind == "time":
      feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[round(value * 1e3)]))
    elif kind == "float":
      feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
    else:
      value = value.encode() if isinstance(value, str) else value
      feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
  return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _from_example(raw: bytes) -> Dict:
  example = tf.train.Example.FromString(raw)
  out = {}
  for name, kind in FIELDS.items():
    f = example.features.feature[name]
    if kind == "int":
      out[name] = int(f.int64_list.value[0])
    elif kind == "time":
      out[name] = f.int64_list.value[0] / 1e3
    elif kind == "float":
      out[name] = float(f.float_list.value[0])
    else:
      out[name] = f.bytes_list.value[0].decode()
  return out


_WARNED = set()


def _damaged(path: str, read: int, error: Exception) -> None:
  """One warning line per damaged shard (a corrupted record, not a torn tail);
  the file is left as it is."""
  if path not in _WARNED:
    _WARNED.add(path)
    detail = str(error).split("}}")[-1].split("[Op:")[0].strip() or type(error).__name__
    logging.warning("records: %s is damaged (%s); its first %d records are read, the rest "
                    "of it is skipped; the file is left as it is", path, detail, read)


def _read_shard(path: str) -> List[Dict]:
  """All complete records of one shard; a torn tail (a kill mid-write) is dropped
  silently, a damaged record ends the shard with one warning line."""
  episodes = []
  try:
    for raw in tf.data.TFRecordDataset(path).as_numpy_iterator():
      episodes.append(_from_example(raw))
  except tf.errors.DataLossError as e:
    if "truncated record" not in str(e):
      _damaged(path, len(episodes), e)
  except (DecodeError, IndexError, UnicodeDecodeError) as e:  # a valid checksum, not our record
    _damaged(path, len(episodes), e)
  return episodes


def read_episodes(records_dir: str, kind: Optional[str] = None) -> List[Dict]:
  """Every complete episode under records_dir, sorted by (actor, index)."""
  pattern = os.path.join(records_dir, f"{kind or '*'}-*.tfrecord")
  episodes = [e for path in sorted(glob.glob(pattern)) for e in _read_shard(path)]
  return sorted(episodes, key=lambda e: (e["kind"], e["actor_id"], e["episode_index"]))


class EpisodeTail:
  """The episodes of a records directory as they are appended: each call to
  new() parses only the records added since the last one (shards are
  append-only; a torn last record is left for the next call)."""

  def __init__(self, records_dir: str, kind: Optional[str] = None):
    self.pattern = os.path.join(records_dir, f"{kind or '*'}-*.tfrecord")
    self.parsed: Dict[str, int] = {}   # shard -> complete records parsed so far

  def new(self) -> List[Dict]:
    out = []
    for path in sorted(glob.glob(self.pattern)):
      done = self.parsed.get(path, 0)
      try:
        for raw in tf.data.TFRecordDataset(path).skip(done).as_numpy_iterator():
          out.append(_from_example(raw))
          done += 1
      except tf.errors.DataLossError as e:
        if "truncated record" not in str(e):  # else a record being written: read it next time
          _damaged(path, done, e)
      except (DecodeError, IndexError, UnicodeDecodeError) as e:
        _damaged(path, done, e)
      self.parsed[path] = done
    return out


class EpisodeWriter:
  """Appends finished episodes of one writer (e.g. one actor) to its shards."""

  def __init__(self, records_dir: str, kind: str, writer_id: int):
    os.makedirs(records_dir, exist_ok=True)
    self._kind, self._writer_id = kind, writer_id
    own = os.path.join(records_dir, f"{kind}-{writer_id:04d}-*.tfrecord")
    previous = [e for path in sorted(glob.glob(own)) for e in _read_shard(path)]
    self.next_index = max((e["episode_index"] for e in previous), default=-1) + 1
    self.env_frames = max((e["env_frames"] for e in previous), default=0)
    shard = os.path.join(records_dir, f"{kind}-{writer_id:04d}-{time.time_ns()}.tfrecord")
    self._writer = tf.io.TFRecordWriter(shard)
    self.path = shard

  def write(self, episode_return: float, length: int, frames: int, param_version: int) -> Dict:
    """Records one finished episode of `frames` env frames; returns the record."""
    self.env_frames += int(frames)
    record = {
        "episode_index": self.next_index, "return": episode_return, "length": length,
        "env_frames": self.env_frames, "actor_id": self._writer_id,
        "param_version": param_version, "wall_time": time.time(), "kind": self._kind,
    }
    self._writer.write(_to_example(record))
    self._writer.flush()
    self.next_index += 1
    return record

  def close(self):
    self._writer.close()
