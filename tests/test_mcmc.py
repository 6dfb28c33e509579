"""The samplers: shapes, reproducibility, exactness on small targets, and bad input."""
import hashlib
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ebm_nb as eb
from conftest import run_with_threads

CONT = ("metropolis", "mala", "hmc", "nuts")


@pytest.mark.parametrize("method", CONT + ("langevin",))
def test_shapes_and_seed(method):
    g = eb.Gaussian(mu=[0.0, 1.0, 2.0], cov=np.eye(3))
    kw = dict(step_size=0.2) if method == "langevin" else {}
    a = g.sample(50, n_chains=3, method=method, seed=7, warmup=20, thin=2, **kw)
    b = g.sample(50, n_chains=3, method=method, seed=7, warmup=20, thin=2, **kw)
    assert a.draws.shape == (3, 50, 3) and a.acceptance_rate.shape == (3,)
    np.testing.assert_array_equal(a.draws, b.draws)
    c = g.sample(50, n_chains=3, method=method, seed=8, warmup=20, **kw)
    assert not np.array_equal(a.draws, c.draws)
    assert np.all((a.acceptance_rate >= 0) & (a.acceptance_rate <= 1))


def test_one_dimensional_event_shape():
    s = eb.Gaussian(1.0, 2.0).sample(30, n_chains=2, seed=0, warmup=30)
    assert s.draws.shape == (2, 30) and s.flat().shape == (60,)


def test_longer_run_extends_shorter_one():
    # with a fixed step size (no adaptation) each chain's stream is consumed in order: a longer run starts the same
    g = eb.Gaussian(0.0, 1.0)
    a = g.sample(100, n_chains=4, seed=3, method="metropolis", step_size=1.0, warmup=0)
    b = g.sample(200, n_chains=4, seed=3, method="metropolis", step_size=1.0, warmup=0)
    np.testing.assert_array_equal(a.draws, b.draws[:, :100])


def test_thread_count_does_not_change_draws():
    probe = ("import hashlib, ebm_nb as eb\n"
             "g = eb.Gaussian(mu=[0.0, 0.0], cov=[[1.0, 0.5], [0.5, 1.0]])\n"
             "bm = eb.BoltzmannMachine([[0.0, 0.7], [0.7, 0.0]], [0.1, -0.2], domain='spin')\n"
             "d = [g.sample(200, n_chains=5, method=m, seed=1).draws for m in ('metropolis', 'mala', 'hmc')]\n"
             "d += [bm.sample(200, n_chains=5, method=m, seed=1).draws for m in ('metropolis', 'gibbs')]\n"
             "print(hashlib.sha256(b''.join(x.tobytes() for x in d)).hexdigest())\n")
    out = {t: run_with_threads(probe, t) for t in (1, 2)}
    assert out[1] == out[2] and len(out[1].strip()) == 64


@pytest.mark.parametrize("method", ["metropolis", "gibbs"])
def test_discrete_boltzmann_exact_marginals(method):
    # 3 spins: exact P(x) by enumeration; draws thinned by 5 sweeps are close to independent at these couplings
    W = np.array([[0.0, 0.8, -0.4], [0.8, 0.0, 0.3], [-0.4, 0.3, 0.0]])
    b = np.array([0.2, -0.5, 0.1])
    m = eb.BoltzmannMachine(W, b, domain="spin")
    X = eb.all_states(3, "spin")
    p = np.exp(m.log_prob(X))
    s = m.sample(20000, n_chains=4, method=method, seed=5, thin=5)
    codes = ((s.flat() > 0) * (1 << np.arange(3))).sum(axis=1)
    obs = np.bincount(codes, minlength=8)
    import scipy.stats
    assert scipy.stats.chisquare(obs, p * obs.sum()).pvalue > 1e-3


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_draws=10, n_chains=0), "`n_chains`"),
    (dict(n_draws=10, n_chains=2.5), "`n_chains`"),
    (dict(n_draws=0), "`n_draws`"),
    (dict(n_draws=10, step_size=0.0), "`step_size`"),
    (dict(n_draws=10, step_size=-0.1), "`step_size`"),
    (dict(n_draws=10, step_size=float("inf")), "`step_size`"),
    (dict(n_draws=10, init=np.zeros(3)), "`init`"),
    (dict(n_draws=10, init=np.zeros((5, 2))), "`init`"),
    (dict(n_draws=10, init=[0.0, np.nan]), "`init`"),
    (dict(n_draws=10, method="gibbs"), "`method`"),
    (dict(n_draws=10, method="magic"), "`method`"),
    (dict(n_draws=10, method="langevin"), "`step_size`"),
    (dict(n_draws=10, thin=0), "`thin`"),
    (dict(n_draws=10, warmup=-1), "`warmup`"),
    (dict(n_draws=10, warmup=0), "warmup"),
    (dict(n_draws=10, seed=-4), "`seed`"),
    (dict(n_draws=10, target_accept=1.5), "`target_accept`"),
    (dict(n_draws=10, method="nuts", max_depth=0), "`max_depth`"),
    (dict(n_draws=10, method="nuts", max_depth=2.5), "`max_depth`"),
    (dict(n_draws=10, method="nuts", max_depth=100), "`max_depth`"),
])
def test_bad_input(kwargs, match):
    g = eb.Gaussian(mu=[0.0, 0.0], cov=np.eye(2))
    with pytest.raises((ValueError, TypeError), match=match):
        g.sample(**kwargs)


