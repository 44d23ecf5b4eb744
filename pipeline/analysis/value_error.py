"""Value-prediction errors of a model (He et al., Definitions 1 and 2).

For an action sequence a_{t:t+h-1} from state s_t:
  v = sum_{k<h} gamma^k r_{t+k} (real rewards),  v_hat = sum_{k<h} gamma^k u^k_t
  Definition 1: |v - v_hat| of one sequence.
  Definition 2: |E_{a ~ Pr(.|s, pi)} [v - v_hat]| for a policy pi, here a Monte
    Carlo mean over M sequences sampled from pi in the true environment.
A model is anything with `predict_rewards(roots, actions [N, h]) -> [N, h]`
(learned_model.LearnedModel, true_model.TrueModel).
"""
from typing import Callable, NamedTuple

import numpy as np
from scipy.stats import rankdata

from pipeline.analysis import behaviour as behaviour_lib
from pipeline.analysis import true_model
from pipeline.analysis.roots import Roots


def discounted_returns(rewards: np.ndarray, discount: float) -> np.ndarray:
  """[..., h] rewards -> [..., h]: entry j is sum_{k<=j} discount^k r_k (horizon j + 1)."""
  h = rewards.shape[-1]
  return np.cumsum(rewards * discount ** np.arange(h), axis=-1)


class PolicyErrors(NamedTuple):
  """Per state and horizon 1..h: def2 [N, h] = |mean (v - v_hat)| (Definition 2);
  def1 [N, h] = mean |v - v_hat| (Definition 1 averaged over the samples)."""
  def1: np.ndarray
  def2: np.ndarray


def policy_errors(true_rewards: np.ndarray, predicted: np.ndarray,
                  discount: float) -> PolicyErrors:
  """true_rewards, predicted [N, M, h] (M sampled sequences per state)."""
  diff = discounted_returns(true_rewards, discount) - discounted_returns(predicted, discount)
  return PolicyErrors(def1=np.abs(diff).mean(axis=1), def2=np.abs(diff.mean(axis=1)))


def evaluate_policy(env, model, policy, roots: Roots, num_samples: int, horizon: int,
                    discount: float, rng: np.random.Generator) -> PolicyErrors:
  """The model's errors [N, h] in evaluating `policy` from each root."""
  actions, rewards = behaviour_lib.sample_sequences(env, policy, roots, num_samples, horizon, rng)
  n = len(roots)
  predicted = model.predict_rewards(roots.repeat(num_samples),
                                    actions.reshape(n * num_samples, horizon))
  return policy_errors(rewards, predicted.reshape(rewards.shape), discount)


def cross_matrix(num_models: int, num_policies: int,
                 cell: Callable[[int, int], np.ndarray]) -> np.ndarray:
  """[X, Y, ...]: cell(x, y) for model x (rows) evaluating policy y (columns)."""
  return np.stack([np.stack([np.asarray(cell(x, y)) for y in range(num_policies)])
                   for x in range(num_models)])


# ---- every sequence of length h (Figure 4) -----------------------------------
class SequenceTable(NamedTuple):
  """For each of S states and all A^h sequences (true_model.all_sequences
  order): probability [S, A^h] under the policy and error [S, A^h]
  (Definition 1 at horizon h)."""
  probs: np.ndarray
  errors: np.ndarray


def sequence_probabilities(policy_probs, ended, horizon: int, num_actions: int) -> np.ndarray:
  """Pr(a_{0:h-1}) [A^h] = prod_k pi(a_k | s_k) along the true tree.

  policy_probs[k] [A^k, A] is the policy at the depth-k nodes; an ended node
  counts as uniform (any continuation of an ended episode is equally likely).
  """
  seqs = true_model.all_sequences(num_actions, horizon)
  prob = np.ones(len(seqs))
  index = np.arange(len(seqs))
  for k in range(horizon):
    p = np.where(ended[k][:, None], 1.0 / num_actions, policy_probs[k])
    prob *= p[index // num_actions ** (horizon - k), seqs[:, k]]
  return prob


def sequence_table(env, model, policy, roots: Roots, horizon: int, num_actions: int,
                   discount: float, rng: np.random.Generator) -> SequenceTable:
  """Probabilities and errors of every length-h sequence from each root."""
  trees = [true_model.enumerate_tree(env, node, horizon, num_actions)
           for node in true_model.root_nodes(roots)]
  # The policy at every node of every tree, one batch per depth.
  per_depth = []
  for k in range(horizon):
    obs = np.concatenate([t.observations[k] for t in trees])
    per_depth.append(np.split(policy.probs(obs, rng), len(trees)))
  probs = np.stack([
      sequence_probabilities([per_depth[k][s] for k in range(horizon)], trees[s].ended,
                             horizon, num_actions) for s in range(len(trees))])
  seqs = true_model.all_sequences(num_actions, horizon)
  q = len(seqs)
  predicted = model.predict_rewards(roots.repeat(q), np.tile(seqs, (len(roots), 1)))
  true_v = discounted_returns(np.stack([t.rewards for t in trees]), discount)[..., -1]
  pred_v = discounted_returns(predicted.reshape(len(roots), q, horizon), discount)[..., -1]
  return SequenceTable(probs, np.abs(true_v - pred_v))


class RankStats(NamedTuple):
  """Per rank (0 = least likely): mean and standard error over states."""
  prob_mean: np.ndarray
  prob_se: np.ndarray
  error_mean: np.ndarray
  error_se: np.ndarray


def _se(x: np.ndarray) -> np.ndarray:
  n = x.shape[0]
  return x.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(x.shape[1:])


def rank_statistics(table: SequenceTable, bins: int = 0) -> RankStats:
  """Sorts each state's sequences by probability (ascending), then aggregates
  the probabilities and errors of equal ranks over states (their Figure 4).

  With 0 < bins < A^h, consecutive ranks are first averaged per state in
  `bins` groups of (nearly) equal size; the stats are then [bins].
  """
  order = np.argsort(table.probs, axis=1, kind="stable")
  p = np.take_along_axis(table.probs, order, axis=1)
  e = np.take_along_axis(table.errors, order, axis=1)
  if 0 < bins < p.shape[1]:
    groups = np.array_split(np.arange(p.shape[1]), bins)
    p = np.stack([p[:, g].mean(axis=1) for g in groups], axis=1)
    e = np.stack([e[:, g].mean(axis=1) for g in groups], axis=1)
  return RankStats(p.mean(axis=0), _se(p), e.mean(axis=0), _se(e))


def spearman_per_state(table: SequenceTable) -> np.ndarray:
  """Rank correlation [S] between a sequence's probability and its error."""
  rp = rankdata(table.probs, axis=1)  # ties share their average rank
  re = rankdata(table.errors, axis=1)
  rp -= rp.mean(axis=1, keepdims=True)
  re -= re.mean(axis=1, keepdims=True)
  den = np.sqrt((rp ** 2).sum(axis=1) * (re ** 2).sum(axis=1))
  return np.where(den > 0, (rp * re).sum(axis=1) / np.where(den > 0, den, 1.0), 0.0)
