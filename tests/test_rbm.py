"""Tests of ebm_nb.rbm: the Bernoulli RBM against scikit-learn and brute-force enumeration."""
import math

import numpy as np
import pytest
from scipy.special import logsumexp

import ebm_nb as eb
from ebm_nb.rbm import BernoulliRBM, rbm_log_partition_exact, rbm_log_partition_ais


def _bits(n):
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def _brute_log_z(W, bh, bv):
    "log Z by enumerating both layers: log Σ_v Σ_h exp(v·bv + h·bh + hᵀWv)."
    V, H = _bits(W.shape[1]), _bits(W.shape[0])
    return float(logsumexp((V @ bv)[:, None] + (H @ bh)[None, :] + V @ W.T @ H.T))


def _random_rbm(n_h, n_v, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    m = BernoulliRBM(n_components=n_h, n_iter=0, random_state=seed).fit(rng.integers(0, 2, (5, n_v)).astype(float))
    m.components_ = scale * rng.normal(size=(n_h, n_v)); m.intercept_hidden_ = rng.normal(size=n_h)
    m.intercept_visible_ = rng.normal(size=n_v)
    return m


@pytest.fixture(scope="module")
def digits():
    return eb.load_binary_digits(0)


def test_free_energy_equals_sklearn(digits):
    from sklearn.neural_network import BernoulliRBM as Sk
    Xtr, Xte = digits
    sk = Sk(n_components=20, n_iter=3, random_state=0).fit(Xtr)
    m = BernoulliRBM(n_components=20).fit(Xtr[:3])
    m.components_, m.intercept_hidden_, m.intercept_visible_ = (sk.components_.copy(order="C"), sk.intercept_hidden_.copy(),
                                                                sk.intercept_visible_.copy())
    Xr = np.random.default_rng(1).random((50, 64))  # real values in [0, 1] too
    for X in (Xte, Xr):
        np.testing.assert_allclose(m.free_energy(X), sk._free_energy(X), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.energy(Xte), sk._free_energy(Xte), rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.transform(Xte), sk.transform(Xte), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_h,n_v", [(5, 9), (9, 5), (7, 7), (1, 3)])
def test_exact_log_z_brute_force(n_h, n_v):
    m = _random_rbm(n_h, n_v, seed=n_h * 10 + n_v)
    lz = m.log_partition("exact")
    assert lz.method == "exact" and lz.stderr == 0
    assert abs(lz.log_z - _brute_log_z(*m._params())) < 1e-10
    # probabilities over all visible states sum to one
    assert abs(logsumexp(m.log_likelihood(_bits(n_v)))) < 1e-10


def test_exact_log_z_large_weights_no_overflow():
    m = _random_rbm(6, 8, seed=3, scale=300.0)
    assert abs(m.log_partition("exact").log_z - _brute_log_z(*m._params())) < 1e-9 * abs(_brute_log_z(*m._params()))


def test_log_z_20_hidden_vs_numpy(digits):
    m = BernoulliRBM(n_components=20, n_iter=2, random_state=0).fit(digits[0])
    W, bh, bv = m._params()
    H = _bits(20)
    ref = logsumexp(H @ bh + np.logaddexp(0, H @ W + bv).sum(axis=1))
    assert abs(m.log_partition("exact").log_z - ref) < 1e-9


def test_enumeration_limit():
    m = _random_rbm(25, 30, seed=0)
    with pytest.raises(ValueError, match="2\\^25.*ais"):
        m.log_partition("exact")
    m2 = _random_rbm(30, 25, seed=0)  # the smaller layer is the visible one: still 25 units
    with pytest.raises(ValueError, match="ais"):
        m2.log_partition("exact")


def test_ais_small_rbm():
    rng = np.random.default_rng(0)
    m = _random_rbm(6, 10, seed=4, scale=0.5)
    m.base_visible_bias_ = rng.normal(size=10) * 0.1
    exact = m.log_partition("exact").log_z
    r = m.log_partition("ais", n_runs=200, n_steps=2000, seed=1)
    assert r.method == "ais" and r.ess > 10
    assert abs(r.log_z - exact) < 5 * r.stderr + 1e-3
    # reproducible: same seed, same estimate
    assert m.log_partition("ais", n_runs=200, n_steps=2000, seed=1).log_z == r.log_z


def test_bad_input(digits):
    Xtr, _ = digits
    m = BernoulliRBM(n_components=8, n_iter=1, random_state=0).fit(Xtr)
    for outside in (Xtr * 2, Xtr - 0.5):  # accepted, as scikit-learn accepts it, with a warning
        with pytest.warns(UserWarning, match=r"outside \[0, 1\]"):
            BernoulliRBM(n_components=4, n_iter=1).fit(outside)
    Xn = Xtr.copy(); Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BernoulliRBM(n_components=4).fit(Xn)
    with pytest.raises(ValueError, match="features"):
        m.transform(Xtr[:, :10])
    with pytest.raises(ValueError, match="features"):
        m.score_samples(Xtr[:, :10])
    with pytest.raises(ValueError, match="binary"):
        m.log_likelihood(Xtr * 0.5)
    for n in (0, -1):
        with pytest.raises(ValueError, match="n_components"):
            BernoulliRBM(n_components=n).fit(Xtr)
    with pytest.raises(ValueError, match="method"):
        BernoulliRBM(method="foo").fit(Xtr)
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        BernoulliRBM().transform(Xtr)


def test_reproducible_and_sklearn_init(digits):
    from sklearn.neural_network import BernoulliRBM as Sk
    Xtr, _ = digits
    a = BernoulliRBM(n_components=10, n_iter=2, random_state=5).fit(Xtr)
    b = BernoulliRBM(n_components=10, n_iter=2, random_state=5).fit(Xtr)
    assert np.array_equal(a.components_, b.components_) and np.array_equal(a.h_samples_, b.h_samples_)
    a0 = BernoulliRBM(n_components=10, n_iter=0, random_state=5).fit(Xtr)
    s0 = Sk(n_components=10, n_iter=0, random_state=5).fit(Xtr)
    assert np.array_equal(a0.components_, s0.components_)  # same initial weights as scikit-learn
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_", "n_features_in_"):
        assert hasattr(a, attr)
    assert a.h_samples_.shape == (10, 10)


@pytest.mark.parametrize("method,k", [("pcd", 1), ("cd", 1), ("cd", 5)])
def test_training_improves_likelihood(digits, method, k):
    Xtr, Xte = digits
    m0 = BernoulliRBM(n_components=12, n_iter=0, random_state=0).fit(Xtr)
    m = BernoulliRBM(n_components=12, n_iter=5, random_state=0, method=method, k=k, momentum=0.5).fit(Xtr)
    assert m.score(Xte) > m0.score(Xte) + 10


def test_partial_fit_and_fit_epoch(digits):
    Xtr, _ = digits
    m = BernoulliRBM(n_components=6, random_state=0)
    m.partial_fit(Xtr[:10]); m.partial_fit(Xtr[10:20])
    assert m.components_.shape == (6, 64) and np.all(np.isfinite(m.components_))
    a = BernoulliRBM(n_components=6, n_iter=3, random_state=0).fit(Xtr)
    b = BernoulliRBM(n_components=6, random_state=0)
    for _ in range(3): b.fit_epoch(Xtr)
    assert np.array_equal(a.components_, b.components_)


def test_sample_matches_exact_distribution():
    m = _random_rbm(3, 4, seed=7, scale=1.0)
    s = m.sample(4000, n_chains=4, seed=0, warmup=100, thin=2).draws.reshape(-1, 4)
    codes = (s * (1 << np.arange(4))).sum(axis=1).astype(int)
    freq = np.bincount(codes, minlength=16) / codes.size
    p = np.exp(m.log_likelihood(_bits(4)))
    # block Gibbs on 4 visible units mixes fast; 16000 draws thinned by 2: binomial error with a generous ESS factor 2
    se = np.sqrt(p * (1 - p) / (codes.size / 2))
    assert np.all(np.abs(freq - p) < 5 * se + 1e-3)
    g = m.gibbs(_bits(4))
    assert g.shape == (16, 4) and set(np.unique(g)) <= {0.0, 1.0}


def test_save_load(tmp_path, digits):
    Xtr, Xte = digits
    m = BernoulliRBM(n_components=8, n_iter=2, random_state=0, momentum=0.5).fit(Xtr)
    p = tmp_path / "m.npz"
    m.save(p)
    r = BernoulliRBM.load(p)
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_", "base_visible_bias_"):
        assert np.array_equal(getattr(m, attr), getattr(r, attr))
    assert r.get_params() == m.get_params()
    assert np.array_equal(m.log_likelihood(Xte), r.log_likelihood(Xte))
    # the stream and chains continue identically
    m.fit_epoch(Xtr); r.fit_epoch(Xtr)
    assert np.array_equal(m.components_, r.components_)
    # tampered
    with np.load(p) as f: arrays = {k: f[k] for k in f.files}
    arrays["components_"] = arrays["components_"] + 1e-9
    np.savez(tmp_path / "t.npz", **arrays)
    with pytest.raises(ValueError, match="integrity"):
        BernoulliRBM.load(tmp_path / "t.npz")
    # foreign
    np.savez(tmp_path / "f.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not an ebm_nb BernoulliRBM"):
        BernoulliRBM.load(tmp_path / "f.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable"):
        BernoulliRBM.load(tmp_path / "junk.npz")
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".rbm-")]  # no temporary file left behind


def test_sklearn_compat_basics(digits):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    Xtr, _ = digits
    m = BernoulliRBM(n_components=5, n_iter=1, random_state=0, method="cd", k=3)
    c = clone(m)
    assert c.get_params() == m.get_params()
    y = np.arange(Xtr.shape[0]) % 2
    make_pipeline(m, LogisticRegression(max_iter=50)).fit(Xtr, y)
    assert list(m.get_feature_names_out()[:2]) == ["bernoullirbm0", "bernoullirbm1"]
