"""Parallel tempering (ebm_nb.tempering) beyond the chapter's checks: the tempered chain keeps every rung's exact
distribution (continuous targets through the reference path), the ladder's log Z on more models and estimators,
the kernels every model runs, and bad input. The chapter (nbs/04c_tempering.ipynb) holds the headline checks."""
import math

import numpy as np
import pytest
import scipy.stats

import ebm_nb as eb


def _gauss_rung(b, beta, mu, var, m, s2):
    "Mean and variance of the rung-b target q^{1-b} N(mu, var/beta)^b with q = N(m, s2), a Gaussian (precision-weighted)."
    prec = (1 - b) / s2 + b * beta / var
    mean = ((1 - b) * m / s2 + b * beta * mu / var) / prec
    return mean, 1 / prec


@pytest.mark.parametrize("method", ["metropolis", "mala", "hmc", "nuts"])
def test_continuous_rungs_follow_the_reference_path(method):
    """On a 1-D Gaussian every rung b is the Gaussian q^{1-b} p^b: its D = βE - u²/2 has a closed-form mean, which each
    rung's chain matches within 5 MCSE, and the rung-1 draws have the target's mean and variance."""
    g = eb.Gaussian(2.0, 0.7, beta=1.3)
    s = g.sample(3000, n_chains=4, method=method, seed=21, tempering=5)
    t = s.tempering
    m, cov = t.reference
    L = math.sqrt(cov[0, 0])
    for k, b in enumerate(t.fractions):
        mean_x, var_x = _gauss_rung(b, g.beta, 2.0, 0.49, m[0], cov[0, 0])
        mean_u, var_u = (mean_x - m[0]) / L, var_x / cov[0, 0]
        # D(u) = β(m + L u - μ)²/(2σ²) - u²/2: its mean under N(mean_u, var_u)
        a = g.beta * L * L / (2 * 0.49) - 0.5
        c = g.beta * L * (m[0] - 2.0) / 0.49
        exact = a * (var_u + mean_u ** 2) + c * mean_u + g.beta * (m[0] - 2.0) ** 2 / (2 * 0.49)
        D = t.rung_stat[..., k]
        assert abs(D.mean() - exact) < 5 * float(eb.mcse(D)), (k, b, D.mean(), exact)
    x = s.draws
    assert abs(x.mean() - 2.0) < 5 * float(eb.mcse(x))
    assert abs(x.var() - 0.49 / 1.3) < 5 * float(eb.mcse(x, kind="sd")) * 2 * math.sqrt(0.49 / 1.3)


def test_round_trips_and_swaps_reported():
    s = eb.Ising(L=6, beta=0.5).sample(1500, n_chains=3, seed=2, tempering=8)
    t = s.tempering
    assert isinstance(s, eb.IsingSamples) and s.draws.dtype == np.int8 and s.draws.shape == (3, 1500, 6, 6)
    assert t.betas.shape == (8,) and t.betas[0] == 0.5 and t.betas[-1] == 0.0 and np.all(np.diff(t.betas) < 0)
    assert t.swap_rate.shape == (7,) and np.all((t.swap_rate > 0.3) & (t.swap_rate <= 1))
    assert t.swap_accepted.shape == (3, 7) and t.round_trips.shape == (3, 8) and t.round_trips.sum() > 10
    assert 0 < t.round_trip_rate < 1 and t.adapted and len(t.history) >= 2
    # the ladder adapted toward equal swap rates: their spread is smaller than the linear ladder's
    lin = eb.Ising(L=6, beta=0.5).sample(1500, n_chains=3, seed=2, tempering=np.linspace(0.5, 0, 8))
    assert not lin.tempering.adapted and np.ptp(t.swap_rate) < np.ptp(lin.tempering.swap_rate)
    # energy and magnetisation are those of the kept lattices
    np.testing.assert_allclose(s.energy, eb.Ising(L=6, beta=0.5).energy(s.draws))
    np.testing.assert_array_equal(s.magnetization, s.draws.reshape(3, 1500, -1).sum(-1))
    assert "Tempering(K=8" in repr(t)


