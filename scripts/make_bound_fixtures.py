#!/usr/bin/env python3
"""Independent high-precision reference values for the robustness bounds.

Computes, with mpmath at 50 significant digits (working precision 80), the quantities that
`Sources/CeilingBounds` computes in double precision, and writes them to
`Tests/CeilingBoundsTests/Fixtures/bound_reference.json`. The Swift tests compare against these
values at 1e-9 relative.

Nothing here shares code or numerics with the Swift implementation: Gaussian tails come from
mpmath's erfc, quantiles from erfinv, intervals from direct differences at 80 digits (where the
cancellation the Swift code avoids costs nothing), Clopper–Pearson ends from exact binomial tails, and
percentiles from bisection on the exact bound.

Run by hand from the repository root (needs mpmath, numpy only for seeded random measures):

    venv/bin/python scripts/make_bound_fixtures.py
"""

import json
import os

import mpmath as mp
import numpy as np

mp.mp.dps = 80
OUTPUT_DIGITS = 50

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "Tests", "CeilingBoundsTests", "Fixtures", "bound_reference.json")


def Q(x):
    """Upper tail of N(0, 1)."""
    return mp.erfc(x / mp.sqrt(2)) / 2


def Qinv(p):
    """Q^{-1}(p) = Phi^{-1}(1 - p), via erfinv at working precision."""
    return mp.sqrt(2) * mp.erfinv(1 - 2 * p)


def phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def exact(x):
    """The exact rational value of a double, as an mpf."""
    return mp.mpf(float(x))


def eq2(measures, t):
    total = mp.mpf(0)
    for p in measures:
        if p == 0 or p == 1:
            continue
        a = Qinv(p)
        total += Q(a) - Q(a + t)
    return total


def term(p, t):
    if p == 0 or p == 1:
        return mp.mpf(0)
    a = Qinv(p)
    return Q(a) - Q(a + t)


def eq2_box_separate(intervals, t):
    """Worst case of eq. (2) over a box, ignoring sum p_i = 1: each (concave) term minimised at
    an interval end."""
    return sum(min(term(lo, t), term(hi, t)) for lo, hi in intervals)


def eq2_box(intervals, t):
    """The Lagrangian bound using sum p_i = 1: max over lambda of
    lambda + sum_i min(d_i(lo) - lambda lo, d_i(hi) - lambda hi), by brute force over every kink
    (the function is concave and piecewise linear in lambda) and lambda = 0."""
    ends = [(lo, hi, term(lo, t), term(hi, t)) for lo, hi in intervals]

    def g(lam):
        return lam + sum(min(dl - lam * lo, dh - lam * hi) for lo, hi, dl, dh in ends)

    candidates = [mp.mpf(0)] + [(dh - dl) / (hi - lo) for lo, hi, dl, dh in ends if hi > lo]
    return max(g(lam) for lam in candidates)


def eq3(t):
    return 1 - mp.sqrt(mp.pi / 2) * mp.exp(-t * t / 2)


def eq4(K, t):
    s = mp.sqrt(mp.log(mp.mpf(K) ** 2 / (4 * mp.pi * mp.log(K))))
    return 1 - mp.sqrt(mp.pi / 2) * mp.exp(-t * t / 2) * mp.exp(-t * s)


def theorem4_argument(measures):
    total = mp.mpf(0)
    for p in measures:
        if p == 0:
            continue
        a = Qinv(p)
        total += -a * (1 - mp.ncdf(a)) + phi(a)
    return total


def expected_norm(d):
    return mp.sqrt(2) * mp.exp(mp.loggamma(mp.mpf(d + 1) / 2) - mp.loggamma(mp.mpf(d) / 2))


def smallest_root(f, q, lo=mp.mpf(0), hi=mp.mpf(1)):
    """Smallest t with f(t) >= q for increasing f, by bisection to 1e-60."""
    while f(hi) < q:
        lo, hi = hi, hi * 2
    for _ in range(230):
        mid = (lo + hi) / 2
        if f(mid) >= q:
            hi = mid
        else:
            lo = mid
        if hi - lo < mp.mpf(10) ** -60 * hi:
            break
    return hi


