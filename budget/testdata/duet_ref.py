#!/usr/bin/env python3
"""Reference values for DUETAllocate, ported from the DUET reference code.

Sources (github.com/Haoyu-Hu/DUET):
  src/duet/duet_allocator.py          DuetAllocator.allocate, _allocate_at_lambda
  src/verl_runtime/verl/trainer/ppo/ray_trainer.py
                                      B_full = M * rollout_n * np.mean(L_hat),
                                      step 4b (post-bisection trim), and the
                                      SNIPS weight 1/max(p_pre, eps_pre)
np.mean is written out as numpy's pairwise summation (pairwise_sum_DOUBLE)
so this script needs the standard library only.

Run: python3 testdata/duet_ref.py > testdata/duet_ref.json
"""
import json
import math
import random


def np_pairwise_sum(x):
    n = len(x)
    if n < 8:
        res = 0.0
        for v in x:
            res += v
        return res
    if n <= 128:
        r = list(x[:8])
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += x[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += x[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return np_pairwise_sum(x[:n2]) + np_pairwise_sum(x[n2:])


def allocate_at_lambda(lam, s, L, n_min, n_max):
    sqrt_lam = math.sqrt(max(lam, 1e-30))
    out = []
    for s_q, l_q in zip(s, L):
        n_real = float(s_q) / (sqrt_lam * math.sqrt(max(float(l_q), 1.0)))
        out.append(max(n_min, min(n_max, int(round(n_real)))))
    return out


def allocate(s, L, budget, full_budget_tokens, eps_pre=0.05, n_min=1, n_max=32, iters=10):
    target_B = budget * float(full_budget_tokens)
    log_lo, log_hi = -20.0, 20.0
    for _ in range(iters):
        log_mid = 0.5 * (log_lo + log_hi)
        n_q = allocate_at_lambda(math.exp(log_mid), s, L, n_min, n_max)
        phi = sum(n_q[i] * L[i] for i in range(len(n_q)))
        if phi > target_B:
            log_lo = log_mid
        else:
            log_hi = log_mid
    lam = math.exp(0.5 * (log_lo + log_hi))
    n_q = allocate_at_lambda(lam, s, L, n_min, n_max)
    n_uniform = max(1.0, sum(n_q) / len(n_q))
    p_pre = [max(eps_pre, min(1.0, float(n) / n_uniform)) for n in n_q]
    return n_q, p_pre, lam


def trainer_step(s, L, budget, rollout_n=8, eps_pre=0.05, n_min=1, n_max=32, iters=10):
    M = len(s)
    B_full = float(M * rollout_n * float(np_pairwise_sum(L) / M))
    n_q, p_pre, lam = allocate(s, L, budget, B_full, eps_pre, n_min, n_max, iters)
    target_B = budget * B_full
    post = list(n_q)
    trim_iters = 0
    while sum(post[i] * float(L[i]) for i in range(M)) > target_B and trim_iters < 4 * M:
        best, best_L = -1, -1.0
        for i in range(M):
            if post[i] > n_min and float(L[i]) > best_L:
                best_L = float(L[i])
                best = i
        if best < 0:
            break
        post[best] -= 1
        trim_iters += 1
    capped = trim_iters >= 4 * M and sum(post[i] * float(L[i]) for i in range(M)) > target_B
    weights = [1.0 / max(p, eps_pre) for p in p_pre]
    return {
        "signal": s, "length": L, "fraction": budget, "base_n": rollout_n,
        "min_n": n_min, "max_n": n_max, "iterations": iters,
        "budget": target_B, "lambda": lam,
        "bisected": n_q, "counts": post, "weights": weights, "capped": capped,
    }


def main():
    rng = random.Random(20261130)
    cases = []
    for k in range(300):
        M = rng.choice([1, 2, 3, 5, 8, 9, 16, 31, 64, 129, 300])
        s = [round(rng.uniform(0, 3), rng.choice([1, 3, 17])) for _ in range(M)]
        if rng.random() < 0.2:
            s[rng.randrange(M)] = 0.0
        L = [float(rng.choice([1, 50, 100, 250, 300, 400, 600, 1024, 4096])) if rng.random() < 0.5
             else rng.uniform(0.5, 4000) for _ in range(M)]
        budget = rng.choice([1.0, 0.5, 0.25, 0.1, rng.uniform(0.05, 1.0)])
        n_min, n_max = rng.choice([(1, 32), (1, 32), (2, 16), (1, 4)])
        cases.append(trainer_step(s, L, budget, 8, 0.05, n_min, n_max, 10))
    # The package example's instance.
    cases.append(trainer_step([0.8, 1.2, 0.5, 1.5], [300.0, 400.0, 250.0, 600.0], 0.5))
    json.dump(cases, __import__("sys").stdout, indent=None)
    print()


if __name__ == "__main__":
    main()