def test_rbm_ladder_runs_on_the_joint_state():
    X = (np.random.default_rng(0).random((150, 9)) < 0.4).astype(float)
    r = eb.BernoulliRBM(n_components=4, n_iter=3, random_state=0).fit(X)
    s = r.sample(1500, seed=1, tempering=6)
    assert s.draws.shape == (4, 1500, 9) and set(np.unique(s.draws)) <= {0.0, 1.0}
    t = s.tempering
    assert t.log_z0 == pytest.approx(13 * math.log(2))      # uniform on 2^(9 + 4) joint states
    V = ((np.arange(2 ** 9)[:, None] >> np.arange(9)) & 1).astype(float)
    F = r.energy(V); p = np.exp(-F - (-F).max()); p /= p.sum()
    assert np.all(np.abs(s.draws.mean(axis=(0, 1)) - p @ V) < 5 * eb.mcse(s.draws))
    lz = t.log_partition()
    assert abs(lz.log_z - r.log_partition("exact").log_z) < 3 * lz.stderr
    with pytest.raises(ValueError, match="block Gibbs"): r.sample(10, tempering=3, method="metropolis")


def test_hot_rung_draws_from_the_reference():
    """At b = 0 the rung draws uniform units (or N(0, I) in u) afresh: Metropolis sweeps alone would only flip the
    whole configuration there. The hot rung's mean energy is the uniform average, 0 for a zero-field Ising lattice."""
    s = eb.Ising(L=4, beta=0.5).sample(4000, seed=3, method="metropolis", tempering=[0.5, 0.25, 0.0])
    D = s.tempering.rung_stat[..., -1]
    assert abs(D.mean()) < 5 * float(eb.mcse(D)) and D.std() > 0
    assert np.all(s.tempering.acceptance_rate[:, -1] > 0.3)   # about half the spins change at each fresh draw


def test_same_seed_same_draws_and_user_ladder():
    bm = eb.BoltzmannMachine(np.array([[0, 1.5], [1.5, 0]]), [0.2, -0.1], domain="spin", beta=2.0)
    a = bm.sample(200, seed=5, tempering=[2.0, 1.0, 0.3, 0.0], warmup=100)
    b = eb.sample(bm, 200, seed=5, tempering=[2.0, 1.0, 0.3, 0.0], warmup=100)
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.tempering.betas, [2.0, 1.0, 0.3, 0.0])


@pytest.mark.parametrize("estimator", ["stepping_stone", "ti"])
def test_log_z_of_a_correlated_gaussian_and_a_binary_model(estimator):
    g = eb.Gaussian(mu=[1.0, -2.0, 0.5], cov=[[2.0, 0.8, 0.1], [0.8, 1.0, 0.0], [0.1, 0.0, 0.5]], beta=0.8)
    bm = eb.BoltzmannMachine(np.triu(np.random.default_rng(3).normal(0, 0.7, (8, 8)), 1) + np.triu(np.random.default_rng(3).normal(0, 0.7, (8, 8)), 1).T,
                             np.random.default_rng(4).normal(0, 0.5, 8), domain="binary")
    for model in (g, bm):
        r = model.log_partition(method="tempering", estimator=estimator, tempering=8, n_draws=3000, seed=9)
        exact = model.log_partition().log_z
        assert r.method.startswith("tempering") and r.stderr > 0
        assert abs(r.log_z - exact) < 3 * r.stderr + (r.discretisation or 0.0), (model, r, exact)
        assert (r.discretisation is None) == (estimator == "stepping_stone")


def test_a_user_energy_that_raises_is_named():
    import numba

    @numba.njit
    def bad(x, p):
        if x[0] > 50.0: raise ValueError("boom")
        return 0.5 * x[0] * x[0] / p[0]

    m = eb.Energy(bad, [1.0], dim=1)   # random-walk proposals of scale 500 reach x > 50 at once
    with pytest.raises(eb.UserFunctionError, match="tempered"):
        eb.sample(m, 50, method="metropolis", tempering=3, seed=0, warmup=0, step_size=500.0, init=[0.0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(tempering=0), "≥ 2"), (dict(tempering=[1.0]), "2 to"), (dict(tempering=[1.0, 0.5, -0.1]), "≥ 0"),
    (dict(tempering=[0.7, 0.0]), "start at"), (dict(tempering=[1.0, 1.0]), "strictly decreasing"),
    (dict(tempering="8"), "tempering"), (dict(tempering=4, init=np.zeros((3, 1))), "init"),
    (dict(tempering=4, method="gibbs"), "method"), (dict(tempering=4, metric="diag"), "metric"),
    (dict(tempering=2000), "≤ 1000"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        eb.Gaussian(0.0, 1.0).sample(10, **kwargs)
