#!/usr/bin/env python3
"""Reference values for Thompson sampling's probabilities P(arm i's Beta draw is the largest).

Python standard library only. Run from curriculum/testdata:

    python3 thompson_reference.py > thompson_reference.json

Independent of the Go code, which uses adaptive Gauss-Legendre quadrature:

  * "exact" cases with integer parameters and two arms use the closed form
    P(X > Y) = sum_{i=0}^{a1-1} B(a2+i, b1+b2) / ((b1+i) B(1+i, b1) B(a2, b2))
    for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), in log space with math.lgamma;
  * every case is also integrated by the trapezoid rule on a dense grid
    (the union of 12,001 points over mean +- 15 sd of every arm, or 40,001
    points over [0, 1] when a posterior is broad), at two resolutions
    (h and h/2) with Richardson extrapolation; CDFs are cumulative
    trapezoid sums of densities normalised on the same grid. The printed
    "err" is the difference between the extrapolated value and the finer
    plain trapezoid value, an estimate of the reference's own error.
"""
import json
import math
import random


def log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def exact_two(a1, b1, a2, b2):
    """P(X > Y), X ~ Beta(a1, b1), Y ~ Beta(a2, b2), integer a1."""
    total = 0.0
    for i in range(int(a1)):
        total += math.exp(log_beta(a2 + i, b1 + b2) - math.log(b1 + i) - log_beta(1 + i, b1) - log_beta(a2, b2))
    return total


def grid_for(arms, refine):
    pts = set()
    for a, b in arms:
        mu = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        lo, hi = mu - 15 * sd, mu + 15 * sd
        if lo <= 0 or hi >= 1:
            lo, hi, n = 0.0, 1.0, 40000
        else:
            n = 12000
        n *= refine
        for k in range(n + 1):
            pts.add(lo + (hi - lo) * k / n)
    return sorted(pts)


def log_rel(x, a, b):
    """log density up to a constant, relative to the mode (finite at 0 or 1 only when the exponent is 0)."""
    m = (a - 1) / (a + b - 2) if a + b > 2 else 0.5
    v = 0.0
    if a != 1:
        if x <= 0:
            return -math.inf
        v += (a - 1) * (math.log(x) - math.log(m))
    if b != 1:
        if x >= 1:
            return -math.inf
        v += (b - 1) * (math.log1p(-x) - math.log1p(-m))
    return v


def trapezoid_probs(arms, refine):
    xs = grid_for(arms, refine)
    k = len(arms)
    dens, cdfs = [], []
    for a, b in arms:
        f = [math.exp(log_rel(x, a, b)) for x in xs]
        c = [0.0]
        for i in range(1, len(xs)):
            c.append(c[-1] + (xs[i] - xs[i - 1]) * (f[i] + f[i - 1]) / 2)
        z = c[-1]
        dens.append([v / z for v in f])
        cdfs.append([v / z for v in c])
    probs = []
    for i in range(k):
        g = []
        for n in range(len(xs)):
            v = dens[i][n]
            for j in range(k):
                if j != i:
                    v *= cdfs[j][n]
            g.append(v)
        probs.append(sum((xs[n] - xs[n - 1]) * (g[n] + g[n - 1]) / 2 for n in range(1, len(xs))))
    return probs


def reference(arms):
    coarse = trapezoid_probs(arms, 1)
    fine = trapezoid_probs(arms, 2)
    extra = [(4 * f - c) / 3 for f, c in zip(fine, coarse)]
    err = max(abs(e - f) for e, f in zip(extra, fine))
    return extra, err


def main():
    cases = []
    # The issue's case: 1e6 Bernoulli values per arm with 100,000 / 900,000 /
    # 900,200 ones, on the Beta(1, 1) prior.
    issue = [(1 + s, 1 + 1e6 - s) for s in (100000, 900000, 900200)]
    cases.append({"name": "issue-3-arms", "arms": issue})
    # Closed-form two-arm cases.
    for a1, b1, a2, b2 in [(3, 1, 1, 1), (3, 1, 4, 3), (10, 5, 7, 4), (40, 60, 35, 50)]:
        cases.append({"name": f"exact-{a1}-{b1}-{a2}-{b2}", "arms": [(a1, b1), (a2, b2)], "exact": exact_two(a1, b1, a2, b2)})
    # Concentrated posteriors, alpha+beta from 1e5 to 1e9 (and two at 1e11),
    # means a few standard deviations apart so that every probability matters.
    rng = random.Random(18)
    for c in range(18):
        k = rng.choice([2, 3, 4])
        total = 10 ** (5 + 4 * c / 15) if c < 16 else 1e11
        p0 = rng.uniform(0.05, 0.95)
        arms = []
        for j in range(k):
            n = total * rng.uniform(0.5, 1.0)
            sd = math.sqrt(p0 * (1 - p0) / n)
            p = min(max(p0 + rng.uniform(-2.5, 2.5) * sd, 1e-3), 1 - 1e-3)
            arms.append((1 + n * p, 1 + n * (1 - p)))
        cases.append({"name": f"concentrated-{c}", "arms": arms})
    # A broad arm against concentrated ones, and unequal widths.
    cases.append({"name": "broad-vs-narrow", "arms": [(2, 2), (1 + 5e8 * 0.5, 1 + 5e8 * 0.5), (3.5, 1.5)]})
    cases.append({"name": "wide-vs-tight", "arms": [(31, 71), (30001, 69999)]})
    out = []
    for case in cases:
        probs, err = reference(case["arms"])
        row = {"name": case["name"], "alpha": [a for a, _ in case["arms"]], "beta": [b for _, b in case["arms"]], "probs": probs, "ref_err": err}
        if "exact" in case:
            row["exact"] = case["exact"]
        out.append(row)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
