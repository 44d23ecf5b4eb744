"""A one-machine run's evaluation curve and its reading of the episode records."""
from pipeline import records
from pipeline import local_run


def test_first_at_target(tmp_path):
  path = tmp_path / "curve.csv"
  path.write_text("learner_step,wall_seconds,env_frames,eval_return_mean,eval_episodes\n"
                  "250,40.0,9000,120.50,20\n500,70.5,18000,476.25,20\n750,99.0,27000,500.00,20\n")
  assert local_run.first_at_target(str(path), 475.0) == {
      "learner_step": 500, "wall_seconds": 70.5, "env_frames": 18000,
      "eval_return_mean": 476.25, "eval_episodes": 20}
  assert local_run.first_at_target(str(path), 501.0) is None
  assert local_run.first_at_target(str(path), 0.0) is None          # no target set
  assert local_run.first_at_target(str(tmp_path / "none.csv"), 475.0) is None


def test_episode_tail_reads_only_new_records_and_progress_counts_frames(tmp_path):
  rec = str(tmp_path / "records")
  a, b = records.EpisodeWriter(rec, "selfplay", 0), records.EpisodeWriter(rec, "selfplay", 1)
  tail = records.EpisodeTail(rec, kind="selfplay")
  a.write(1.0, length=5, frames=5, param_version=0)
  b.write(2.0, length=7, frames=7, param_version=0)
  first = tail.new()
  assert sorted(e["return"] for e in first) == [1.0, 2.0]
  a.write(3.0, length=4, frames=4, param_version=1)
  records.EpisodeWriter(rec, "eval", 0).write(9.0, 1, 1, 0)   # another kind: not read
  assert [e["return"] for e in tail.new()] == [3.0]            # only the new one
  assert tail.new() == []
  latest = {}
  assert local_run.frames_of(first, latest) == 12
  assert local_run.frames_of([{"actor_id": 0, "env_frames": 9}], latest) == 16   # actor 0: 5 -> 9
  assert local_run.total_env_frames(rec) == 16


def test_a_stop_ends_an_evaluation_and_a_resume_redoes_it(tmp_path):
  import csv  # pylint: disable=g-import-not-at-top
  from configs import cartpole  # pylint: disable=g-import-not-at-top
  from pipeline import config_schema  # pylint: disable=g-import-not-at-top
  from pipeline.local_run import PeriodicEvaluation  # pylint: disable=g-import-not-at-top
  from pipeline.networks.muzero_net import make_network  # pylint: disable=g-import-not-at-top
  c = cartpole.get_config()
  c.network.hidden_sizes, c.network.latent_size, c.network.head_hidden = (8,), 6, 6
  c.search.num_simulations = c.evaluate.num_simulations = 2
  c.evaluate.every_steps, c.evaluate.num_episodes, c.evaluate.num_envs = 10, 2, 2
  config_schema.validate(c)
  net = make_network(c, (4,), 2)
  records_dir, calls = str(tmp_path / "records"), [0]

  def stop_soon():
    calls[0] += 1
    return calls[0] > 3  # three search steps, then a stop request
  periodic = PeriodicEvaluation(c, str(tmp_path), net, 0, records_dir, lambda: 1.0,
                                should_stop=stop_soon)
  periodic(10)
  curve = tmp_path / "eval" / "curve.csv"
  assert not curve.exists()  # stopped: no row
  # Resumed at step 10 (its checkpoint): the missing evaluation comes first.
  periodic = PeriodicEvaluation(c, str(tmp_path), net, 10, records_dir, lambda: 2.0)
  periodic(10)
  periodic(11)  # not a multiple: nothing
  with open(curve, newline="") as f:
    rows = list(csv.DictReader(f))
  assert [int(r["learner_step"]) for r in rows] == [10] and rows[0]["eval_episodes"] == "2"
  # A resume at a step whose row exists does not redo it.
  PeriodicEvaluation(c, str(tmp_path), net, 10, records_dir, lambda: 3.0)(10)
  with open(curve, newline="") as f:
    assert len(list(csv.DictReader(f))) == 1
