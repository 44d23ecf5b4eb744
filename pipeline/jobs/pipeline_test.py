"""The pipeline stage's reading of its evaluation curve."""
from pipeline.jobs import pipeline


def test_first_at_target(tmp_path):
  path = tmp_path / "curve.csv"
  path.write_text("learner_step,wall_seconds,env_frames,eval_return_mean,eval_episodes\n"
                  "250,40.0,9000,120.50,20\n500,70.5,18000,476.25,20\n750,99.0,27000,500.00,20\n")
  assert pipeline.first_at_target(str(path), 475.0) == {
      "learner_step": 500, "wall_seconds": 70.5, "env_frames": 18000,
      "eval_return_mean": 476.25, "eval_episodes": 20}
  assert pipeline.first_at_target(str(path), 501.0) is None
  assert pipeline.first_at_target(str(path), 0.0) is None          # no target set
  assert pipeline.first_at_target(str(tmp_path / "none.csv"), 475.0) is None
