import json
import os

from pipeline import records
from pipeline import study_archive
from pipeline.scoring.tabulate import read_study


def _run(study_dir, name, finished=True, episodes=5):
  """A run directory as the pipeline leaves it, its records elsewhere."""
  run = os.path.join(study_dir, "runs", name)
  os.makedirs(os.path.join(run, "eval"), exist_ok=True)
  os.makedirs(os.path.join(run, "checkpoints"), exist_ok=True)
  with open(os.path.join(run, "run.json"), "w") as f:
    json.dump({"game": "CartPole-v1", "variant": "muzero", "seed": 0}, f)
  with open(os.path.join(run, "eval", "curve.csv"), "w") as f:
    f.write("learner_step,env_frames,eval_return_mean\n10,100,9.5\n")
  with open(os.path.join(run, "checkpoints", "ckpt-10.data"), "wb") as f:
    f.write(b"x" * 1000)  # not archived
  records_dir = os.path.join(study_dir, "elsewhere", name)
  writer = records.EpisodeWriter(records_dir, "selfplay", 0)
  for i in range(episodes):
    writer.write(float(i), 10, 10, 0)
  writer.close()
  with open(os.path.join(run, "records"), "w") as f:
    f.write(os.path.relpath(records_dir, run))
  if finished:
    with open(os.path.join(run, "result.json"), "w") as f:
      json.dump({"wall_seconds": 12.0, "learner_steps": 10}, f)
  return run


def test_a_restored_run_is_finished_and_has_its_episodes(tmp_path):
  study, archive, fresh = str(tmp_path / "s"), str(tmp_path / "a"), str(tmp_path / "new")
  _run(study, "cartpole__muzero__s0")
  _run(study, "cartpole__muzero__s1", finished=False)
  assert study_archive.archive_missing(study, archive) == ["cartpole__muzero__s0"]
  kept = os.path.join(archive, "runs", "cartpole__muzero__s0")
  assert not os.path.exists(os.path.join(kept, "checkpoints"))
  assert sorted(os.listdir(os.path.dirname(kept))) == ["cartpole__muzero__s0"]  # no partial copy
  assert study_archive.archive_missing(study, archive) == []  # once only

  _run(fresh, "cartpole__muzero__s0", finished=False)  # an unfinished copy: replaced
  assert study_archive.restore_runs(archive, fresh) == (["cartpole__muzero__s0"], [])
  assert study_archive.restore_runs(archive, fresh) == ([], [])
  (run,), notes = read_study(fresh)
  assert notes == [] and run.finished
  returns = [e["return"] for e in records.read_episodes(run.records_dir, kind="selfplay")]
  assert returns == [0.0, 1.0, 2.0, 3.0, 4.0]
  frames, curve = run.eval_curve()
  assert frames.tolist() == [100] and curve.tolist() == [9.5]


def test_an_archive_is_a_study_directory(tmp_path):
  study, archive = str(tmp_path / "s"), str(tmp_path / "a")
  _run(study, "cartpole__muzero__s0", episodes=3)
  with open(os.path.join(study, study_archive.CLOCK), "w") as f:
    json.dump({"wall_seconds": 99.0}, f)
  study_archive.archive_missing(study, archive)
  (run,), _ = read_study(archive)
  assert run.finished and len(records.read_episodes(run.records_dir)) == 3
  with open(os.path.join(archive, study_archive.CLOCK)) as f:
    assert json.load(f) == {"wall_seconds": 99.0}


def test_only_finished_runs_are_archived(tmp_path):
  run = _run(str(tmp_path / "s"), "x__muzero__s0", finished=False)
  try:
    study_archive.archive_run(run, str(tmp_path / "a"))
  except ValueError as e:
    assert "not finished" in str(e)
  else:
    raise AssertionError("an unfinished run was archived")


def _write_config(run, config):
  with open(os.path.join(run, "config.json"), "w") as f:
    json.dump(config, f)


def test_config_difference_names_the_disagreeing_keys():
  saved = {"learner": {"num_steps": 6000, "lr": 0.1}, "net": {"sizes": [64, 64]}, "old": 1}
  assert study_archive.config_difference(saved, {"learner": {"num_steps": 6000, "lr": 0.1},
                                                 "net": {"sizes": (64, 64)}, "new": 2}) == ""
  assert study_archive.config_difference(saved, {"learner": {"num_steps": 30000, "lr": 0.2}}) == (
      "learner.lr: 0.1 != 0.2, learner.num_steps: 6000 != 30000")
  assert study_archive.config_difference(saved, {"net": {"sizes": (64,)}}) == (
      "net.sizes: [64, 64] != [64]")
  # A key the saved config lacks: a setting added since, unless the study sets it.
  assert study_archive.config_difference(saved, {"env": {"sticky": 0.0}}) == ""
  assert study_archive.config_difference(saved, {"env": {"sticky": 0.0}}, ["env.sticky"]) == (
      "env.sticky: not in the saved config (wanted 0.0)")
  many = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}
  assert study_archive.config_difference(many, {k: 2 for k in many}).endswith(
      "c: 1 != 2, and 2 more")


