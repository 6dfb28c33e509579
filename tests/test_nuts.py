"""NUTS, divergences and failing energies: exactness against Gaussians, the statistics it reports, Neal's funnel, a user
energy that raises, and the ArviZ output."""
import math
import warnings

import numba
import numpy as np
import pytest

import ebm_nb as eb


def _mcse(y):
    return float(np.std(y) / math.sqrt(eb.ess(y, method="mean")))


def test_nuts_gaussian_mean_and_covariance_within_5_mcse():
    cov = np.array([[2.0, 1.9], [1.9, 2.0]])
    s = eb.Gaussian(mu=[1.0, -1.0], cov=cov).sample(4000, method="nuts", seed=31)
    D = s.draws
    for i in range(2):
        assert abs(D[..., i].mean() - [1.0, -1.0][i]) < 5 * _mcse(D[..., i])
        for j in range(i, 2):
            y = (D[..., i] - D[..., i].mean()) * (D[..., j] - D[..., j].mean())
            assert abs(y.mean() - cov[i, j]) < 5 * _mcse(y)
    assert s.n_divergent.sum() == 0 and s.summary().converged()


def test_nuts_standard_normal_tails_by_ks():
    "The whole distribution, not only moments: thinned draws of N(0, 1) in 10-D pass a KS test coordinate by coordinate."
    import scipy.stats
    s = eb.Gaussian(mu=np.zeros(10), cov=np.eye(10)).sample(3000, method="nuts", seed=32, thin=2)
    for i in (0, 9):
        assert scipy.stats.kstest(s.flat()[::4, i], "norm").pvalue > 1e-3


def test_nuts_statistics():
    s = eb.Gaussian(mu=np.zeros(5), cov=np.eye(5) + 0.5).sample(300, n_chains=3, method="nuts", seed=33, max_depth=4)
    assert s.tree_depth.shape == s.divergent.shape == s.energy.shape == s.n_leapfrog.shape == s.accept_stat.shape == (3, 300)
    assert s.tree_depth.min() >= 1 and s.tree_depth.max() <= 4 and s.max_depth == 4
    assert np.all(s.n_leapfrog >= 2 ** s.tree_depth - 1) and np.all(s.n_leapfrog <= 2 ** (s.tree_depth + 1) - 1)
    assert np.all((s.accept_stat >= 0) & (s.accept_stat <= 1))
    assert s.n_max_depth.shape == (3,) and s.n_divergent.shape == (3,)
    assert np.all(np.isfinite(s.energy)) and np.all(s.energy >= -s.lp - 1e-9)     # H = U + |p|²/2 ≥ U = -lp
    h = eb.Gaussian(0.0, 1.0).sample(100, method="hmc", seed=1)
    assert h.tree_depth is None and h.n_leapfrog.max() == 16 and h.energy.shape == (4, 100)
    r = eb.Gaussian(0.0, 1.0).sample(100, method="metropolis", seed=1)
    assert r.energy is None and r.divergent.shape == (4, 100) and not r.divergent.any()


def test_max_depth_is_reported_when_hit():
    "A 100-D Gaussian with scales 1 … 1000 and the identity metric needs long trees: at max_depth=3 every one is cut."
    g = eb.Gaussian(mu=np.zeros(100), cov=np.diag(np.linspace(1.0, 1000.0, 100) ** 2))
    with pytest.warns(eb.SamplerWarning, match="maximum tree depth 3"):
        s = g.sample(50, n_chains=2, method="nuts", seed=2, warmup=100, max_depth=3)
    assert s.n_max_depth.sum() > 0 and s.tree_depth.max() == 3


@numba.njit
def _funnel(x, p):
    s = 0.0
    for i in range(1, x.shape[0]): s += x[i] * x[i]
    return x[0] * x[0] / 18.0 + 0.5 * (x.shape[0] - 1) * x[0] + 0.5 * math.exp(-x[0]) * s


@numba.njit
def _funnel_grad(x, p, out):
    s = 0.0
    for i in range(1, x.shape[0]):
        s += x[i] * x[i]; out[i] = x[i] * math.exp(-x[0])
    out[0] = x[0] / 9.0 + 0.5 * (x.shape[0] - 1) - 0.5 * math.exp(-x[0]) * s


@pytest.mark.parametrize("method", ["hmc", "nuts"])
def test_funnel_divergences_are_reported(method):
    "Neal's 10-D funnel: HMC and NUTS diverge in its neck; they say so, and `converged()` is False whatever R̂ says."
    funnel = eb.Energy(_funnel, dim=10, grad=_funnel_grad)
    with pytest.warns(eb.DivergenceWarning, match="divergent"):
        s = funnel.sample(4000, method=method, seed=5)
    assert s.n_divergent.sum() > 0 and s.divergent.any()
    assert s.divergent.sum() <= s.n_divergent.sum()
    summ = s.summary()
    assert summ.n_divergent == s.n_divergent.sum() and not summ.converged()
    assert "divergent" in summ.to_string() and "n_divergent" in repr(s)