def binomial_upper_tail(n, total, x):
    """P(Bin(total, x) >= n), summed term by term (the recurrence
    C(N, k+1) x^(k+1) (1-x)^(N-k-1) = C(N, k) x^k (1-x)^(N-k) (N-k)/(k+1) x/(1-x))."""
    term = mp.binomial(total, n) * x ** n * (1 - x) ** (total - n)
    ratio = x / (1 - x)
    acc = mp.mpf(0)
    for k in range(n, total + 1):
        acc += term
        term *= mp.mpf(total - k) / (k + 1) * ratio
        if term < acc * mp.mpf(10) ** -70:
            break
    return acc


def clopper_pearson_end(tail, n, total, lower):
    """The Clopper–Pearson end by bisection on the binomial tail, which for integer counts
    equals the regularised incomplete beta: the lower end x solves P(Bin(N, x) >= n) = tail,
    the upper end solves P(Bin(N, x) <= n) = tail."""
    lo, hi = mp.mpf(0), mp.mpf(1)
    for _ in range(210):
        mid = (lo + hi) / 2
        if lower:
            below = binomial_upper_tail(n, total, mid) < tail   # root is above mid
        else:
            below = 1 - binomial_upper_tail(n + 1, total, mid) > tail
        if below:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(n, total, confidence):
    half_alpha = (1 - exact(confidence)) / 2
    lo = mp.mpf(0) if n == 0 else clopper_pearson_end(half_alpha, n, total, lower=True)
    hi = mp.mpf(1) if n == total else clopper_pearson_end(half_alpha, n, total, lower=False)
    return lo, hi


def num(x):
    return float(mp.nstr(x, OUTPUT_DIGITS, strip_zeros=False)) if mp.isfinite(x) else None


