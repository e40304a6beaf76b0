#!/usr/bin/env python3
"""Generates gamma_table_test.go: Gamma(shape, rate) reference values.

The table was first made with mpmath at 60 significant digits
(mp.dps = 60): cdf = gammainc(a, 0, λx, regularized=True), sf =
gammainc(a, λx, inf, regularized=True), their logarithms, and the closed-form
log density a·ln λ − ln Γ(a) + (a−1)·ln x − λx, each printed with
mpmath.nstr(v, 17) ("0" when the value underflows a float64). This script
recomputes it with the standard library only (decimal at 130 digits) and
prints numbers by mpmath's to_str rules (20 digits truncated, rounded on the
18th, trailing zeros stripped, fixed notation for decimal exponents in
(−5, 17)), so it reproduces the original digit for digit, except where
mpmath's 60 digits were not enough: ln P and ln Q next to 1, which mpmath
took as the logarithm of 1 − Q rounded at its working precision (ln Q(100,
10) = −5.47e-63 instead of −5.40e-63, ln P(1e4, 14060) = 0.0 instead of
−4.07e-286); here they are ln(1 − q) computed from q itself.

Grid: shapes 0.01, 0.1, 0.5, 1, 2.5, 10, 100, 1000, 1e4; rates 0.5, 10, 37;
λx = a·m for m in {1e-3, 0.1, 0.5, 0.9, 1, 1.1, 2, 5}, a tiny point (1e-30,
or a·1e-4 for a ≥ 1) and a far upper-tail point a + 40√a + 60.

Run from the package directory: python3 testdata/gamma_table.py > gamma_table_test.go
"""
import math
import sys
from decimal import Decimal as D, getcontext, ROUND_HALF_EVEN, ROUND_FLOOR
from fractions import Fraction

getcontext().prec = 130


def pi():
    # The decimal module documentation's recipe.
    getcontext().prec += 2
    three = D(3)
    lasts, t, s, n, na, d, da = 0, three, 3, 1, 0, 0, 24
    while s != lasts:
        lasts = s
        n, na = n + na, na + 8
        d, da = d + da, da + 32
        t = (t * n) / d
        s += t
    getcontext().prec -= 2
    return +s


PI = pi()
LN_2PI = (2 * PI).ln()


def bernoulli(n):
    """B_0 … B_n as Fractions (Akiyama–Tanigawa), B_1 = +1/2 convention unused."""
    a = [Fraction(0)] * (n + 1)
    out = []
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    return out


B = bernoulli(160)


def lgamma(a):
    """ln Γ(a) for a > 0 by Stirling's series after shifting a to ≥ 120."""
    shift = D(0)
    z = a
    while z < 120:
        shift += z.ln()
        z += 1
    s = (z - D("0.5")) * z.ln() - z + LN_2PI / 2
    zp = z
    z2 = z * z
    for k in range(1, 80):
        b = B[2 * k]
        s += D(b.numerator) / D(b.denominator) / (2 * k * (2 * k - 1) * zp)
        zp *= z2
    return s - shift


def prefactor(a, y):
    """y^a e^{−y} / Γ(a)."""
    return (a * y.ln() - y - lgamma(a)).exp()


def lower_series(a, y):
    """P(a, y) = y^a e^{−y}/Γ(a+1) · Σ_k y^k / ((a+1)…(a+k))."""
    term = D(1)
    total = D(1)
    k = 0
    eps = D(10) ** -(getcontext().prec + 5)
    while True:
        k += 1
        term = term * y / (a + k)
        total += term
        if term < total * eps:
            break
    return prefactor(a, y) / a * total


def upper_cf(a, y):
    """Q(a, y) by the Legendre continued fraction (modified Lentz)."""
    tiny = D(10) ** -300
    eps = D(10) ** -(getcontext().prec + 5)
    b = y + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b += 2
        d = an * d + b
        if d == 0:
            d = tiny
        c = b + an / c
        if c == 0:
            c = tiny
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return prefactor(a, y) * h