def _wanted(steps, set_keys=()):
  return study_archive.Wanted({"seed": 0, "learner": {"num_steps": steps}}, tuple(set_keys))


def test_reuse_copies_agreeing_finished_runs_and_never_archives_them(tmp_path):
  short, long_, study, archive = (str(tmp_path / n) for n in ("short", "long", "study", "archive"))
  for name in ("breakout__muzero__s0", "asterix__muzero__s0", "asterix__muzero__s1"):
    _write_config(_run(short, name), _wanted(6000).config)
  _write_config(_run(long_, "asterix__muzero__s0"), _wanted(30000).config)
  _write_config(_run(long_, "asterix__muzero__s1", finished=False), _wanted(30000).config)
  wanted = {"breakout__muzero__s0": _wanted(6000), "asterix__muzero__s0": _wanted(30000),
            "asterix__muzero__s1": _wanted(30000), "seaquest__muzero__s0": _wanted(30000)}

  reused, refused = study_archive.reuse_runs([short, long_], study, wanted)
  # The short study's Asterix s0 differs; the long one's agrees and is used.
  assert sorted(reused) == [("asterix__muzero__s0", long_), ("breakout__muzero__s0", short)]
  # s1 is finished only with another config (its long copy is unfinished); seaquest nowhere.
  assert refused == [("asterix__muzero__s1", f"{short}: learner.num_steps: 6000 != 30000")]
  runs, notes = read_study(study)
  assert notes == [] and all(r.finished for r in runs) and len(runs) == 2
  with open(os.path.join(study, "runs", "asterix__muzero__s0", "config.json")) as f:
    assert json.load(f)["learner"]["num_steps"] == 30000
  with open(os.path.join(study, "runs", "asterix__muzero__s0", study_archive.REUSED)) as f:
    assert f.read().strip() == os.path.abspath(long_)
  assert study_archive.reuse_runs([short, long_], study, wanted)[0] == []  # finished here now
  _run(study, "seaquest__muzero__s0")   # a run this study ran itself
  assert study_archive.archive_missing(study, archive) == ["seaquest__muzero__s0"]


def test_a_run_trained_in_part_with_another_config_is_not_reused(tmp_path):
  source, study = str(tmp_path / "source"), str(tmp_path / "study")
  run = _run(source, "asterix__muzero__s0")
  _write_config(run, _wanted(30000).config)
  with open(os.path.join(run, "config.20261206-042326.json"), "w") as f:
    json.dump({"seed": 0, "learner": {"num_steps": 6000}}, f)   # before it was resumed
  reused, refused = study_archive.reuse_runs([source], study, {"asterix__muzero__s0": _wanted(30000)})
  assert reused == [] and "trained in part with another config (config.20261206-042326.json: " \
      "learner.num_steps: 6000 != 30000)" in refused[0][1]
  # A resumption whose earlier config only lacked a setting added since is the same run,
  # and its earlier config travels with the copy.
  with open(os.path.join(run, "config.20261206-042326.json"), "w") as f:
    json.dump({"learner": {"num_steps": 30000}}, f)
  reused, _ = study_archive.reuse_runs([source], study, {"asterix__muzero__s0": _wanted(30000)})
  assert [name for name, _ in reused] == ["asterix__muzero__s0"]
  assert os.path.isfile(os.path.join(study, "runs", "asterix__muzero__s0", "config.20261206-042326.json"))


def test_an_archived_run_of_a_changed_config_is_not_restored(tmp_path):
  study, archive, fresh = str(tmp_path / "s"), str(tmp_path / "a"), str(tmp_path / "new")
  for name in ("asterix__muzero__s0", "breakout__muzero__s0"):
    _write_config(_run(study, name), _wanted(6000).config)
  study_archive.archive_missing(study, archive)
  wanted = {"asterix__muzero__s0": _wanted(30000),   # the config changed
            "breakout__muzero__s0": _wanted(6000)}
  restored, refused = study_archive.restore_runs(archive, fresh, wanted)
  assert restored == ["breakout__muzero__s0"]
  assert refused == [("asterix__muzero__s0", f"{archive}: learner.num_steps: 6000 != 30000")]
  assert not os.path.exists(os.path.join(fresh, "runs", "asterix__muzero__s0"))
