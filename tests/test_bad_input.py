"""Bad input: one clear error line, a non-zero exit, nothing written lost."""
import os
import subprocess

import pytest

from conftest import REPO, TINY, error_lines, job, run


def _assert_one_error(result, *words):
  assert result.returncode == 2, result.stderr[-2000:]
  lines = error_lines(result.stderr)
  assert len(lines) == 1, result.stderr[-2000:]
  for w in words:
    assert w in lines[0], lines[0]
  assert "Traceback" not in result.stderr


def test_unknown_environment_lists_the_known_ones(tmp_path, job_env):
  r = run(job("pipeline", *TINY, "--config.env.name=Pong-v9", f"--workdir={tmp_path}/w"), job_env)
  _assert_one_error(r, "unknown environment 'Pong-v9'", "CartPole-v1", "MinAtar/Breakout")


def test_wrong_config_key_and_value(tmp_path, job_env):
  r = run(job("train", *TINY, "--config.learner.nope=3", f"--workdir={tmp_path}/w"), job_env)
  _assert_one_error(r, "nope")
  r = run(job("train", *TINY, "--config.replay.kind=lifo", f"--workdir={tmp_path}/w"), job_env)
  _assert_one_error(r, "config.replay.kind='lifo'")


def test_unreachable_reverb_address(tmp_path, job_env):
  r = run(job("selfplay", *TINY, "--replay_address=localhost:1", "--connect_timeout=2",
              f"--workdir={tmp_path}/w"), job_env)
  _assert_one_error(r, "cannot reach the Reverb server at localhost:1")


def test_missing_and_corrupt_checkpoints(tmp_path, job_env):
  workdir = tmp_path / "w"
  r = run(job("evaluate", *TINY, f"--workdir={workdir}"), job_env)
  _assert_one_error(r, "no learner checkpoint")
  ckpt = workdir / "checkpoints"
  ckpt.mkdir(parents=True)
  (ckpt / "checkpoint").write_text('model_checkpoint_path: "ckpt-5"\n'
                                   'all_model_checkpoint_paths: "ckpt-5"\n')
  (ckpt / "ckpt-5.index").write_bytes(b"not a checkpoint")
  (ckpt / "ckpt-5.data-00000-of-00001").write_bytes(b"garbage")
  r = run(job("evaluate", *TINY, f"--workdir={workdir}"), job_env)
  _assert_one_error(r, "cannot read checkpoint", "ckpt-5")
  assert (ckpt / "ckpt-5.index").read_bytes() == b"not a checkpoint"  # left as it was


def test_unwritable_workdir(tmp_path, job_env):
  blocker = tmp_path / "a_file"
  blocker.write_text("x")
  r = run(job("pipeline", *TINY, f"--workdir={blocker}/run"), job_env)
  _assert_one_error(r, "not writable")


def test_missing_config_file(tmp_path, job_env):
  r = run(job("pipeline", "--config=configs/nope.py", f"--workdir={tmp_path}/w"), job_env)
  assert r.returncode == 2 and len(error_lines(r.stderr)) == 1, r.stderr[-1500:]


def test_a_study_reusing_a_directory_that_is_not_a_study(tmp_path, job_env):
  r = run(job("study", "--config=configs/study_default.py", f"--reuse={tmp_path}/nope",
              f"--workdir={tmp_path}/s"), job_env)
  _assert_one_error(r, f"--reuse={tmp_path}/nope", "not a study directory")
  assert not (tmp_path / "s").exists()  # nothing written before the check


def test_run_sh_unknown_command():
  r = subprocess.run([os.path.join(REPO, "run.sh"), "frobnicate"], capture_output=True,
                     text=True, cwd=REPO)
  assert r.returncode == 2
  assert "unknown command 'frobnicate'" in r.stderr and "pipeline" in r.stderr


def test_a_workdir_in_use_is_refused_with_one_line(tmp_path):
  from pipeline.errors import PipelineError
  from pipeline.jobs import _common
  held = _common.lock_workdir(str(tmp_path), "pipeline")
  with pytest.raises(PipelineError, match=rf"in use by another pipeline process \(pid {os.getpid()}\)"):
    _common.lock_workdir(str(tmp_path), "pipeline")
  held.close()  # released: the next process gets it
  _common.lock_workdir(str(tmp_path), "pipeline").close()


def test_a_client_whose_sequences_differ_from_the_server_s_is_one_line(tmp_path, job_env):
  from pipeline import config_schema, parts
  from pipeline.envs import registry
  from pipeline.replay import server as server_lib
  from pipeline.replay.spec import sequence_signature, step_spec
  c = config_schema.base_config()
  c.replay.sequence_length = 40   # the server's; the learner below asks for 20
  env = registry.make_from_config(c, seed=0)
  obs = env.observation_spec()
  signature = sequence_signature(step_spec(obs.shape, obs.dtype, env.action_spec().num_values), 40)
  server = server_lib.start_server(parts.replay_from(c), signature, str(tmp_path / "server"), 0)
  try:
    r = run(job("train", *TINY, "--config.replay.sequence_length=20",
                "--config.replay.sequence_overlap=10", f"--replay_address=localhost:{server.port}",
                f"--workdir={tmp_path}/w"), job_env)
  finally:
    server.stop()
  _assert_one_error(r, "holds other sequences than this run's config makes",
                    "field 'action' is [40] int32 there and [20] int32 here")


def test_a_port_in_use_is_one_line(tmp_path):
  import socket  # pylint: disable=g-import-not-at-top
  from pipeline import config_schema, parts
  from pipeline.errors import PipelineError
  from pipeline.replay import server as server_lib
  with socket.socket(socket.AF_INET6) as taken:
    taken.bind(("", 0))
    taken.listen()
    port = taken.getsockname()[1]
    with pytest.raises(PipelineError, match=f"port {port} is already in use"):
      server_lib.start_server(parts.replay_from(config_schema.base_config()), None,
                              str(tmp_path), port)
