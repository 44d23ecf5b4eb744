"""The study runner's pieces: run names, progress lines, the time-left estimate."""
import pytest

from pipeline import study


def _spec(game, steps, setting=study.REPLAY_SETTING, variant="muzero", seed=0):
  return study.RunSpec(game, variant, seed, "configs/x.py", {"learner.num_steps": steps}, setting)


def test_run_names_carry_the_setting():
  assert _spec("MinAtar/Breakout", 10).name == "minatar_breakout__muzero__s0"
  assert _spec("CartPole-v1", 10, "on-policy").name == "cartpole_v1_on_policy__muzero__s0"


def test_learner_progress_reads_the_last_step_line(tmp_path):
  log = tmp_path / "pipeline.log"
  assert study.learner_progress(str(log)) is None
  log.write_text("[pipeline] step 10/2000 (1.0/s) | frames 5\nnoise\n"
                 "[pipeline] step 250/2000 (4.0/s) | frames 9\n[pipeline] evaluation at step 250\n")
  assert study.learner_progress(str(log)) == (250, 2000)


def test_study_clock_per_game_rates():
  clock = study.StudyClock(workers=2)
  cart, breakout = _spec("CartPole-v1", 1000), _spec("MinAtar/Breakout", 2000)
  assert clock.seconds_left([cart], []) is None  # nothing measured yet
  clock.observe(cart, seconds=100.0, steps=1000)  # 0.1 s per step
  # Breakout not seen yet: the known games' mean rate stands in (0.1 s/step).
  assert clock.seconds_left([cart, breakout], []) == pytest.approx((100.0 + 200.0) / 2)
  # A running Breakout run measured at 0.4 s/step, 500 steps done: its own rate for its game.
  left = clock.seconds_left([cart, breakout], [(breakout, 500, 0.4)])
  assert left == pytest.approx((100.0 + 0.4 * 2000 + 0.4 * 1500) / 2)
  clock.observe(breakout, seconds=600.0, steps=2000)  # a finished run's rate wins: 0.3 s/step
  assert clock.seconds_left([breakout], [(breakout, 500, 0.4)]) == pytest.approx(
      (0.3 * 2000 + 0.3 * 1500) / 2)
  on_policy = _spec("CartPole-v1", 1000, "on-policy")  # another setting is another cost
  assert clock.seconds_left([on_policy], []) == pytest.approx((0.1 + 0.3) / 2 * 1000 / 2)
