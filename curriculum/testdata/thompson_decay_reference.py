#!/usr/bin/env python3
"""Reference posteriors for Thompson decay with lambda < 1, following
PosteriorSampler.train in thu-rllab/MoPPS recipe/ours/mopps.py: for each
prompt of the batch, alpha <- alpha*lambda + alpha0*(1-lambda) + s*n and
beta <- beta*lambda + beta0*(1-lambda) + (1-s)*n, with s the prompt's success
rate over its n rollouts; entries not in the batch are left alone.
Here an arm plays the role of a prompt ("observed_only"); "all_arms" decays
every arm each step (the package's default) for comparison.

Run from curriculum/testdata:

    python3 thompson_decay_reference.py > thompson_decay_reference.json
"""
import json
import random


def main():
    rng = random.Random(9)
    k, lam, a0, b0 = 4, 0.9, 1.0, 1.0
    steps = []
    for _ in range(40):
        batch = {}
        for arm in range(k):
            if rng.random() < 0.5:
                n = rng.choice([4, 8, 16])
                wins = rng.randint(0, n)
                batch[arm] = [1.0] * wins + [0.0] * (n - wins)
        steps.append(batch)
    out = {"k": k, "decay": lam, "steps": [], "observed_only": [], "all_arms": []}
    for rule in ("observed_only", "all_arms"):
        alpha, beta = [a0] * k, [b0] * k
        for batch in steps:
            for arm in range(k):
                if arm in batch:
                    vals = batch[arm]
                    n = len(vals)
                    s = sum(vals) / n
                    alpha[arm] = alpha[arm] * lam + a0 * (1 - lam) + s * n
                    beta[arm] = beta[arm] * lam + b0 * (1 - lam) + (1 - s) * n
                elif rule == "all_arms":
                    alpha[arm] = alpha[arm] * lam + a0 * (1 - lam)
                    beta[arm] = beta[arm] * lam + b0 * (1 - lam)
            out[rule].append({"alpha": list(alpha), "beta": list(beta)})
    out["steps"] = [{str(a): v for a, v in b.items()} for b in steps]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
