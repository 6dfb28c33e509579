"""Tests of ebm_nb.gbrbm: the Gaussian–Bernoulli RBM against quadrature, enumeration and its own exact moments."""
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import ebm_nb as eb
from ebm_nb.gbrbm import GaussianBernoulliRBM


def _model(n_h, n_v, seed, scale=0.5):
    "A GB-RBM with random parameters (fitted for 0 epochs to set the shapes)."
    rng = np.random.default_rng(seed)
    m = GaussianBernoulliRBM(n_components=n_h, n_iter=0).fit(rng.normal(size=(10, n_v)))
    m.components_ = scale * rng.normal(size=(n_h, n_v)); m.intercept_hidden_ = rng.normal(0, 0.5, n_h)
    m.intercept_visible_ = rng.normal(0, 1, n_v); m.sigma_ = rng.uniform(0.5, 1.5, n_v)
    return m


def _brute_log_z(m):
    "log Z by summing the 2^n_h Gaussian integrals directly (independent of the Boltzmann-machine route)."
    W, c, b, s = m._params()
    H = ((np.arange(2 ** W.shape[0])[:, None] >> np.arange(W.shape[0])) & 1).astype(float)
    U = H @ W
    t = H @ c + ((b * U + U ** 2 / 2) / s ** 2).sum(1)
    return float(np.logaddexp.reduce(t) + 0.5 * W.shape[1] * math.log(2 * math.pi) + np.log(s).sum())


def test_log_z_against_quadrature():
    from scipy.integrate import dblquad
    m = _model(4, 2, seed=1, scale=1.2)
    lz = m.log_partition("exact").log_z
    val, _ = dblquad(lambda y, x: math.exp(-m._energy_batch(np.array([[x, y]]))[0]), -25, 25, -25, 25,
                     epsabs=1e-14, epsrel=1e-13)
    assert abs(lz - math.log(val)) < 1e-8
    assert abs(lz - _brute_log_z(m)) < 1e-10


@pytest.mark.parametrize("n_h,n_v", [(1, 3), (6, 5), (12, 30)])
def test_log_z_against_direct_sum(n_h, n_v):
    m = _model(n_h, n_v, seed=n_h)
    assert abs(m.log_partition("exact").log_z - _brute_log_z(m)) < 1e-9


def test_ais_within_three_standard_errors():
    m = _model(20, 8, seed=3, scale=0.3)
    exact = m.log_partition("exact").log_z
    r = m.log_partition("ais", n_runs=100, n_steps=1000, seed=0)
    assert abs(r.log_z - exact) < 3 * r.stderr
    big = _model(30, 4, seed=4, scale=0.2)
    with pytest.raises(ValueError, match="ais"):
        big.log_partition("exact")
    assert np.isfinite(big.score_samples(np.zeros((2, 4)))).all()   # > 24 hidden: AIS, seed 0


def test_likelihood_normalised_in_one_dimension():
    from scipy.integrate import quad
    m = _model(3, 1, seed=5, scale=1.0)
    total, _ = quad(lambda x: math.exp(m.score_samples(np.array([[x]]))[0]), -30, 30, epsabs=1e-13, epsrel=1e-12, limit=200)
    assert abs(total - 1.0) < 1e-9


def test_sampling_moments():
    m = _model(3, 2, seed=6, scale=1.0)
    bm = m._hidden_marginal()
    H = ((np.arange(8)[:, None] >> np.arange(3)) & 1).astype(float)
    p = np.exp(-bm.energy(H) - bm.log_partition("exact").log_z)
    Eh = p @ H; Ch = (H - Eh).T @ ((H - Eh) * p[:, None])
    Ev = m.intercept_visible_ + m.components_.T @ Eh
    Cv = np.diag(m.sigma_ ** 2) + m.components_.T @ Ch @ m.components_
    d = m.sample(10000, n_chains=4, seed=0, warmup=200).draws.reshape(-1, 2)
    assert np.all(np.abs(d.mean(0) - Ev) < 5 * np.sqrt(np.diag(Cv) / (len(d) / 20)))
    assert np.abs(np.cov(d.T) - Cv).max() < 0.1 * np.abs(Cv).max()