def test_energy_without_gradient():
    import numba
    @numba.njit
    def e(x, p): return 0.5 * x[0] * x[0]
    m = eb.Energy(e, dim=1)
    with pytest.raises(ValueError, match="gradient"):
        m.sample(10, method="hmc")
    assert m.sample(10, seed=0, warmup=10).method == "metropolis"


@settings(deadline=None, max_examples=8)
@given(st.floats(-5, 5), st.floats(0.3, 3.0), st.sampled_from(CONT))
def test_gaussian_mean_within_5_mcse(mu, sigma, method):
    s = eb.Gaussian(mu, sigma).sample(2000, n_chains=4, method=method, seed=21, warmup=500)
    e = eb.ess(s.draws, method="mean")
    mcse = s.draws.std() / math.sqrt(e)
    assert abs(s.draws.mean() - mu) < 5 * mcse


def test_dense_metric_whitens_a_correlated_gaussian():
    """A covariance learned in warm-up: MALA on a 20-D AR(1) Gaussian (condition number ~360) gets the covariance right
    and far more effective draws than with the identity metric, from the same seed and budget."""
    d = 20
    S = 0.9 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    g = eb.Gaussian(mu=np.linspace(-1, 1, d), cov=S)
    ident = g.sample(4000, n_chains=4, method="mala", seed=3, warmup=1000)
    dense = g.sample(4000, n_chains=4, method="mala", seed=3, warmup=1000, metric="dense")
    assert dense.metric == "dense" and dense.covariance.shape == (d, d) and ident.covariance is None
    e_i, e_d = eb.ess(ident.draws).min(), eb.ess(dense.draws).min()
    assert e_d > 20 * e_i, (e_d, e_i)
    f = dense.flat()
    se_mean = np.sqrt(np.diag(S) / eb.ess(dense.draws))
    assert np.all(np.abs(f.mean(axis=0) - g.mu) < 5 * se_mean)
    assert np.abs(np.cov(f.T) - S).max() < 0.1
    np.testing.assert_allclose(dense.covariance, S, atol=0.35)        # the warm-up estimate itself is rough


def test_metric_arguments():
    g = eb.Gaussian(mu=[0.0, 0.0], cov=[[1.0, 0.5], [0.5, 1.0]])
    bm = eb.BoltzmannMachine([[0.0, 0.7], [0.7, 0.0]], [0.1, -0.2], domain="spin")
    with pytest.raises(ValueError, match="`metric`"): g.sample(10, metric="full", seed=0)
    with pytest.raises(ValueError, match="`metric`"): bm.sample(10, metric="dense", seed=0)
    with pytest.raises(ValueError, match="step_size"): g.sample(10, metric="dense", step_size=0.5, seed=0)
    with pytest.raises(ValueError, match="`warmup`"): g.sample(10, metric="diag", warmup=20, seed=0)
    a = g.sample(200, metric="diag", seed=1, method="hmc").draws
    b = g.sample(200, metric="diag", seed=1, method="hmc").draws
    np.testing.assert_array_equal(a, b)


def test_diag_metric_rescales_axis_aligned_scales():
    "Standard deviations 0.1 and 10 along the axes: the diagonal metric finds them and MALA mixes in both."
    g = eb.Gaussian(mu=[1.0, -2.0], cov=np.diag([0.01, 100.0]))
    ident = g.sample(3000, n_chains=4, method="mala", seed=5, warmup=1000)
    diag = g.sample(3000, n_chains=4, method="mala", seed=5, warmup=1000, metric="diag")
    np.testing.assert_allclose(np.sqrt(np.diag(diag.covariance)), [0.1, 10.0], rtol=0.35)
    assert diag.covariance[0, 1] == 0.0
    assert eb.ess(diag.draws).min() > 10 * eb.ess(ident.draws).min()
    f = diag.flat()
    assert np.all(np.abs(f.mean(axis=0) - [1.0, -2.0]) < 5 * np.array([0.1, 10.0]) / np.sqrt(eb.ess(diag.draws)))


def test_sampler_warnings_point_at_the_users_call():
    "DivergenceWarning names the caller's line, through `model.sample`, `eb.sample` and the tempering driver alike."
    import warnings
    g = eb.Gaussian(0.0, 1e-4)
    for call in (lambda: g.sample(20, n_chains=1, method="hmc", step_size=1.0, warmup=0, seed=0),
                 lambda: eb.sample(g, 20, n_chains=1, method="hmc", step_size=1.0, warmup=0, seed=0),
                 lambda: g.sample(20, n_chains=1, method="hmc", step_size=1.0, warmup=0, seed=0, tempering=2)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            call()
        div = [x for x in w if issubclass(x.category, eb.DivergenceWarning)]
        assert div and div[0].filename == __file__, [(x.filename, x.lineno) for x in w]
