#!/usr/bin/env python3
"""Reference selections for curriculum.Select, following PosteriorSampler.sample_batch
in thu-rllab/MoPPS recipe/ours/mopps.py, re-expressed with the Python standard
library (no numpy) on fixed predictions (the sampled_r of the reference):

  * "topk": argsort((r - target)^2)[:B], ties in candidate order (numpy's
    default argsort is not stable; the package keeps candidate order);
  * "threshold": in-band = lower <= r <= upper. With at least B in-band
    prompts the reference returns a random subset of B of them, recorded
    here as the set of eligible prompts ("subset_of"); otherwise it sorts by
    the distance outside the band (0 inside) and takes the first B, recorded
    as the exact ordered answer ("want"), in-band prompts in candidate order.

Run from curriculum/testdata:

    python3 mopps_select_reference.py > mopps_select_reference.json
"""
import json
import random


def topk(r, b, target):
    order = sorted(range(len(r)), key=lambda i: ((r[i] - target) ** 2, i))
    return order[:b]


def threshold(r, b, lower, upper):
    inr = [i for i in range(len(r)) if lower <= r[i] <= upper]
    if len(inr) >= b:
        return None, inr
    def score(i):
        if r[i] < lower:
            return lower - r[i]
        if r[i] > upper:
            return r[i] - upper
        return 0.0
    order = sorted(range(len(r)), key=lambda i: (score(i), i))
    return order[:b], inr


def main():
    rng = random.Random(60)
    cases = [{"name": "issue", "r": [0.1, 0.2, 0.5], "b": 3, "lower": 0.3, "upper": 0.7, "target": 0.5}]
    for c in range(60):
        m = rng.randint(3, 12)
        cases.append({"name": f"random-{c}", "r": [round(rng.random(), 6) for _ in range(m)], "b": rng.randint(1, m),
                      "lower": 0.3, "upper": 0.7, "target": 0.5})
    for case in cases:
        case["topk"] = topk(case["r"], case["b"], case["target"])
        want, inr = threshold(case["r"], case["b"], case["lower"], case["upper"])
        case["threshold"] = want
        case["in_band"] = inr
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