def test_sparse_and_dense_fit_the_same_model():
    X = np.random.default_rng(0).normal(size=(300, 5)) * [1, 2, 0.5, 1, 3]
    X[X < 0] = 0.0
    a = GaussianBernoulliRBM(n_components=4, n_iter=3, batch_size=7, random_state=1).fit(X)
    for Xs in (sp.csr_matrix(X), sp.csc_matrix(X), np.asfortranarray(X)):
        b = GaussianBernoulliRBM(n_components=4, n_iter=3, batch_size=7, random_state=1).fit(Xs)
        for attr in ("components_", "intercept_hidden_", "intercept_visible_", "sigma_", "h_samples_"):
            assert np.array_equal(getattr(a, attr), getattr(b, attr)), attr
    assert a.transform(X.astype(np.float32)).dtype == np.float32
    assert np.array_equal(a.transform(sp.csr_matrix(X)), a.transform(X))


def test_fixed_sigma_and_training_improves():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.7], [0.0, 0.0, 0.4]])
    m0 = GaussianBernoulliRBM(n_components=4, n_iter=0, random_state=0).fit(X)
    m = GaussianBernoulliRBM(n_components=4, n_iter=20, learning_rate=0.01, n_chains=50, random_state=0).fit(X)
    assert m.score(X) > m0.score(X) + 0.1
    f = GaussianBernoulliRBM(n_components=4, n_iter=2, sigma=[0.5, 1.0, 2.0], random_state=0).fit(X)
    assert np.array_equal(f.sigma_, [0.5, 1.0, 2.0])


def test_save_load_resumes_exactly(tmp_path):
    X = np.random.default_rng(0).normal(size=(100, 3))
    m = GaussianBernoulliRBM(n_components=3, n_iter=2, momentum=0.5, random_state=0).fit(X)
    p = tmp_path / "g.npz"
    m.save(p)
    r = GaussianBernoulliRBM.load(p)
    assert r.get_params() == m.get_params()
    assert np.array_equal(r.score_samples(X), m.score_samples(X))
    m.fit_epoch(X); r.fit_epoch(X)
    assert np.array_equal(m.components_, r.components_) and np.array_equal(m.sigma_, r.sigma_)
    with np.load(p) as f: arrays = {k: f[k] for k in f.files}
    arrays["sigma_"] = arrays["sigma_"] * 1.01
    np.savez(tmp_path / "t.npz", **arrays)
    with pytest.raises(ValueError, match="integrity"):
        GaussianBernoulliRBM.load(tmp_path / "t.npz")
    with pytest.raises(ValueError, match="not an ebm_nb GaussianBernoulliRBM"):
        eb.BernoulliRBM(n_components=2, n_iter=1).fit(np.eye(3)).save(tmp_path / "b.npz")
        GaussianBernoulliRBM.load(tmp_path / "b.npz")


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(20, 3))
    m = GaussianBernoulliRBM(n_components=2, n_iter=1).fit(X)
    for bad, match in ((dict(sigma=-1.0), "sigma"), (dict(sigma=[1.0, 2.0]), "sigma"), (dict(sigma=np.inf), "sigma"),
                       (dict(n_components=0), "n_components"), (dict(learning_rate=0.0), "learning_rate"),
                       (dict(method="gibbs"), "method")):
        with pytest.raises(ValueError, match=match):
            GaussianBernoulliRBM(**bad).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        GaussianBernoulliRBM(n_components=2).fit(np.where(X > 1, np.nan, X))
    with pytest.raises(ValueError, match="features"):
        m.transform(X[:, :2])
    with pytest.raises(ValueError, match="method"):
        m.sample(3, method="hmc")
    with pytest.raises(ValueError, match="init"):
        m.sample(3, n_chains=2, init=np.zeros((3, 3)))
    with pytest.raises(FloatingPointError, match="learning_rate"):
        GaussianBernoulliRBM(n_components=2, learning_rate=1e200, n_iter=3, random_state=0).fit(X * 1e100)


def test_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(GaussianBernoulliRBM(n_components=3, n_iter=2, random_state=0), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []
    assert sum(r["status"] == "passed" for r in results) >= 40
