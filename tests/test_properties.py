"""Property tests of the core numerics and the partition-function models against SciPy and brute force."""
import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.extra.numpy import arrays

import ebm_nb as eb
from ebm_nb.kernels import rng_states, _fill_uniform

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 40), elements=finite))
def test_logsumexp_matches_scipy(a):
    assert eb.logsumexp(a) == pytest.approx(scipy.special.logsumexp(a), rel=1e-12, abs=1e-9)


@SETTINGS
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite), st.sampled_from([0, 1, -1]))
def test_logsumexp_axis(a, axis):
    np.testing.assert_allclose(eb.logsumexp(a, axis=axis), scipy.special.logsumexp(a, axis=axis), rtol=1e-12, atol=1e-9)


@SETTINGS
@given(st.lists(st.sampled_from([-np.inf, 0.0, 1.0, -3.5]), min_size=1, max_size=8))
def test_logsumexp_minus_inf(vals):
    expected = scipy.special.logsumexp(vals) if any(v > -np.inf for v in vals) else -np.inf
    assert eb.logsumexp(vals) == pytest.approx(expected, rel=1e-14, abs=1e-14)


@SETTINGS
@given(st.integers(0, 2**63), st.integers(1, 6))
def test_rng_states_deterministic_and_distinct(seed, n):
    a, b = rng_states(seed, n), rng_states(seed, n)
    assert a.dtype == np.uint64 and a.shape == (n, 4)
    np.testing.assert_array_equal(a, b)
    assert len({row.tobytes() for row in a}) == n


def test_rng_generator_seed_advances():
    g = np.random.default_rng(5)
    assert not np.array_equal(rng_states(g, 2), rng_states(g, 2))
    np.testing.assert_array_equal(rng_states(np.random.default_rng(5), 2), rng_states(np.random.default_rng(5), 2))


@pytest.mark.parametrize("bad,exc", [(-1, ValueError), (1.5, TypeError), ("7", TypeError), (True, TypeError)])
def test_rng_bad_seed(bad, exc):
    with pytest.raises(exc, match="`seed`"):
        rng_states(bad, 2)


def test_uniforms_in_unit_interval():
    u = np.empty((3, 10_000))
    _fill_uniform(rng_states(9, 3), u)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)


@SETTINGS
@given(st.floats(-100, 100), st.floats(0.05, 50), st.floats(0.1, 10), arrays(np.float64, 7, elements=st.floats(-1e3, 1e3)))
def test_gaussian_1d_matches_scipy(mu, sigma, beta, x):
    g = eb.Gaussian(mu, sigma, beta=beta)
    np.testing.assert_allclose(g.log_prob(x), scipy.stats.norm(mu, sigma / math.sqrt(beta)).logpdf(x), rtol=1e-10, atol=1e-9)
    assert g.log_partition().log_z == pytest.approx(math.log(math.sqrt(2 * math.pi) * sigma / math.sqrt(beta)), abs=1e-12)


@settings(deadline=None, max_examples=15)
@given(st.floats(-50, 50), st.floats(0.01, 100))
def test_gaussian_quadrature_matches_closed_form(mu, sigma):
    g = eb.Gaussian(mu, sigma)
    assert g.log_partition(method="quadrature").log_z == pytest.approx(g.log_partition().log_z, abs=1e-8)


@settings(deadline=None, max_examples=10)
@given(st.floats(-0.95, 0.95), st.floats(0.2, 5), st.floats(0.2, 5))
def test_gaussian_2d_quadrature(rho, s1, s2):
    cov = np.array([[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]])
    g = eb.Gaussian(mu=[0.5, -2.0], cov=cov)
    assert g.log_partition(method="quadrature").log_z == pytest.approx(g.log_partition().log_z, abs=1e-8)


@settings(deadline=None, max_examples=20)
@given(st.integers(1, 10), st.integers(0, 2**32), st.sampled_from(["binary", "spin"]), st.floats(0.0, 3.0))
def test_boltzmann_enumeration_matches_bruteforce(d, seed, domain, beta):
    rng = np.random.default_rng(seed)
    W = np.triu(rng.normal(size=(d, d)), 1); W = W + W.T
    b = rng.normal(size=d)
    m = eb.BoltzmannMachine(W, b, domain=domain, beta=beta)
    X = eb.all_states(d, domain)
    E = -0.5 * np.einsum("ni,ij,nj->n", X, W, X) - X @ b
    np.testing.assert_allclose(m.energy(X), E, rtol=1e-12, atol=1e-12)
    assert m.log_partition().log_z == pytest.approx(scipy.special.logsumexp(-beta * E), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("make,match", [
    (lambda: eb.Gaussian(0, 0), "`sigma`"),
    (lambda: eb.Gaussian(0, float("nan")), "`sigma`"),
    (lambda: eb.Gaussian([0.0, 1.0], cov=[[1.0, 0.0], [0.0, -1.0]]), "`cov`"),
    (lambda: eb.Gaussian(0, 1, beta=-0.1), "`beta`"),
    (lambda: eb.Gaussian(0, 1).energy(np.array([np.nan])), "`x`"),
    (lambda: eb.Laplace(0, -2), "`b`"),
    (lambda: eb.Bernoulli(p=[0.0]), "`p`"),
    (lambda: eb.BoltzmannMachine(np.zeros((2, 3))), "`W`"),
    (lambda: eb.BoltzmannMachine(np.zeros((2, 2)), b=[1.0]), "`b`"),
    (lambda: eb.BoltzmannMachine(np.zeros((40, 40))).log_partition(), "2^40"),
    (lambda: eb.all_states(30), "`n`"),
    (lambda: eb.logsumexp([1.0], axis=3), "axis"),
])
def test_bad_input_is_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match.replace("(", r"\(").replace("^", r"\^")):
        make()


def test_huge_enumeration_refused_fast():
    import time
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="method='ais'"):
        eb.BoltzmannMachine(np.zeros((40, 40)), domain="spin").log_partition(method="exact")
    assert time.perf_counter() - t0 < 1.0