def log1m(q):
    """ln(1 − q), accurate also when q is far below the working precision."""
    if q < D(10) ** -40:
        return -q - q * q / 2 - q * q * q / 3
    return (1 - q).ln()


def mp_str(v, dps=17):
    """mpmath's to_str(v, dps) with strip_zeros, min_fixed −5, max_fixed dps."""
    if v == 0:
        return "0.0"
    sign = "-" if v < 0 else ""
    v = abs(v)
    exponent = v.adjusted()
    digits = str(int((v.scaleb(-exponent + dps + 2)).to_integral_value(rounding=ROUND_FLOOR)))
    if len(digits) > dps + 3:  # v.scaleb rounding pushed a carry
        digits = digits[:dps + 3]
    if len(digits) > dps and digits[dps] in "56789":
        digits = digits[:dps]
        i = dps - 1
        while i >= 0 and digits[i] == "9":
            i -= 1
        if i >= 0:
            digits = digits[:i] + str(int(digits[i]) + 1) + "0" * (dps - i - 1)
        else:
            digits = "1" + "0" * (dps - 1)
            exponent += 1
    else:
        digits = digits[:dps]
    min_fixed, max_fixed = min(-(dps // 3), -5), dps
    if min_fixed < exponent < max_fixed:
        if exponent < 0:
            digits = "0" * (-exponent) + digits
            split = 1
        else:
            split = exponent + 1
            if split > dps:
                digits += "0" * (split - dps)
        exponent = 0
    else:
        split = 1
    digits = digits[:split] + "." + digits[split:]
    digits = digits.rstrip("0")
    if digits[-1] == ".":
        digits += "0"
    if exponent == 0:
        return sign + digits
    if exponent > 0:
        return sign + digits + "e+" + str(exponent)
    return sign + digits + "e" + str(exponent)


def fmt(v):
    if v != 0 and float(v) == 0:
        return "0"
    return mp_str(v)


def row(a, lam, x):
    A, L, X = D(a), D(lam), D(x)
    y = L * X
    if y > A + 1:  # Q directly; P = 1 − Q
        sf = upper_cf(A, y)
        cdf = 1 - sf
        lcdf, lsf = log1m(sf), sf.ln()
    else:  # P directly; Q = 1 − P
        cdf = lower_series(A, y)
        sf = 1 - cdf
        lcdf, lsf = cdf.ln(), log1m(cdf)
    lpdf = A * L.ln() - lgamma(A) + (A - 1) * X.ln() - L * X
    return "\t{%s, %s, %s, %s, %s, %s, %s, %s}," % (
        repr(a), repr(lam), repr(x), fmt(cdf), fmt(sf), fmt(lcdf), fmt(lsf), fmt(lpdf))


def far(a, lam):
    """float((a + 40√a + 60)/λ), correctly rounded."""
    return float((D(a) + 40 * D(a).sqrt() + 60) / D(lam))


def main():
    shapes = [0.01, 0.1, 0.5, 1, 2.5, 10, 100, 1000, 1e4]
    rates = [0.5, 10, 37]
    out = sys.stdout
    out.write("// Code generated by testdata/gamma_table.py; DO NOT EDIT.\n\n")
    out.write("package guidance\n\n")
    out.write("// gammaRefTable holds Gamma(shape, rate) values at x to 17 significant\n")
    out.write("// digits: the regularised incomplete gamma P(a, λx) and Q(a, λx), their\n")
    out.write("// logarithms, and the log density, computed at 130 digits by\n")
    out.write("// testdata/gamma_table.py (the same digits mpmath 1.3 gives at 60).\n")
    out.write("var gammaRefTable = []struct {\n")
    out.write("\tshape, rate, x                 float64\n")
    out.write("\tcdf, sf, logCDF, logSF, logPDF float64\n")
    out.write("}{\n")
    for a in shapes:
        for lam in rates:
            xs = [a * m / lam for m in (1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 5.0)]
            xs.append((1e-30 if a < 1 else a * 1e-4) / lam)
            xs.append(far(a, lam))
            for x in xs:
                out.write(row(a, lam, x) + "\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
