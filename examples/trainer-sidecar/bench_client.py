"""Latency of the sidecar as a Python trainer sees it (client.py over the Unix
socket, JSON encoding and decoding included): allocate over 512 prompts and
observe 512 prompts x 16 rewards, p50 and p95 over many calls.

    go build -o /tmp/trainer-sidecar ./examples/trainer-sidecar
    BUDGETKIT_SIDECAR_BIN=/tmp/trainer-sidecar python3 examples/trainer-sidecar/bench_client.py

Targets (issue 17): p95 <= 10 ms for allocate, <= 25 ms for observe.
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import Client  # noqa: E402


def percentile(xs, q):
    """Type-7 (linear) percentile of xs, q in [0, 100]."""
    s = sorted(xs)
    h = (len(s) - 1) * q / 100
    lo = int(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=512)
    ap.add_argument("--rollouts", type=int, default=16)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(1)
    ids = [f"prompt-{i}" for i in range(args.prompts)]
    rates = [rng.random() for _ in ids]
    sources = ["math", "code", "logic", "chat"]
    with Client.spawn() as c:
        c.create_session(id="bench", tracker={"decay": 0.9}, curriculum={"method": "dump", "arms": sources})
        obs, alloc = [], []
        for step in range(args.calls):
            prompts = [{"id": p, "source": sources[i % 4],
                        "rewards": [1.0 if rng.random() < rates[i] else 0.0 for _ in range(args.rollouts)]}
                       for i, p in enumerate(ids)]
            t0 = time.perf_counter()
            c.observe("bench", step, prompts)
            t1 = time.perf_counter()
            r = c.allocate("bench", ids, budget=8 * len(ids), divisor=16, exact=True)
            t2 = time.perf_counter()
            assert sum(r["counts"]) == 8 * len(ids)
            obs.append((t1 - t0) * 1e3)
            alloc.append((t2 - t1) * 1e3)
    print(f"{'call':<34} {'p50 ms':>8} {'p95 ms':>8} {'target p95':>11}")
    for name, xs, target in ((f"allocate {args.prompts} prompts", alloc, 10),
                             (f"observe {args.prompts} x {args.rollouts} rewards", obs, 25)):
        p95 = percentile(xs, 95)
        print(f"{name:<34} {percentile(xs, 50):8.2f} {p95:8.2f} {target:>8} ms {'ok' if p95 <= target else 'MISSED'}")


if __name__ == "__main__":
    main()
