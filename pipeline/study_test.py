"""The study runner's pieces: run names, progress lines, the time-left estimate."""
import glob
import os

import pytest

from pipeline import study

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_planned_steps_read_the_recipe_where_the_overrides_are_silent(tmp_path):
  recipe = tmp_path / "recipe.py"
  recipe.write_text("import ml_collections\n"
                    "def get_config():\n"
                    "  c = ml_collections.ConfigDict()\n"
                    "  c.learner = ml_collections.ConfigDict({'num_steps': 6000, 'stop_at_step': 0})\n"
                    "  return c\n")
  spec = lambda overrides: study.RunSpec("G", "muzero", 0, str(recipe), overrides)
  assert study.planned_steps(spec({})) == 6000                                   # the recipe's
  assert study.planned_steps(spec({"learner.stop_at_step": 3000})) == 3000       # cut short
  assert study.planned_steps(spec({"learner.num_steps": 500})) == 500
  assert study.planned_steps(study.RunSpec("G", "muzero", 0, str(tmp_path / "none.py"), {})) == 1


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
  # Another variant of a known game: the game's rate until a run of that variant finishes.
  pve = _spec("MinAtar/Breakout", 2000, variant="muzero_pve")
  assert clock.seconds_left([pve], []) == pytest.approx(0.3 * 2000 / 2)
  clock.observe(pve, seconds=900.0, steps=2000)   # 0.45 s/step
  assert clock.seconds_left([pve, breakout], []) == pytest.approx((0.45 + 0.3) * 2000 / 2)


def _load(path):
  """A config file's get_config(), or get_config(ARG) for PATH:ARG (config_flags' syntax)."""
  import importlib.util
  path, *arg = path.split(":")
  spec = importlib.util.spec_from_file_location("cfg", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config(*arg)


@pytest.mark.parametrize("path", sorted(os.path.relpath(p, ROOT) for p in glob.glob(
    os.path.join(ROOT, "configs", "study_*.py"))) + ["configs/study_gumbel.py:20min"])
def test_every_run_of_a_study_config_is_a_valid_run_config(path):
  from pipeline import config_schema
  specs = study.expand(_load(path))
  assert len({s.name for s in specs}) == len(specs)  # no two runs share a directory
  for spec in specs:
    config = _load(spec.config_path)
    config.lock()  # a key the run config lacks (a typo) raises
    for key, value in spec.overrides.items():  # as the command line sets them (typed)
      *parents, leaf = key.split(".")
      node = config
      for p in parents:
        node = node[p]
      node[leaf] = value
    config_schema.validate(config)


def test_study_minatar_is_the_issue_s_design():
  specs = study.expand(_load("configs/study_minatar.py"))
  replay = [s for s in specs if s.setting == study.REPLAY_SETTING]
  assert sorted({s.game for s in replay}) == ["CartPole-v1", "MinAtar/Asterix", "MinAtar/Breakout",
                                              "MinAtar/Freeway", "MinAtar/Seaquest",
                                              "MinAtar/SpaceInvaders"]
  assert len(replay) == 6 * 2 * 3
  on_policy = [s for s in specs if s.setting == "on-policy"]
  assert sorted({s.game for s in on_policy}) == ["CartPole-v1", "MinAtar/Breakout"]
  assert len(on_policy) == 2 * 2 * 3 and all(s.overrides["replay.kind"] == "queue" for s in on_policy)
  for s in specs:  # the two variants of a game have the same budget
    assert s.overrides["learner.num_steps"] == next(
        o.overrides["learner.num_steps"] for o in specs if (o.game, o.setting) == (s.game, s.setting))


def test_the_laptop_past_policies_settings_agree_across_study_configs():
  def pve(path):
    return dict(next(v for v in _load(path).variants if v["name"] == "muzero_pve")["overrides"])
  assert pve("configs/study_default.py") == pve("configs/study_minatar.py") == pve(
      "configs/study_pve_cartpole.py")


def test_study_minatar_budgets_shares_its_runs_with_the_studies_it_reuses():
  runs = lambda path: {s.name: s.overrides for s in study.expand(_load(path))}
  budgets, short, long_ = (runs(f"configs/study_{n}.py")
                           for n in ("minatar_budgets", "minatar", "minatar_long"))
  assert set(budgets) == set(short)  # the same 48 runs
  slow = {n for n in budgets if n.startswith(("minatar_asterix__", "minatar_seaquest__"))}
  assert len(slow) == 2 * 2 * 3
  for name, overrides in budgets.items():
    if name in slow:
      assert overrides["learner.num_steps"] == 30000
    else:
      assert overrides == short[name], name  # --reuse finds its config equal
  assert all(budgets[name] == overrides for name, overrides in long_.items())


def test_resolved_config_sets_the_overrides_on_the_recipe(tmp_path):
  recipe = tmp_path / "recipe.py"
  recipe.write_text("import ml_collections\n"
                    "def get_config():\n"
                    "  return ml_collections.ConfigDict({'seed': 1, 'learner': {'num_steps': 6000,"
                    " 'lr': 0.5}})\n")
  spec = study.RunSpec("G", "muzero", 3, str(recipe), {"seed": 3, "learner.num_steps": 100})
  assert study.resolved_config(spec) == {"seed": 3, "learner": {"num_steps": 100, "lr": 0.5}}


def test_run_study_reuses_agreeing_runs_and_restores_only_agreeing_archived_ones(tmp_path, monkeypatch):
  import json
  import ml_collections
  monkeypatch.setattr(study.signal, "signal", lambda *args: None)  # keep pytest's Ctrl-C
  recipe = tmp_path / "recipe.py"
  recipe.write_text("import ml_collections\n"
                    "def get_config():\n"
                    "  return ml_collections.ConfigDict({'seed': 0, 'env': {'name': ''},"
                    " 'learner': {'num_steps': 6000}})\n")
  c = ml_collections.ConfigDict()
  c.games = [{"name": "A", "config": str(recipe), "overrides": (("learner.num_steps", 30000),)},
             {"name": "B", "config": str(recipe), "overrides": ()}]
  c.variants = [{"name": "muzero", "overrides": ()}]
  c.seeds, c.budget = [0], ()

  def finished(study_dir, name, steps, game):
    run = tmp_path / study_dir / "runs" / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(
        {"seed": 0, "env": {"name": game}, "learner": {"num_steps": steps}}))
    (run / "result.json").write_text('{"learner_steps": 1, "wall_seconds": 1.0}')

  finished("short", "a__muzero__s0", 6000, "A")      # another budget: not this study's run
  finished("short", "b__muzero__s0", 6000, "B")
  finished("long", "a__muzero__s0", 30000, "A")
  finished("archive", "a__muzero__s0", 6000, "A")    # an archived copy of the old budget
  printed = []
  counts = study.run_study(c, str(tmp_path / "s"), 1, print_fn=printed.append,
                           archive_dir=str(tmp_path / "archive"),
                           reuse_dirs=[str(tmp_path / "short"), str(tmp_path / "long")])
  assert counts["reused"] == 2 and counts["ran"] == 0, printed
  assert any(line.startswith("[study] reused 2 finished runs") for line in printed), printed
  assert any("a__muzero__s0: the archive's copy had another config (" in line and
             "6000 != 30000" in line for line in printed), printed
  assert json.loads((tmp_path / "s/runs/a__muzero__s0/config.json").read_text())[
      "learner"]["num_steps"] == 30000
  assert not (tmp_path / "archive/runs/a__muzero__s0").exists()  # the stale copy left it
  assert not (tmp_path / "archive/runs/b__muzero__s0").exists()  # reused runs stay in their sources
  # An archive of the old budget alone: not restored, and said so (the run would run anew).
  finished("old_archive", "a__muzero__s0", 6000, "A")
  printed.clear()
  with pytest.raises(KeyboardInterrupt):  # stop before it starts a training run
    study.run_study(c, str(tmp_path / "s2"), 1, print_fn=_stop_at_start(printed),
                    archive_dir=str(tmp_path / "old_archive"))
  assert any("not restored a__muzero__s0" in line and "6000 != 30000" in line
             for line in printed), printed


