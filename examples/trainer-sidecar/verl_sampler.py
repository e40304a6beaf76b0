"""A verl curriculum sampler backed by budgetkit's trainer sidecar.

    data.sampler.class_path=/path/to/examples/trainer-sidecar/verl_sampler.py
    data.sampler.class_name=BudgetkitSampler
    data.dataloader_num_workers=0
    +data.budgetkit.method=dump          # dump, sec, ucb1, sw-ucb, d-ucb, exp3, thompson

Each batch draws its data sources from the sidecar's curriculum (counter-based,
so identical after a resume) and a prompt within each source from a seeded
per-source permutation. update(batch), which verl calls after each step,
groups the per-rollout scores by uid, keys each group by its stable `index`
(extra_info.index) and observes them. state_dict() carries the sidecar's
snapshot in verl's dataloader checkpoint. Set $BUDGETKIT_ADDR to use a running
sidecar; otherwise one is spawned ($BUDGETKIT_SIDECAR_BIN, else `go run`).
"""

import os
import random
import sys

from verl.experimental.dataset.sampler import AbstractCurriculumSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import AlreadyApplied, Client  # noqa: E402


def _cfg(c, key, default=None):
    v = c.get(key, default) if c is not None else default
    return default if v is None else v


def _row_sums(x):
    """Per-row sums of a tensor or array (summed there, not in Python) or of a
    list of lists."""
    return x.sum(-1).tolist() if hasattr(x, "sum") else [sum(r) for r in x]


class BudgetkitSampler(AbstractCurriculumSampler):
    def __init__(self, data_source, data_config):
        bk = _cfg(data_config, "budgetkit", {})
        self.n = len(data_source)
        self.batch_size = int(_cfg(data_config, "gen_batch_size", _cfg(data_config, "train_batch_size", 1)))
        self.seed = int(_cfg(bk, "seed", _cfg(data_config, "seed", 1)))
        self.session = str(_cfg(bk, "session", "verl"))
        column = data_source.dataframe[str(_cfg(bk, "source_key", "data_source"))]
        self.rows = {}
        for i, s in enumerate(column):
            self.rows.setdefault(str(s), []).append(i)
        self.arms = sorted(self.rows)
        self.client = Client() if os.environ.get("BUDGETKIT_ADDR") else Client.spawn()
        curriculum = {"arms": self.arms, "method": str(_cfg(bk, "method", "dump"))}
        self.client.create_session(id=self.session, curriculum=curriculum, threshold=float(_cfg(bk, "threshold", 0.5)),
                                   tracker=dict(_cfg(bk, "tracker", {})) or None)
        self.step = 0  # updates applied (training steps)
        self.draws = 0  # batches drawn
        self.pos = 0  # indices yielded in this epoch
        self.epoch = {a: 0 for a in self.arms}
        self.cursor = {a: 0 for a in self.arms}
        self._perm = {}  # source -> ((source, epoch), permutation), a cache

    def __len__(self):
        return self.n

    def __iter__(self):
        # pos (indices yielded this epoch) is in the state, so a resumed epoch
        # has its remaining length, as torchdata's own samplers do.
        while self.pos < self.n:
            k = min(self.batch_size, self.n - self.pos)
            drawn = self.client.sample_sources(self.session, self.draws, k, self.seed)["sources"]
            self.draws += 1
            for s in drawn:
                self.pos += 1
                yield self._next_row(s)
        self.pos = 0

    def _next_row(self, source):
        """The next row of source in its permutation of (seed, source, epoch)."""
        rows = self.rows[source]
        if self.cursor[source] == len(rows):
            self.epoch[source] += 1
            self.cursor[source] = 0
        key = (source, self.epoch[source])
        if self._perm.get(source, (None,))[0] != key:
            perm = list(rows)
            random.Random(f"{self.seed}:{source}:{self.epoch[source]}").shuffle(perm)
            self._perm[source] = (key, perm)
        self.cursor[source] += 1
        return self._perm[source][1][self.cursor[source] - 1]

    def update(self, batch):
        nt = batch.non_tensor_batch
        index, uid, source = list(nt["index"]), list(nt["uid"]), list(nt["data_source"])
        if len(set(map(str, index))) == 1 and len(set(map(str, uid))) > 1:
            raise ValueError(f"every rollout has index {index[0]!r}: verl defaults extra_info.index to 0 when it "
                             "is missing; give every prompt a distinct extra_info.index")
        key = "token_level_scores" if "token_level_scores" in batch.batch else "token_level_rewards"
        scores = _row_sums(batch.batch[key])
        mask = batch.batch["response_mask"] if "response_mask" in batch.batch else None
        lengths = _row_sums(mask) if mask is not None else None
        groups = {}
        for j, u in enumerate(uid):
            g = groups.setdefault(u, {"id": str(index[j]), "source": str(source[j]), "rewards": []})
            g["rewards"].append(float(scores[j]))
            if lengths is not None:
                g.setdefault("lengths", []).append(float(lengths[j]))
        try:
            self.client.observe(self.session, self.step, list(groups.values()))
        except AlreadyApplied as e:
            if not e.retried:  # a replayed step, not our own retry landing twice
                raise
        self.step += 1

    def state_dict(self):
        return {"snapshot": self.client.snapshot(self.session), "step": self.step, "draws": self.draws,
                "pos": self.pos, "epoch": dict(self.epoch), "cursor": dict(self.cursor)}

    def load_state_dict(self, state):
        self.client.restore(state["snapshot"])
        self.step, self.draws, self.pos = int(state["step"]), int(state["draws"]), int(state["pos"])
        self.epoch, self.cursor = dict(state["epoch"]), dict(state["cursor"])
