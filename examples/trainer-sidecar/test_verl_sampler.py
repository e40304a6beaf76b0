"""Tests of verl_sampler.BudgetkitSampler without verl, torch or numpy: a fake
verl.experimental.dataset.sampler module goes into sys.modules and a fake
DataProto holds lists. The sampler spawns the sidecar ($BUDGETKIT_SIDECAR_BIN).
"""

import abc
import sys
import types
import unittest
import uuid


class _Sampler:  # torch.utils.data.Sampler's role: an iterable of indices
    pass


class AbstractSampler(_Sampler, abc.ABC):
    @abc.abstractmethod
    def __init__(self, data_source, data_config):
        pass


class AbstractCurriculumSampler(AbstractSampler):
    @abc.abstractmethod
    def update(self, batch):
        pass


def _install_fake_verl():
    names = ["verl", "verl.experimental", "verl.experimental.dataset", "verl.experimental.dataset.sampler"]
    for n in names:
        sys.modules.setdefault(n, types.ModuleType(n))
    mod = sys.modules["verl.experimental.dataset.sampler"]
    mod.AbstractSampler, mod.AbstractCurriculumSampler = AbstractSampler, AbstractCurriculumSampler


_install_fake_verl()
import verl_sampler  # noqa: E402
from verl_allocate_mixin import AllocateRolloutsMixin  # noqa: E402
from client import AlreadyApplied  # noqa: E402


class Dataset:
    """RLHFDataset's role: len() and a dataframe with a data_source column."""

    def __init__(self, sources):
        self.dataframe = {"data_source": sources}

    def __len__(self):
        return len(self.dataframe["data_source"])


class DataProto:
    """DataProto's role: tensors in .batch, arrays in .non_tensor_batch."""

    def __init__(self, batch, non_tensor_batch):
        self.batch, self.non_tensor_batch = batch, non_tensor_batch


SOURCES = ["gsm8k"] * 10 + ["math"] * 6 + ["code"] * 4
RATE = {"gsm8k": 0.9, "math": 0.4, "code": 0.05}


def make_batch(rows, n=4, same_index=False):
    """n rollouts per row; rollout j of a row of source s scores 1 when
    j/n < RATE[s]; each rollout has a 3-token score vector (reward on the last
    token) and a response mask of 2 + j tokens."""
    uid, index, src, scores, mask = [], [], [], [], []
    for r in rows:
        u = str(uuid.uuid4())
        for j in range(n):
            uid.append(u)
            index.append(0 if same_index else r)
            src.append(SOURCES[r])
            scores.append([0.0, 0.0, 1.0 if j / n < RATE[SOURCES[r]] else 0.0])
            mask.append([1] * (2 + j) + [0] * (6 - j))
    return DataProto({"token_level_scores": scores, "response_mask": mask},
                     {"uid": uid, "index": index, "data_source": src})


CONFIG = {"train_batch_size": 8, "budgetkit": {"method": "dump", "seed": 3, "session": "verl-test"}}


