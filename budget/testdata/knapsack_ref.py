#!/usr/bin/env python3
"""Reference allocations for KnapsackRL with CompatDP.

A port of sampling_budget_by_knapsack and solve_by_dp (github.com/liziniu/
KnapsackRL, verl/trainer/ppo/exploration_utils.py) with the reference's
arithmetic, written for the standard library only:

  * success rates are stored in a float32 array, costs too;
  * numba path (n_items * total_budget * (max_n - min_n) > 50000; vllm
    installs numba): p ** N is float32 ** int64, which numba evaluates by
    squaring in float32 (emulated here with struct.pack('f')); 1 - p and
    everything after it are float64 (int64 op float32 promotes to float64),
    (1 - p) ** N by squaring in float64;
  * numpy path (smaller problems; the reference pins numpy < 2, whose
    legacy promotion turns np.float32 ** int into float64): every operation
    in float64 from p = float(float32 p), powers by the C library's pow;
  * ties keep the earlier option: "no extra rollout" first, then the
    smallest k (strict > in both loops).

Instances hold only valid estimates, never all-mixed with a surplus (the
reference divides by zero there), and p̂ values exact in float32 or not,
with exact 0 and 1 and duplicates.

Run: python3 testdata/knapsack_ref.py > testdata/knapsack_ref.json
"""
import json
import math
import random
import struct
import sys


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def pow_sq(a, n, rnd):
    """numba's int_power: exponentiation by squaring, each product rounded by rnd."""
    r = rnd(1.0)
    a = rnd(a)
    while n != 0:
        if n & 1:
            r = rnd(r * a)
        n >>= 1
        a = rnd(a * a)
    return r


def gain(sr32, N, numba):
    if sr32 == 0 or sr32 == 1:
        return 0.0
    if numba:
        pN = pow_sq(sr32, N, f32)
        q = 1 - sr32
        qN = pow_sq(q, N, float)
        q2 = pow_sq(q, 2, float)
        return (1 - pN - qN) * sr32 * q2
    s = sr32
    return (1 - (s ** N) - ((1 - s) ** N)) * s * ((1 - s) ** 2)


def solve_by_dp(success_rates, eff, min_n, max_n, total_budget):
    """max_n is the extra cap (the caller passes max_n - min_n)."""
    out = [0] * len(success_rates)
    if total_budget <= 0:
        return out, "none"
    n_items = len(eff)
    numba = n_items * total_budget * max_n > 50000
    NEG = -math.inf
    W = total_budget + 1
    dp = [[NEG] * W for _ in range(n_items + 1)]
    dp[0][0] = 0.0
    choice = [[(-1, -1)] * W for _ in range(n_items + 1)]
    for i in range(1, n_items + 1):
        sr = success_rates[eff[i - 1]]
        gains = [0.0] + [gain(sr, k + min_n, numba) for k in range(1, max_n + 1)]
        prev, cur, ch = dp[i - 1], dp[i], choice[i]
        for w in range(W):
            if prev[w] > cur[w]:
                cur[w] = prev[w]
                ch[w] = (0, 0)
            for k in range(1, min(max_n + 1, w + 1)):
                if prev[w - k] == NEG:
                    continue
                v = prev[w - k] + gains[k]
                if v > cur[w]:
                    cur[w] = v
                    ch[w] = (i - 1, k)
    usable = total_budget
    while usable > 0 and dp[n_items][usable] == NEG:
        usable -= 1
    if usable > 0:
        w = usable
        for i in range(n_items, 0, -1):
            item_idx, alloc = choice[i][w]
            if alloc > 0:
                out[eff[item_idx]] += alloc
                w -= alloc
        remaining = total_budget - usable
    else:
        remaining = total_budget
    if remaining > 0 and eff:
        base, rem = divmod(remaining, len(eff))
        for idx in eff:
            out[idx] += base
        for i in range(rem):
            out[eff[i]] += 1
    return out, "numba" if numba else "numpy"


def knapsack(p, n=8, min_n=2, max_n=128, alpha=0.9, budget=None):
    m = len(p)
    total = m * n if budget is None else budget
    counts = [0] * m
    costs = [0.0] * m
    rates = [0.0] * m
    eff = []
    for i, sr in enumerate(p):
        if 0 < sr < 1:
            cost = math.log(1 - alpha) / math.log(max(sr, 1 - sr))
            counts[i] += min_n
            eff.append(i)
        elif sr == 0:
            cost = math.inf
            counts[i] += min_n
        else:
            cost = 0
            counts[i] += min_n
        costs[i] = f32(cost)
        rates[i] = f32(sr)
    backup = total
    total -= sum(counts)
    if total > 0 and not eff:
        zeros = [i for i in range(m) if rates[i] == 0]
        if zeros:
            base, rem = divmod(total, len(zeros))
            for idx, i in enumerate(zeros):
                counts[i] += base + (1 if idx < rem else 0)
        else:
            counts = [n] * m
        assert sum(counts) == backup, "the reference's uniform reset misses the budget"
        return counts, "none", False
    est = 0
    for idx in eff:
        est += int(min(max_n, costs[idx]))
    fallback = False
    if est < total:
        fallback = True
        zeros = [i for i in range(m) if rates[i] == 0]
        cands = zeros if zeros else [i for i in range(m) if i not in eff]
        if not cands:
            raise ZeroDivisionError("all prompts mixed")
        base, rem = divmod(total - est, len(cands))
        for idx, i in enumerate(cands):
            counts[i] += base + (1 if idx < rem else 0)
        total = est
    extra, path = solve_by_dp(rates, eff, min_n, max_n - min_n, total)
    counts = [a + b for a, b in zip(counts, extra)]
    assert sum(counts) == backup
    return counts, path, fallback


def instance(rng):
    m = rng.choice([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64])
    pool = []
    for _ in range(rng.randrange(1, 6)):
        kind = rng.random()
        if kind < 0.5:
            c = rng.choice([4, 8, 16, 3, 5, 7])
            pool.append(rng.randrange(0, c + 1) / c)
        elif kind < 0.8:
            pool.append(rng.random())
        else:
            pool.append(rng.choice([0.0, 1.0, 0.5, 0.25, 0.75]))
    p = [rng.choice(pool) for _ in range(m)]  # duplicates on purpose
    n = rng.choice([4, 8, 8, 16])
    min_n = rng.choice([1, 2, 2, 4])
    max_n = rng.choice([8, 16, 32, 64, 128, 128])
    max_n = max(max_n, min_n)
    budget = rng.choice([None, None, m * n + rng.randrange(0, 3 * m + 1), m * min_n + rng.randrange(0, m * n + 1)])
    return p, n, min_n, max_n, budget


def main():
    rng = random.Random(15)
    cases = []
    paths = {"numba": 0, "numpy": 0, "none": 0}
    while len(cases) < 400:
        p, n, min_n, max_n, budget = instance(rng)
        try:
            counts, path, fb = knapsack(p, n, min_n, max_n, 0.9, budget)
        except (ZeroDivisionError, AssertionError):
            continue
        paths[path] += 1
        cases.append({"p": p, "n": n, "min_n": min_n, "max_n": max_n,
                      "budget": budget if budget is not None else 0,
                      "counts": counts, "path": path, "fallback": fb})
    sys.stderr.write("paths: %s\n" % paths)
    json.dump(cases, sys.stdout)
    print()


if __name__ == "__main__":
    main()
