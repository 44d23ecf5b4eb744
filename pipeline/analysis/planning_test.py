"""The policy-prior baseline acts by sampling the prior (He et al.'s Figure 2), or by its argmax."""
import numpy as np

from pipeline.analysis import planning


def test_prior_actions_argmax_without_rng():
  logits = np.array([[0.0, 2.0, 1.0], [3.0, -1.0, 0.0]])
  np.testing.assert_array_equal(planning.prior_actions(logits, None), [1, 0])


def test_prior_actions_sample_the_softmax():
  # softmax([0, log 3]) = [0.25, 0.75], by hand.
  logits = np.tile([[0.0, np.log(3.0)]], (4000, 1))
  actions = planning.prior_actions(logits, np.random.default_rng(0))
  assert abs(actions.mean() - 0.75) < 0.03  # 4000 draws: SE 0.007
  assert set(actions.tolist()) == {0, 1}


class _Walk:
  """A dm_env-like chain: action 1 earns 1, the episode ends after 3 steps."""

  def reset(self):
    self.t = 0
    return _Step(np.zeros(1, np.float32), 0.0, False)

  def step(self, action):
    self.t += 1
    return _Step(np.zeros(1, np.float32), float(action == 1), self.t >= 3)


class _Step:
  def __init__(self, observation, reward, last):
    self.observation, self.reward, self._last = observation, reward, last

  def last(self):
    return self._last


def test_play_prior_scores_argmax_and_sampled_policies():
  always_one = lambda obs: np.tile([[-50.0, 50.0]], (len(obs), 1))
  coin = lambda obs: np.zeros((len(obs), 2))
  np.testing.assert_array_equal(planning.play_prior([_Walk(), _Walk()], always_one, 10), [3, 3])
  # argmax of a tie: action 0, never rewarded; sampled: some 1s over 50 episodes.
  assert planning.play_prior([_Walk()], coin, 10).tolist() == [0.0]
  sampled = planning.play_prior([_Walk() for _ in range(50)], coin, 10, np.random.default_rng(1))
  assert 0 < sampled.mean() < 3 and abs(sampled.mean() - 1.5) < 0.4