class Adapter(unittest.TestCase):
    def new(self):
        s = verl_sampler.BudgetkitSampler(Dataset(SOURCES), CONFIG)
        self.addCleanup(s.client.close)
        return s

    def test_draws_and_updates(self):
        s = self.new()
        self.assertIsInstance(s, AbstractCurriculumSampler)
        self.assertEqual(len(s), 20)
        it = iter(s)
        batch = [next(it) for _ in range(8)]
        self.assertTrue(all(0 <= r < 20 for r in batch))
        s.update(make_batch(batch))
        snap = s.client.snapshot("verl-test")
        self.assertIn('"id":"%d"' % batch[0], snap)  # prompts keyed by index
        probs = s.client.observe("verl-test", 1, [])["probabilities"]
        self.assertEqual(set(probs), set(RATE))
        rest = list(it)
        self.assertEqual(len(batch) + len(rest), 20)

    def test_refuses_identical_index(self):
        s = self.new()
        with self.assertRaisesRegex(ValueError, "extra_info.index"):
            s.update(make_batch([0, 11, 17], same_index=True))

    def test_rewards_lengths_and_groups(self):
        s = self.new()
        seen = []
        s.client.observe = lambda session, step, prompts, shard=0: seen.append((step, prompts)) or {}
        s.update(make_batch([11, 19, 11], n=2))  # prompt 11 twice: two uid groups
        step, prompts = seen[0]
        self.assertEqual(step, 0)
        self.assertEqual(len(prompts), 3)
        self.assertEqual(prompts[0], {"id": "11", "source": "math", "rewards": [1.0, 0.0], "lengths": [2.0, 3.0]})
        self.assertEqual(prompts[1], {"id": "19", "source": "code", "rewards": [1.0, 0.0], "lengths": [2.0, 3.0]})
        self.assertEqual(prompts[2], prompts[0])

    def test_tensor_scores_are_summed_by_the_tensor(self):
        class Tensor:  # torch's role: sum(-1) reduces each row, tolist() exports
            def __init__(self, rows):
                self.rows = rows

            def sum(self, dim):
                assert dim == -1
                return Tensor([sum(r) for r in self.rows])

            def tolist(self):
                return list(self.rows)

        s = self.new()
        seen = []
        s.client.observe = lambda session, step, prompts, shard=0: seen.append(prompts) or {}
        b = make_batch([11, 19], n=2)
        b.batch = {k: Tensor(v) for k, v in b.batch.items()}
        s.update(b)
        self.assertEqual(seen[0][0], {"id": "11", "source": "math", "rewards": [1.0, 0.0], "lengths": [2.0, 3.0]})

    def test_state_dict_resumes_identically(self):
        a = self.new()
        it = iter(a)
        first = [next(it) for _ in range(8)]
        a.update(make_batch(first))
        state = a.state_dict()
        second = [next(it) for _ in range(8)]
        a.update(make_batch(second))
        a.client.close()
        b = self.new()  # a new service: the state comes from the checkpoint
        b.load_state_dict(state)
        it = iter(b)
        self.assertEqual([next(it) for _ in range(8)], second)
        self.assertEqual(len(list(it)), 20 - 16)  # the epoch's remaining length
        b.step -= 1  # a trainer replaying step 0 after the resume is refused
        with self.assertRaises(AlreadyApplied):
            b.update(make_batch(first))


class Rows:
    """A DataProto stand-in with select_idxs over plain lists."""

    def __init__(self, non_tensor_batch):
        self.non_tensor_batch = non_tensor_batch

    def select_idxs(self, idxs):
        return Rows({k: [v[i] for i in idxs] for k, v in self.non_tensor_batch.items()})


class Mixin(unittest.TestCase):
    def test_rows_replace_repeat(self):
        s = verl_sampler.BudgetkitSampler(Dataset(SOURCES), CONFIG)
        self.addCleanup(s.client.close)
        s.update(make_batch(range(20)))

        class Trainer(AllocateRolloutsMixin):
            config = types.SimpleNamespace(actor_rollout_ref=types.SimpleNamespace(rollout=types.SimpleNamespace(n=4)))
            actor_rollout_wg = types.SimpleNamespace(world_size=8)
            budgetkit_client, budgetkit_session = s.client, "verl-test"

        t = Trainer()
        batch = Rows({"index": [0, 11, 17, 3, 12, 19], "uid": list("abcdef")})
        rows = t.budgetkit_rows(batch)
        self.assertEqual(len(rows), 4 * 6)  # the same total as repeat(4)
        self.assertEqual(rows, sorted(rows))  # interleaved: a prompt's rollouts together
        counts = t.budgetkit_last_counts
        self.assertEqual([rows.count(i) for i in range(6)], counts)
        self.assertNotEqual(set(counts), {4})  # not uniform: all-solved gsm8k prompts get fewer
        self.assertEqual(batch.select_idxs(rows).non_tensor_batch["uid"][:counts[0]], ["a"] * counts[0])


if __name__ == "__main__":
    unittest.main()
