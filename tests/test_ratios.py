"""Property tests of ratios without Z (`EnergyModel.log_ratio`) and the Metropolis–Hastings acceptance (`mh_log_acceptance`)."""
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays

import ebm_nb as eb
from ebm_nb.ratios import mh_log_acceptance

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
xs = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
mus = st.floats(-100, 100, allow_nan=False)
sigmas = st.floats(0.01, 100, allow_nan=False)
betas = st.floats(0.05, 20, allow_nan=False)


def _tol(model, *x):
    "Rounding allowance for differences of energies: a few ulps of the largest |βE| involved."
    e = np.max([np.max(np.abs(model.beta * np.asarray(model.energy(v)))) for v in x])
    return 64 * np.finfo(float).eps * (1.0 + e)


@SETTINGS
@given(mus, sigmas, betas, xs, xs)
def test_log_ratio_antisymmetric(mu, sigma, beta, a, b):
    g = eb.Gaussian(mu, sigma, beta=beta)
    assert g.log_ratio(a, b) == -g.log_ratio(b, a)          # exact: IEEE subtraction is antisymmetric
    assert g.log_ratio(a, a) == 0.0


@SETTINGS
@given(mus, sigmas, betas, arrays(np.float64, (3, 5), elements=xs))
def test_log_ratio_transitive(mu, sigma, beta, x):
    g = eb.Gaussian(mu, sigma, beta=beta)
    a, b, c = x
    np.testing.assert_allclose(g.log_ratio(a, b) + g.log_ratio(b, c), g.log_ratio(a, c), rtol=0, atol=_tol(g, a, b, c))


@SETTINGS
@given(mus, sigmas, betas, arrays(np.float64, 6, elements=xs), arrays(np.float64, 4, elements=xs))
def test_log_ratio_is_log_prob_difference_1d(mu, sigma, beta, a, b):
    g = eb.Gaussian(mu, sigma, beta=beta)
    r = g.log_ratio(a[:, None], b[None, :])
    assert r.shape == (6, 4)
    atol = _tol(g, a, b) + 1e-12 * abs(g.log_partition().log_z)
    np.testing.assert_allclose(r, g.log_prob(a)[:, None] - g.log_prob(b)[None, :], rtol=0, atol=atol)
    ref = scipy.stats.norm(mu, sigma / math.sqrt(beta))
    np.testing.assert_allclose(r, ref.logpdf(a)[:, None] - ref.logpdf(b)[None, :], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.integers(1, 4), st.integers(0, 2**32 - 1), betas)
def test_log_ratio_is_log_prob_difference_dd(d, seed, beta):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    cov = A @ A.T + 0.1 * np.eye(d)
    mu = rng.normal(size=d) * 3
    g = eb.Gaussian(mu=mu, cov=cov, beta=beta)
    x1, x2 = rng.normal(size=(5, d)) * 4, rng.normal(size=(3, d)) * 4
    r = g.log_ratio(x1[:, None, :], x2[None, :, :])
    assert r.shape == (5, 3)
    np.testing.assert_allclose(r, g.log_prob(x1)[:, None] - g.log_prob(x2)[None, :], rtol=0, atol=_tol(g, x1, x2) + 1e-12)
    ref = scipy.stats.multivariate_normal(mu, cov / beta)
    np.testing.assert_allclose(r, ref.logpdf(x1)[:, None] - ref.logpdf(x2)[None, :], rtol=1e-8, atol=1e-8)


@SETTINGS
@given(st.integers(2, 6), st.integers(0, 2**32 - 1), st.floats(0.0, 3.0), st.sampled_from(["binary", "spin"]))
def test_log_ratio_all_pairs_boltzmann(d, seed, beta, domain):
    rng = np.random.default_rng(seed)
    W = np.triu(rng.normal(size=(d, d)), 1); W = W + W.T
    bm = eb.BoltzmannMachine(W, rng.normal(size=d), domain=domain, beta=beta)
    S = eb.all_states(d, domain)
    r = bm.log_ratio(S[:, None, :], S[None, :, :])
    lp = bm.log_prob(S)
    np.testing.assert_allclose(r, lp[:, None] - lp[None, :], rtol=0, atol=1e-12)


@SETTINGS
@given(arrays(np.float64, 5, elements=st.sampled_from([-1e4, -3e3, -1.0, 0.0, 2.5, 7e3, 1e4])),
       arrays(np.float64, 5, elements=st.sampled_from([0.0, 1.0])), arrays(np.float64, 5, elements=st.sampled_from([0.0, 1.0])))