def test_converged_counts_divergences():
    draws = np.random.default_rng(0).normal(size=(4, 2000))
    assert eb.summary(draws).converged() and not eb.summary(draws, n_divergent=1).converged()
    with pytest.raises(ValueError, match="`n_divergent`"):
        eb.summary(draws, n_divergent=-1)


def _wall(x, p):           # N(0, 1) cut at 1.5: a wall written as a division by zero (a plain function: numpy error model)
    return 0.5 * x[0] ** 2 + (0.0 if x[0] < 1.5 else 1.0 / (x[0] - x[0]))


def _wall_grad(x, p, out): out[0] = x[0]


def test_division_by_zero_in_a_plain_function_is_a_rejected_proposal():
    m = eb.Energy(_wall, grad=_wall_grad)
    assert m.energy([2.0]) == np.inf
    with pytest.warns(eb.DivergenceWarning):
        s = m.sample(2000, method="nuts", seed=4)
    assert s.draws.max() < 1.5 and s.n_divergent.sum() > 0
    r = m.sample(2000, method="metropolis", seed=4)
    assert r.draws.max() < 1.5


@numba.njit
def _raises_above_1(x, p):
    if x[0] > 1.0: raise ValueError("scale underflow")
    return 0.5 * x[0] ** 2


@numba.njit
def _grad_id(x, p, out): out[0] = x[0]


@pytest.mark.parametrize("method", ["metropolis", "hmc", "nuts"])
def test_a_user_energy_that_raises_stops_with_an_error_naming_it(method):
    m = eb.Energy(_raises_above_1, grad=_grad_id)
    with pytest.raises(eb.UserFunctionError, match=r"`_raises_above_1` or `_grad_id` raised ValueError\(scale underflow\)"):
        m.sample(500, method=method, seed=4)
    with pytest.raises(eb.UserFunctionError, match=r"at x = \[2.0\]"):
        m.energy(np.array([[0.5], [2.0]]))
    with pytest.raises(eb.UserFunctionError, match="raised"):
        eb.run_chains(m, np.full((2, 1), 0.9), 50, eb.rng_states(1, 2), method="metropolis", step_size=1.0)


def test_a_raising_gradient_is_named():
    @numba.njit
    def e(x, p): return 0.5 * x[0] ** 2
    @numba.njit
    def bad_grad(x, p, out):
        if x[0] > 1.0: raise ZeroDivisionError("boom")
        out[0] = x[0]
    with pytest.raises(eb.UserFunctionError, match="`bad_grad` raised ZeroDivisionError"):
        eb.Energy(e, grad=bad_grad).grad_energy(np.array([[0.0], [2.0]]))


def test_arviz_inference_data():
    az = pytest.importorskip("arviz")
    s = eb.Gaussian(mu=[0.0, 0.0], cov=[[1.0, 0.5], [0.5, 1.0]]).sample(400, n_chains=3, method="nuts", seed=8)
    idata = s.to_inference_data(dims=["d"], coords={"d": ["a", "b"]})
    assert idata.posterior["x"].shape == (3, 400, 2)
    st = idata.sample_stats
    for name in ("diverging", "tree_depth", "energy", "acceptance_rate", "step_size", "n_steps", "lp"):
        assert st[name].shape == (3, 400), name
    np.testing.assert_array_equal(st["step_size"].values[:, 0], s.step_size)
    np.testing.assert_allclose(az.ess(idata)["x"].values, eb.ess(s.draws), rtol=1e-6)
    assert np.isfinite(az.bfmi(idata)).all()
    r = eb.BoltzmannMachine(np.zeros((2, 2)), [0.0, 0.0]).sample(100, seed=1).to_inference_data()
    assert "tree_depth" not in r.sample_stats and r.posterior["x"].shape == (4, 100, 2)


def test_arviz_1x_datatree():
    "ArviZ 1.x's `from_dict` (arviz_base: one dict of groups, a DataTree) — what pip installs on newer Pythons."
    arviz_base = pytest.importorskip("arviz_base")
    s = eb.Gaussian(0.0, 1.0).sample(200, method="nuts", seed=9)
    dt = s._to_arviz(arviz_base.from_dict, "mu", None, None)
    assert type(dt).__name__ == "DataTree"
    assert dt["posterior"]["mu"].shape == (4, 200) and dt["sample_stats"]["diverging"].shape == (4, 200)
