"""Episode records: append-only, torn tails dropped, indices continue on restart."""
import logging
import os
import shutil
import time

from pipeline import records


def test_write_read_and_restart_continue_the_index(tmp_path):
  d = str(tmp_path)
  w = records.EpisodeWriter(d, "selfplay", 3)
  for i in range(4):
    w.write(float(i), 10 + i, 10 + i, param_version=i)
  w.close()
  w2 = records.EpisodeWriter(d, "selfplay", 3)   # a restart: a new shard
  assert w2.next_index == 4 and w2.env_frames == sum(10 + i for i in range(4))
  w2.write(9.0, 5, 5, param_version=7)
  w2.close()
  eps = records.read_episodes(d, kind="selfplay")
  assert [e["episode_index"] for e in eps] == [0, 1, 2, 3, 4]
  assert eps[-1]["env_frames"] == 51 and eps[-1]["param_version"] == 7
  assert abs(eps[-1]["wall_time"] - time.time()) < 60   # millisecond precision, not float32
  assert len(os.listdir(d)) == 2


def test_a_torn_last_record_is_dropped_and_its_index_reused(tmp_path):
  d = str(tmp_path)
  w = records.EpisodeWriter(d, "eval", 0)
  for i in range(3):
    w.write(1.0, 1, 1, 0)
  w.close()
  with open(w.path, "r+b") as f:       # cut the last record in half, as a kill would
    size = os.path.getsize(w.path)
    f.truncate(size - 20)
  assert [e["episode_index"] for e in records.read_episodes(d)] == [0, 1]
  assert records.EpisodeWriter(d, "eval", 0).next_index == 2


def test_a_damaged_shard_is_one_warning_line_and_its_records_before_the_damage_are_read(
    tmp_path, caplog):
  d = str(tmp_path)
  w = records.EpisodeWriter(d, "selfplay", 0)
  for i in range(4):
    w.write(float(i), 1, 1, 0)
  w.close()
  data = bytearray(open(w.path, "rb").read())
  data[len(data) // 2] ^= 0xFF            # a flipped byte in the third record
  open(w.path, "wb").write(bytes(data))
  before = bytes(data)
  with caplog.at_level(logging.WARNING):
    got = records.read_episodes(d)
    tail = records.EpisodeTail(d).new()
  assert [e["return"] for e in got] == [0.0, 1.0] == [e["return"] for e in tail]
  lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
  assert len(lines) == 1 and "is damaged (corrupted record at" in lines[0]
  assert "first 2 records are read" in lines[0]
  assert open(w.path, "rb").read() == before  # left as it was


def test_run_records_dir_is_stable_per_run_and_new_for_a_new_run(monkeypatch, tmp_path):
  monkeypatch.setenv(records.RECORDS_ROOT_ENV, str(tmp_path / "tfrecords"))
  run = tmp_path / "runs" / "cartpole"
  a = records.run_records_dir(str(run))
  assert a == records.run_records_dir(str(run) + "/")          # the same run: the same folder
  assert open(run / "records").read().strip() == a
  assert os.path.basename(a).startswith("cartpole-")
  shutil.rmtree(run)                                            # a new run in the same path
  assert records.run_records_dir(str(run)) != a