def test_log_ratio_extreme_logits_exact(logits, a, b):
    m = eb.Bernoulli(logits=logits)
    r = m.log_ratio(a, b)
    exact = sum(Fraction(t) * (Fraction(u) - Fraction(v)) for t, u, v in zip(logits, a, b))
    assert math.isfinite(r) and r == float(exact)           # the energies are sums of multiples of 0.5: exact


@SETTINGS
@given(st.floats(1e-4, 1e-2), st.floats(-1, 1), st.floats(-1, 1))
def test_log_ratio_sharp_gaussian_vs_fractions(sigma, a, b):
    g = eb.Gaussian(0.0, sigma)
    exact = (Fraction(b) ** 2 - Fraction(a) ** 2) / (2 * Fraction(sigma) ** 2)
    r = g.log_ratio(a, b)
    assert math.isfinite(r)
    assert abs(r - float(exact)) <= 8 * np.finfo(float).eps * max(g.energy(a), g.energy(b), 1.0)


# --- Metropolis–Hastings acceptance -------------------------------------------------------------------------------

@SETTINGS
@given(mus, sigmas, betas, arrays(np.float64, 7, elements=xs), arrays(np.float64, 7, elements=xs),
       arrays(np.float64, 7, elements=st.floats(-50, 50)), arrays(np.float64, 7, elements=st.floats(-50, 50)))
def test_mh_log_acceptance_definition(mu, sigma, beta, x, x_new, qf, qr):
    g = eb.Gaussian(mu, sigma, beta=beta)
    la = mh_log_acceptance(g, x, x_new, qf, qr)
    assert la.shape == (7,) and np.all(la <= 0.0) and not np.isnan(la).any()
    s = g.log_ratio(x_new, x) + qr - qf
    np.testing.assert_array_equal(la[s >= 0], 0.0)        # target ratio × proposal ratio ≥ 1: always accept
    np.testing.assert_array_equal(la, np.minimum(0.0, s))


@SETTINGS
@given(mus, sigmas, betas, xs, xs)
def test_mh_symmetric_proposal_is_metropolis(mu, sigma, beta, x, x_new):
    g = eb.Gaussian(mu, sigma, beta=beta)
    la = mh_log_acceptance(g, x, x_new)
    assert isinstance(la, float) and la <= 0.0
    assert la == min(0.0, g.log_ratio(x_new, x))
    if g.energy(x_new) <= g.energy(x): assert la == 0.0


@SETTINGS
@given(mus, sigmas, betas, xs, xs, st.floats(-20, 20), st.floats(-20, 20))
def test_mh_detailed_balance_pairwise(mu, sigma, beta, x, y, lq_xy, lq_yx):
    "P(x) q(y|x) α(x→y) = P(y) q(x|y) α(y→x), in logs, for any pair and any proposal densities."
    g = eb.Gaussian(mu, sigma, beta=beta)
    lhs = g.log_unnormalized(x) + lq_xy + mh_log_acceptance(g, x, y, lq_xy, lq_yx)
    rhs = g.log_unnormalized(y) + lq_yx + mh_log_acceptance(g, y, x, lq_yx, lq_xy)
    assert lhs == pytest.approx(rhs, rel=0, abs=_tol(g, x, y) + 1e-12)


@settings(deadline=None, max_examples=25)
@given(st.integers(2, 5), st.integers(0, 2**32 - 1), st.floats(0.0, 2.0), st.floats(0.05, 0.95))
def test_mh_hastings_kernel_is_stationary(d, seed, beta, w_down):
    "Single-flip MH with an asymmetric site choice leaves the exact distribution invariant: P T = P."
    rng = np.random.default_rng(seed)
    W = np.triu(rng.normal(size=(d, d)), 1); W = W + W.T
    bm = eb.BoltzmannMachine(W, rng.normal(size=d), domain="spin", beta=beta)
    S = eb.all_states(d, "spin")
    n = len(S)
    flips = np.repeat(S[:, None, :], d, axis=1)
    flips[:, np.arange(d), np.arange(d)] *= -1
    w = lambda X: np.where(X < 0, w_down, 1 - w_down)
    lqf = np.log(w(S)) - np.log(w(S).sum(1))[:, None]
    lqr = np.log(w(-S)) - np.log(w(flips).sum(2))
    la = mh_log_acceptance(bm, S[:, None, :], flips, lqf, lqr)
    T = np.zeros((n, n))
    T[np.arange(n)[:, None], np.arange(n)[:, None] ^ (1 << np.arange(d))[None, :]] = np.exp(lqf + la)
    T[np.arange(n), np.arange(n)] = 1 - T.sum(1)
    P = np.exp(bm.log_prob(S))
    np.testing.assert_allclose(P @ T, P, rtol=0, atol=1e-13)
    F = P[:, None] * T
    np.testing.assert_allclose(F, F.T, rtol=0, atol=1e-14)


