"""The learner under MirroredStrategy on two logical CPUs equals one device."""
import json
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Runs in a fresh process: logical devices must be set before TF starts.
SCRIPT = textwrap.dedent("""
    import json, sys, tempfile
    import numpy as np, tensorflow as tf
    from pipeline.learner import strategy as strategy_lib
    strategy_lib.split_cpu(2)
    from pipeline import config_schema, parts
    from pipeline.learner.learner import Learner
    sys.path.insert(0, "benchmarks")
    from pve_cost import synthetic_sample

    def run(name, pve):
      c = config_schema.base_config()
      c.learner.batch_size = 8
      c.network.hidden_sizes = (16,)
      c.network.latent_size = 8
      c.network.head_hidden = 8
      c.past_policies.enabled = pve
      c.past_policies.size = 4
      tf.keras.utils.set_random_seed(0)
      learner = Learner(parts.learner_from(c), (4,), 2, tempfile.mkdtemp(), None,
                        strategy_lib.make_strategy(name))
      if pve:  # a stored head that depends on the latent (fresh output layers are zero)
        net = learner.network
        for w in net.value_head.weights + net.policy_head.weights:
          w.assign(tf.random.stateless_normal(w.shape, seed=[1, 2]))
        learner.train_step.auxiliary["past_policies"].push()
      sample = synthetic_sample(c, (4,), 2, np.random.default_rng(1))
      losses = [learner.learn_from(sample)["loss/optimised"] for _ in range(3)]
      flat = np.concatenate([w.numpy().ravel() for w in learner.network.weights])
      return losses, flat.tolist()

    out = {}
    for pve in (False, True):
      out[str(pve)] = {name: run(name, pve) for name in ("cpu", "mirrored")}
    out["replicas"] = strategy_lib.make_strategy("mirrored").num_replicas_in_sync
    print("RESULT" + json.dumps(out))
""")


def test_mirrored_on_two_cpus_gives_the_same_losses_and_weights():
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True,
                     text=True, timeout=300)
  line = [l for l in r.stdout.splitlines() if l.startswith("RESULT")]
  assert line, r.stderr[-3000:]
  out = json.loads(line[0][len("RESULT"):])
  assert out["replicas"] == 2
  for pve in ("False", "True"):
    (loss_1, weights_1), (loss_2, weights_2) = out[pve]["cpu"], out[pve]["mirrored"]
    assert abs(loss_1[0] - loss_2[0]) < 1e-5 * max(1.0, abs(loss_1[0]))  # same batch, same weights
    for a, b in zip(loss_1, loss_2):                                       # and after updates
      assert abs(a - b) < 1e-4 * max(1.0, abs(a)), (pve, loss_1, loss_2)
    assert max(abs(a - b) for a, b in zip(weights_1, weights_2)) < 1e-5
  # The loss changes the weights (the comparison above is not vacuous).
  assert max(abs(a - b) for a, b in zip(out["False"]["cpu"][1], out["True"]["cpu"][1])) > 1e-6