def main():
    rng = np.random.default_rng(20180601)
    measure_sets = {
        "equiprobable-10": [0.1] * 10,
        "binary": [0.5, 0.5],
        "three": [0.2, 0.3, 0.5],
        "unbalanced": [0.9, 0.05, 0.05],
        "tail-1e-9": [1e-9, 1 - 1e-9],
        "tail-mixed": [1e-9, 1e-6, 0.25, 0.75 - 1e-9 - 1e-6],
        "tiny-many": [1e-9] * 5 + [0.5 - 2.5e-9] * 2,
        "equiprobable-1000": [1e-3] * 1000,
    }
    for K in (7, 20):
        draw = rng.dirichlet(np.ones(K))
        measure_sets[f"dirichlet-{K}"] = [float(x) for x in draw]

    ts = [1e-6, 1e-3, 0.01, 0.1, 0.158, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0]
    levels = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]

    eq2_cases = []
    percentile_cases = []
    theorem4_cases = []
    for name, values in measure_sets.items():
        ps = [exact(v) for v in values]
        # Group identical measures: the reference is the same sum, computed faster.
        groups = {}
        for p in ps:
            groups[p] = groups.get(p, 0) + 1

        def bound(t, groups=groups):
            total = mp.mpf(0)
            for p, m in groups.items():
                total += m * eq2([p], t)
            return total

        eq2_cases.append({"name": name, "measures": values, "t": ts,
                          "values": [num(bound(exact(t))) for t in ts]})
        sup = sum(m * p for p, m in groups.items())
        reached = [q for q in levels if exact(q) < sup]
        percentile_cases.append({"name": name, "measures": values, "levels": reached,
                                 "t": [num(smallest_root(bound, exact(q))) for q in reached]})
        theorem4_cases.append({"name": name, "measures": values,
                               "argument": num(sum(m * theorem4_argument([p]) for p, m in groups.items()))})

    eq3_ts = [0.7, 1.0, 2.0, 3.0, 5.0, 10.0]
    eq4_cases = [{"classes": K, "t": eq3_ts, "values": [num(eq4(K, exact(t))) for t in eq3_ts]}
                 for K in (5, 10, 100, 1000)]

    transfer_cases = []
    for delta in (0.0, 0.01, 0.1):
        values = [num(eq3(exact(t)) - 2 * exact(delta)) for t in [1.0, 2.0, 3.0, 5.0, 10.0]]
        transfer_cases.append({"measures": [0.1] * 10, "delta": delta,
                               "t": [1.0, 2.0, 3.0, 5.0, 10.0], "values": values})

    norms = [{"dimension": d, "value": num(expected_norm(d))}
             for d in (1, 2, 3, 10, 99, 100, 101, 1000, 10000, 1000000, 100000000)]

    equiprobable_arguments = [{"classes": K, "value": num(mp.log(4 * mp.pi * mp.log(K)) / mp.sqrt(2 * mp.log(K)))}
                              for K in (5, 10, 100, 10000)]

    cp_cases = []
    for counts, confidence in (([120, 380, 500], 0.95), ([0, 7, 993], 0.95), ([1, 1, 998, 0], 0.99),
                               ([250, 250, 250, 250], 0.9)):
        total = sum(counts)
        per_class = 1 - (1 - exact(confidence)) / len(counts)
        intervals = [clopper_pearson(n, total, per_class) for n in counts]
        box_ts = [0.05, 0.158, 0.5, 1.0, 2.0, 5.0]
        cp_cases.append({
            "counts": counts, "confidence": confidence,
            "lower": [num(lo) for lo, _ in intervals], "upper": [num(hi) for _, hi in intervals],
            "t": box_ts, "worst_case": [num(eq2_box(intervals, exact(t))) for t in box_ts],
            "worst_case_separate": [num(eq2_box_separate(intervals, exact(t))) for t in box_ts],
        })

    # Large counts, beyond what the exact binomial sums above can do in reasonable time: the
    # reference is SciPy's betaincinv / betainccinv (Boost's incomplete-beta inverses), an
    # independent double-precision implementation, accurate to ~1e-14 relative.
    from scipy import special
    cp_large = []
    for counts, confidence in (([1000, 9000, 1], 0.95), ([1, 999_999], 0.95), ([100_000, 900_000], 0.99),
                               ([5_000_000, 5_000_000], 0.95), ([3, 40_000_000, 17], 0.9)):
        total = sum(counts)
        half_alpha = (1 - confidence) / len(counts) / 2
        lower = [0.0 if n == 0 else float(special.betaincinv(n, total - n + 1, half_alpha)) for n in counts]
        upper = [1.0 if n == total else float(special.betainccinv(n + 1, total - n, half_alpha)) for n in counts]
        cp_large.append({"counts": counts, "confidence": confidence, "lower": lower, "upper": upper})

    k_dependence = []
    for K in (2, 10, 100, 1000, 10000):
        p = exact(1 / K)
        f = (lambda t, p=p, K=K: K * eq2([p], t))
        k_dependence.append({"classes": K, "median_t": num(smallest_root(f, mp.mpf(1) / 2))})

    fixture = {
        "generator": "scripts/make_bound_fixtures.py (mpmath %s, %d digits)" % (mp.__version__, OUTPUT_DIGITS),
        "eq2": eq2_cases,
        "eq3": {"t": eq3_ts, "values": [num(eq3(exact(t))) for t in eq3_ts]},
        "eq4": eq4_cases,
        "transfer": transfer_cases,
        "theorem4": theorem4_cases,
        "theorem4_equiprobable": equiprobable_arguments,
        "percentiles": percentile_cases,
        "expected_norm": norms,
        "clopper_pearson": cp_cases,
        "clopper_pearson_large": cp_large,
        "k_dependence_median": k_dependence,
    }
    with open(OUT, "w") as handle:
        json.dump(fixture, handle, indent=1)
        handle.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