def test_mh_broadcasting_shapes():
    g2 = eb.Gaussian(mu=[0.0, 1.0], cov=[[1.0, 0.3], [0.3, 2.0]])
    x = np.zeros((4, 1, 2)); x_new = np.ones((1, 3, 2))
    assert mh_log_acceptance(g2, x, x_new).shape == (4, 3)
    assert mh_log_acceptance(g2, x, x_new, np.zeros(3), np.zeros((4, 1))).shape == (4, 3)
    assert isinstance(mh_log_acceptance(g2, [0.0, 0.0], [1.0, 1.0]), float)


def test_mh_extreme_energies_finite():
    m = eb.Bernoulli(logits=[1e4, -1e4, 5e3])
    a, b = np.array([1.0, 0, 1]), np.array([0.0, 1, 0])
    assert mh_log_acceptance(m, a, b) == -25000.0         # E(a) = -15000, E(b) = +10000
    assert mh_log_acceptance(m, b, a) == 0.0


def test_mh_support_and_reverse_impossible():
    import numba

    @numba.njit
    def half_line(x, p): return x[0] if x[0] > 0 else np.inf

    m = eb.Energy(half_line, dim=1)
    assert mh_log_acceptance(m, [1.0], [-1.0]) == -np.inf              # outside the support: never accepted
    assert mh_log_acceptance(m, [2.0], [1.0], 0.0, -np.inf) == -np.inf  # the move could not be undone: never accepted
    assert mh_log_acceptance(m, [2.0], [1.0]) == 0.0


G = eb.Gaussian(0.0, 1.0)
G2 = eb.Gaussian(mu=[0.0, 0.0])
SPIN = eb.BoltzmannMachine(np.zeros((3, 3)), domain="spin")


@pytest.mark.parametrize("call,exc,match", [
    (lambda: mh_log_acceptance(G, np.nan, 0.0), ValueError, "`x` contains NaN"),
    (lambda: mh_log_acceptance(G, 0.0, [0.0, np.nan]), ValueError, "`x_new` contains NaN"),
    (lambda: mh_log_acceptance(G, 0.0, np.inf), ValueError, "`x_new`"),
    (lambda: mh_log_acceptance(G, np.zeros(3), np.zeros(4)), ValueError, r"`x_new` has batch shape \(4,\)"),
    (lambda: mh_log_acceptance(G2, np.zeros((2, 2)), np.zeros((2, 3))), ValueError, r"`x_new` must have shape \(\.\.\., 2\)"),
    (lambda: mh_log_acceptance(G2, np.zeros(3), np.zeros(2)), ValueError, r"`x` must have shape \(\.\.\., 2\)"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, np.nan), ValueError, "`log_q_forward` contains NaN"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, 0.0, [np.nan]), ValueError, "`log_q_reverse` contains NaN"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, -np.inf), ValueError, "`log_q_forward` contains -inf"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, np.inf), ValueError, r"`log_q_forward` contains \+inf"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, 0.0, np.inf), ValueError, r"`log_q_reverse` contains \+inf"),
    (lambda: mh_log_acceptance(G, np.zeros(4), np.zeros(4), np.zeros(3)), ValueError, r"`log_q_forward` has shape \(3,\)"),
    (lambda: mh_log_acceptance(G, np.zeros(4), np.zeros(4), 0.0, np.zeros((2, 4))), ValueError, r"`log_q_reverse` has shape \(2, 4\)"),
    (lambda: mh_log_acceptance(G, 0.0, 1.0, "a"), TypeError, "`log_q_forward`"),
    (lambda: mh_log_acceptance(SPIN, np.ones(3), np.zeros(3)), ValueError, "`x_new` must hold ±1"),
    (lambda: mh_log_acceptance(lambda x: x, 0.0, 1.0), TypeError, "`model` must be an EnergyModel"),
])
def test_mh_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
