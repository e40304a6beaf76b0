"""Variable rollouts per prompt in verl: a trainer mixin (a recipe).

verl repeats every prompt actor_rollout_ref.rollout.n times. Knapsack RL's fork
replaces that repeat with per-prompt counts; this mixin does the same with
budgetkit's allocation (the session's preset: Beta-knapsack by default,
"knapsack-rl" or "duet"), keeping the total at n x prompts and divisible by the
data-parallel size, so nothing downstream changes size. In RayPPOTrainer.fit,
replace

    gen_batch_output = gen_batch.repeat(repeat_times=n, interleave=True)
    batch = batch.repeat(repeat_times=n, interleave=True)

with

    rows = self.budgetkit_rows(batch)
    gen_batch_output = gen_batch.select_idxs(rows)
    batch = batch.select_idxs(rows)

and define `class Trainer(AllocateRolloutsMixin, RayPPOTrainer)` with
budgetkit_client set (the BudgetkitSampler's client, so the rewards it observes
feed the allocation). uids are set before the repeat, so each prompt's
rollouts still form one GRPO group, of its own size.
"""

import math


class AllocateRolloutsMixin:
    budgetkit_client = None  # a client.Client
    budgetkit_session = "verl"
    budgetkit_divisor = 1  # extra divisibility, e.g. a mini-batch size in rollouts

    def budgetkit_rows(self, batch):
        """Row indices of batch, row i repeated counts[i] times (interleaved)."""
        n = int(self.config.actor_rollout_ref.rollout.n)
        ids = [str(i) for i in batch.non_tensor_batch["index"]]
        divisor = math.lcm(int(self.actor_rollout_wg.world_size), int(self.budgetkit_divisor))
        counts = self.budgetkit_client.allocate(self.budgetkit_session, ids, budget=n * len(ids),
                                                divisor=divisor, exact=True)["counts"]
        self.budgetkit_last_counts = counts  # for logging
        return [i for i, c in enumerate(counts) for _ in range(c)]
