"""Small known models for testing searches (the reference and compiled ones).

* `TableModel`: a random finite-state model whose outputs are table lookups,
  so numpy, JAX (mctx) and TensorFlow versions of it give bit-identical
  outputs; embeddings are state ids. Optional terminal transitions.
* `TreeMDP`: a deterministic finite-horizon tree MDP written as Python dicts,
  with `best_root_action` by exhaustive search over the tree.

Each provides `root(states)` -> RootOutput and `recurrent_fn(embedding,
action)` with the signature `mcts.search` calls. Rows are independent: a
row's outputs depend on that row's embedding and action only.
"""
from typing import Dict, List, Optional, Tuple

import numpy as np

from pipeline.search import base


class TableModel:
  """Random tables over `num_states` states and `num_actions` actions.

  Rewards lie in [0, reward_scale], values in [0, 1], logits are
  N(0, logit_scale). With discount gamma and reward_scale <= 1 - gamma every
  return r + gamma * v stays in [0, 1]. A transition is terminal (discount 0)
  with probability `terminal_prob`.
  """

  def __init__(self, seed: int, num_states: int = 32, num_actions: int = 3,
               reward_scale: float = 0.1, logit_scale: float = 1.0,
               terminal_prob: float = 0.0):
    rng = np.random.default_rng(seed)
    self.num_states = num_states
    self.num_actions = num_actions
    f32 = np.float32
    self.next_state = rng.integers(0, num_states, (num_states, num_actions))
    self.reward = (rng.random((num_states, num_actions)) *
                   reward_scale).astype(f32)
    self.discount = (rng.random((num_states, num_actions)) >=
                     terminal_prob).astype(f32)
    self.value = rng.random(num_states).astype(f32)
    self.logits = (rng.normal(size=(num_states, num_actions)) *
                   logit_scale).astype(f32)

  def root(self, states: np.ndarray) -> base.RootOutput:
    states = np.asarray(states, dtype=np.int64)
    return base.RootOutput(self.logits[states], self.value[states], states)

  def recurrent_fn(self, embedding, action):
    s = np.asarray(embedding, dtype=np.int64)
    a = np.asarray(action, dtype=np.int64)
    nxt = self.next_state[s, a]
    return base.RecurrentOutput(
        reward=self.reward[s, a], discount=self.discount[s, a],
        prior_logits=self.logits[nxt], value=self.value[nxt]), nxt


class TreeMDP:
  """A deterministic tree MDP per batch row, given as dicts.

  transitions[state][action] = (reward, next_state); a state without an entry
  is terminal (the transition into it has discount 0). The network outputs at
  each state are `values[state]` (default 0) and `logits[state]` (default
  uniform).
  """

  def __init__(self, transitions: Dict[int, Dict[int, Tuple[float, int]]],
               num_actions: int, values: Optional[Dict[int, float]] = None,
               logits: Optional[Dict[int, List[float]]] = None):
    self.transitions = transitions
    self.num_actions = num_actions
    self.values = values or {}
    self.logits = logits or {}

  def is_terminal(self, state: int) -> bool:
    return state not in self.transitions

  def value_of(self, state: int) -> float:
    return float(self.values.get(state, 0.0))

  def logits_of(self, state: int) -> np.ndarray:
    return np.asarray(self.logits.get(state, [0.0] * self.num_actions),
                      dtype=np.float64)

  def step(self, state: int, action: int):
    """(reward, discount, next_state); a terminal state absorbs."""
    if self.is_terminal(state):
      return 0.0, 0.0, state
    reward, nxt = self.transitions[state][action]
    return float(reward), 0.0 if self.is_terminal(nxt) else 1.0, nxt

  def optimal_values(self, discount: float) -> Dict[int, np.ndarray]:
    """Q*(s, a) of every non-terminal state by exhaustive search."""
    q = {}

    def v(state):
      if self.is_terminal(state):
        return 0.0
      if state not in q:
        q[state] = np.array([
            r + discount * v(nxt)
            for r, nxt in (self.transitions[state][a]
                           for a in range(self.num_actions))])
      return float(q[state].max())

    v(0)
    return q


def tree_mdp_batch(mdps: List[TreeMDP]):
  """(RootOutput, recurrent_fn) for one TreeMDP per batch row, roots = 0."""
  states = np.zeros(len(mdps), dtype=np.int64)
  root = base.RootOutput(
      np.stack([m.logits_of(0) for m in mdps]),
      np.array([m.value_of(0) for m in mdps]), states)

  def recurrent_fn(embedding, action):
    assert embedding.shape == (len(mdps),), embedding.shape
    assert action.dtype == np.int32, action.dtype
    out = [m.step(int(s), int(a)) for m, s, a in zip(mdps, embedding, action)]
    nxt = np.array([o[2] for o in out], dtype=np.int64)
    return base.RecurrentOutput(
        reward=np.array([o[0] for o in out]),
        discount=np.array([o[1] for o in out]),
        prior_logits=np.stack([m.logits_of(s) for m, s in zip(mdps, nxt)]),
        value=np.array([m.value_of(s) for m, s in zip(mdps, nxt)])), nxt

  return root, recurrent_fn


def random_tree_mdp(rng: np.random.Generator, depth: int,
                    num_actions: int) -> TreeMDP:
  """A full tree of the given depth; rewards uniform in [0, 1]."""
  transitions = {}
  frontier, next_id = [0], 1
  for _ in range(depth):
    new_frontier = []
    for s in frontier:
      transitions[s] = {}
      for a in range(num_actions):
        transitions[s][a] = (float(rng.random()), next_id)
        new_frontier.append(next_id)
        next_id += 1
    frontier = new_frontier
  return TreeMDP(transitions, num_actions)
