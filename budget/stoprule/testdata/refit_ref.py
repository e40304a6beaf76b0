#!/usr/bin/env python3
"""Reference K1/K2 refit sequences for the stop-rule Controller.

Ported from DUET's trainer (github.com/Haoyu-Hu/DUET,
src/verl_runtime/verl/trainer/ppo/ray_trainer.py, the "_duet_k_estimator"
blocks): global_steps starts at 1; K1 = int(0.3*max_resp), K2 =
int(0.7*max_resp); after each step the kept lengths are appended, the history
is trimmed to the last k_history (1024), and when
global_steps - last_update_step >= k_update_every (10, last_update_step
starting at -1) and at least 32 lengths are known, K1 = max(32,
int(np.quantile(h, 0.30))), K2 = max(K1 + 50, int(np.quantile(h, 0.80))).
np.quantile's default ("linear") is written out with numpy's _lerp so the
script needs the standard library only.

Run: python3 testdata/refit_ref.py > testdata/refit_ref.json
"""
import json
import math
import random
import sys


def np_quantile_linear(values, q):
    s = sorted(values)
    n = len(s)
    vi = (n - 1) * q
    prev = math.floor(vi)
    nxt = min(prev + 1, n - 1)
    prev = min(prev, n - 1)
    a, b = s[prev], s[nxt]
    t = vi - prev
    d = b - a
    if t >= 0.5:
        return b - d * (1 - t)
    return a + d * t


def run(max_resp, steps, history=1024, every=10):
    est = {"lengths": [], "k1": int(0.3 * max_resp), "k2": int(0.7 * max_resp), "last": -1}
    out = []
    for global_steps, kept in enumerate(steps, start=1):
        est["lengths"].extend(kept)
        if len(est["lengths"]) > history:
            est["lengths"] = est["lengths"][-history:]
        refit = False
        if global_steps - est["last"] >= every and len(est["lengths"]) >= 32:
            k1 = int(np_quantile_linear(est["lengths"], 0.30))
            k2 = int(np_quantile_linear(est["lengths"], 0.80))
            k1 = max(32, k1)
            k2 = max(k1 + 50, k2)
            est["k1"], est["k2"], est["last"] = k1, k2, global_steps
            refit = True
        out.append({"refit": refit, "k1": est["k1"], "k2": est["k2"]})
    return out


def main():
    rng = random.Random(18)
    cases = []
    # The example: 40 lengths of 100 per step, max length 1024.
    steps = [[100] * 40 for _ in range(30)]
    cases.append({"max_length": 1024, "history": 1024, "every": 10, "steps": steps, "want": run(1024, steps)})
    # A deferred refit: too few lengths until step 12, then every 10 steps.
    steps = [[rng.randrange(50, 900)] * (3 if s < 11 else 20) for s in range(40)]
    cases.append({"max_length": 1024, "history": 1024, "every": 10, "steps": steps, "want": run(1024, steps)})
    for _ in range(60):
        max_resp = rng.choice([256, 1000, 1024, 4096, 16384])
        history = rng.choice([1024, 1024, 100, 40])
        every = rng.choice([10, 10, 1, 3, 7])
        n_steps = rng.randrange(1, 120)
        steps = []
        for _ in range(n_steps):
            k = rng.choice([0, 1, 2, 5, 8, 16, 40, 64])
            if rng.random() < 0.3:
                v = rng.randrange(0, max_resp + 1)
                steps.append([v] * k)  # ties, where numpy's two-sided lerp matters
            else:
                steps.append([rng.randrange(0, max_resp + 1) for _ in range(k)])
        cases.append({"max_length": max_resp, "history": history, "every": every, "steps": steps,
                      "want": run(max_resp, steps, history, every)})
    json.dump(cases, sys.stdout)
    print()


if __name__ == "__main__":
    main()
