"""The install path: which requirement set ./run.sh setup picks (the GPU one
cannot be installed and run on a machine without an NVIDIA GPU)."""
import importlib.metadata
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _setup(*args, **env):
  environ = dict(os.environ, PVE_SETUP_PRINT="1", **env)
  environ.pop("PVE_GPU", None) if "PVE_GPU" not in env else None
  return subprocess.run(["bash", "run.sh", "setup", *args], cwd=REPO, env=environ,
                        capture_output=True, text=True, timeout=60)


def test_gpu_flag_selects_tensorflow_with_cuda():
  assert _setup("--gpu").stdout.strip() == "pip install -c constraints.txt -e .[test,gpu]"
  assert _setup(PVE_GPU="1").stdout.strip().endswith(".[test,gpu]")
  assert _setup("--cpu").stdout.strip().endswith(".[test]")
  assert _setup(PVE_GPU="0").stdout.strip().endswith(".[test]")


def test_bad_setup_input_is_one_line_and_exit_2():
  for r in (_setup("--tpu"), _setup(PVE_GPU="yes")):
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_gpu_extra_pins_tensorflow_and_cuda_at_the_supported_version():
  requires = importlib.metadata.requires("pve-muzero")
  assert 'tensorflow[and-cuda]==2.15.1; extra == "gpu"' in requires