def _stop_at_start(printed):
  def print_fn(line):
    printed.append(line)
    if "to run" in line:
      raise KeyboardInterrupt
  return print_fn


def test_a_study_setting_a_key_its_recipe_lacks_is_one_error(tmp_path):
  from pipeline.errors import PipelineError
  spec = study.RunSpec("G", "muzero", 0, "configs/cartpole.py", {"learner.num_stepz": 5})
  with pytest.raises(PipelineError, match="sets learner.num_stepz, which configs/cartpole.py"):
    study.resolved_config(spec)


@pytest.mark.parametrize("path,archives,slow", [
    ("configs/study_minatar.py", ["docs/study_minatar"], 0),
    ("configs/study_minatar_long.py", ["docs/study_minatar_long"], 0),
    # Asterix and Seaquest at 30,000 steps: 10 of their 12 runs are in no archive yet.
    ("configs/study_minatar_budgets.py", ["docs/study_minatar", "docs/study_minatar_long"], 10)])
def test_the_committed_study_runs_are_still_their_studies_runs(path, archives, slow):
  """A recipe or study config changed since a committed study ran would make its
  archived runs another study's: --archive and --reuse would then refuse them."""
  from pipeline import study_archive
  missing = []
  for spec in study.expand(_load(path)):
    want = study_archive.Wanted(study.resolved_config(spec), tuple(spec.overrides))
    runs = [os.path.join(ROOT, a, "runs", spec.name) for a in archives]
    if not any(os.path.isfile(os.path.join(r, "result.json")) and study_archive.run_difference(r, want) == ""
               for r in runs):
      missing.append(spec.name)
  assert len(missing) == slow and all(n.startswith(("minatar_asterix", "minatar_seaquest"))
                                      for n in missing), missing


def _as_the_job_parses(spec):
  """The run's config as its job builds it from the command line (config_flags)."""
  from absl import flags
  from ml_collections import config_flags
  argv = ["job"] + [a for a in study.command(spec, "/tmp/x") if a.startswith("--config")]
  values = flags.FlagValues()
  config_flags.DEFINE_config_file("config", None, "", flag_values=values, sys_argv=argv)
  values(argv)
  return values.config.to_dict()


def test_resolved_config_is_the_config_the_job_parses_from_the_command():
  specs = [study.RunSpec("G", "v", 0, "configs/cartpole.py", {
      "search.temperature_schedule": ((0.0, 1.0), (0.5, 0.25)),   # a tuple of tuples
      "network.hidden_sizes": (32,), "replay.kind": "queue", "learner.learning_rate": 0.01,
      "replay.samples_per_insert": 8})]                            # an int into a float
  for path in sorted(glob.glob(os.path.join(ROOT, "configs", "study_*.py"))):
    first_of_game = {}
    for spec in study.expand(_load(os.path.relpath(path, ROOT))):
      first_of_game.setdefault((spec.game, spec.setting), spec)   # one run per game: the time
    specs += list(first_of_game.values())
  for spec in specs:
    assert study.resolved_config(spec) == _as_the_job_parses(spec), spec
