"""eb.fit: validation, history, exact resume, and a discrete model learned by PCD."""
import os

import numpy as np
import pytest

import ebm_nb as eb

DATA = np.random.default_rng(0).normal(1.0, 0.5, size=400)
KW = dict(method="pcd", k=1, epochs=6, batch_size=50, learning_rate=0.05, step_size=0.5, seed=1, progress=False)


def test_history_and_in_place_update():
    g = eb.Gaussian(0.0, 1.0)
    h = eb.fit(g, DATA, **KW, trace=True)
    assert h["data_energy"].shape == (6,) and h["theta"].shape == (6, 2) and h["trace"].shape == (48, 2)
    np.testing.assert_array_equal(g.get_theta(), h["final_theta"])
    assert h["theta_names"] == ["mu", "log_sigma"]


def test_same_seed_same_result_and_column_data():
    a, b = eb.Gaussian(0.0, 1.0), eb.Gaussian(0.0, 1.0)
    eb.fit(a, DATA, **KW); eb.fit(b, DATA[:, None], **KW)
    np.testing.assert_array_equal(a.get_theta(), b.get_theta())


def _crash_and_resume(monkeypatch, kw, ck):
    "A run of `kw` killed after its 3rd epoch's checkpoint, then resumed from `ck`: the resumed model and history."
    import ebm_nb.training as tr
    save = tr._save_checkpoint

    class Crash(Exception): pass
    def crash_after_epoch_3(path, state):
        save(path, state)
        if int(state["epoch"]) == 3: raise Crash
    monkeypatch.setattr(tr, "_save_checkpoint", crash_after_epoch_3)
    with pytest.raises(Crash):
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **kw, checkpoint=ck)
    monkeypatch.setattr(tr, "_save_checkpoint", save)
    resumed = eb.Gaussian(0.0, 1.0)
    return resumed, eb.fit(resumed, DATA, **kw, checkpoint=ck)


@pytest.mark.parametrize("method,optimizer", [("pcd", "adam"), ("cd", "momentum"), ("pcd", "sgd")])
def test_resume_is_bit_identical(tmp_path, monkeypatch, method, optimizer):
    kw = {**KW, "method": method, "optimizer": optimizer, "average": 0.5}
    full = eb.Gaussian(0.0, 1.0); eb.fit(full, DATA, **kw)
    ck = tmp_path / "ck.npz"
    resumed, h = _crash_and_resume(monkeypatch, kw, ck)
    np.testing.assert_array_equal(resumed.get_theta(), full.get_theta())
    assert h["data_energy"].shape == (6,)


@pytest.mark.parametrize("method,opts", [("dsm", dict(noise_scale=0.2)), ("ssm", dict(n_projections=2)), ("nce", dict(noise_ratio=2.0))])
def test_z_free_resume_is_bit_identical(tmp_path, monkeypatch, method, opts):
    "The noise of DSM/SSM/NCE is drawn from the run's own generator: a resumed run draws the same noise, NCE's log Z included."
    kw = dict(method=method, optimizer="adam", epochs=6, batch_size=50, learning_rate=0.05, average=0.5, seed=1, progress=False, **opts)
    full = eb.Gaussian(0.0, 1.0); h_full = eb.fit(full, DATA, **kw)
    ck = tmp_path / "ck.npz"
    resumed, h = _crash_and_resume(monkeypatch, kw, ck)
    np.testing.assert_array_equal(resumed.get_theta(), full.get_theta())
    assert h["theta"].shape == (6, 2) and h["objective"].shape == (6,)
    if method == "nce":
        assert h["log_z"] == h_full["log_z"] and h["log_z_path"].shape == (6,) and np.isfinite(h["log_z"])
    with pytest.raises(ValueError, match="another model"):      # other noise settings: another run
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**kw, **{k: v * 2 for k, v in opts.items()}}, checkpoint=ck)


def test_lbfgs_z_free_is_deterministic_given_the_seed():
    runs = [eb.fit(eb.Gaussian(0.0, 1.0), DATA, method="dsm", noise_scale=0.2, optimizer="lbfgs", seed=s, progress=False)["final_theta"]
            for s in (3, 3, 4)]
    np.testing.assert_array_equal(runs[0], runs[1]); assert not np.array_equal(runs[0], runs[2])


def test_checkpoint_of_other_run_refused(tmp_path):
    ck = tmp_path / "ck.npz"
    eb.fit(eb.Gaussian(0.0, 1.0), DATA, **KW, checkpoint=ck)
    with pytest.raises(ValueError, match="another model"):
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**KW, "learning_rate": 0.01}, checkpoint=ck)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".ckpt-")]  # no temporary files left behind


def test_bernoulli_learned_by_pcd():
    rng = np.random.default_rng(3)
    p = np.array([0.1, 0.5, 0.8])
    data = (rng.random((3000, 3)) < p).astype(float)
    m = eb.Bernoulli(p=[0.5, 0.5, 0.5])
    eb.fit(m, data, method="pcd", k=1, epochs=20, batch_size=100, learning_rate=0.1, average=0.5, seed=0, progress=False)
    mle = data.mean(axis=0)
    se = np.sqrt(mle * (1 - mle) / len(data))
    assert np.all(np.abs(m.p - mle) < 5 * se + 0.01)


@pytest.mark.parametrize("kwargs,match", [
    (dict(learning_rate=0.0), "`learning_rate`"), (dict(learning_rate=-0.1), "`learning_rate`"),
    (dict(k=0), "`k`"), (dict(epochs=0), "`epochs`"), (dict(batch_size=0), "`batch_size`"),
    (dict(method="sgd"), "`method`"), (dict(optimizer="rmsprop"), "`optimizer`"),
    (dict(average=1.5), "`average`"), (dict(sampler="gibbs"), "`sampler`"), (dict(step_size=0.0), "`step_size`"),
    (dict(weight_decay=-1.0), "`weight_decay`"), (dict(n_chains=0), "`n_chains`"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**KW, **kwargs})


@pytest.mark.parametrize("data,match", [
    (np.array([1.0, np.nan, 2.0]), "`data`"), (np.ones((4, 2)), "`data` must have shape"),
    (np.zeros(0), "empty"),
])
def test_bad_data(data, match):
    with pytest.raises(ValueError, match=match):
        eb.fit(eb.Gaussian(0.0, 1.0), data, **KW)


def test_untrainable_energy():
    import numba
    @numba.njit
    def e(x, p): return 0.5 * p[0] * x[0] * x[0]
    with pytest.raises(ValueError, match="grad_theta"):
        eb.fit(eb.Energy(e, [1.0], dim=1, grad=None), DATA[:, None], **{**KW, "sampler": "metropolis"})


def test_fit_refuses_a_gradient_sampler_without_a_gradient():
    "fit checks once, up front, what run_chains checked on every call: MALA/HMC need dE/dx (else NaN chains)."
    import numba, pytest
    @numba.njit
    def f(x, p): return 0.5 * (x[0] - p[0]) ** 2
    @numba.njit
    def gt(x, p, out): out[0] = -(x[0] - p[0])
    m = eb.Energy(f, [0.0], dim=1, grad_theta=gt)
    data = np.random.default_rng(0).normal(size=(50, 1))
    for s in (None, "mala", "hmc", "langevin"):
        with pytest.raises(ValueError, match="needs the energy's gradient"):
            eb.fit(m, data, sampler=s, progress=False, epochs=1)
    eb.fit(m, data, sampler="metropolis", progress=False, epochs=1)
    assert np.isfinite(m.params).all()


def test_lbfgs_standard_errors_optional_and_size_limited(monkeypatch):
    "stderr=False skips the sandwich at the same optimum; beyond the size limit it is skipped with a warning naming the limit."
    r = np.random.default_rng(0)
    X = np.where(r.random((300, 4)) < 0.5, -1.0, 1.0)
    fit = lambda **kw: eb.fit(eb.BoltzmannMachine(np.zeros((4, 4)), domain="spin"), X, method="pl", optimizer="lbfgs",
                              progress=False, **kw)
    h, h0 = fit(), fit(stderr=False)
    assert h0["stderr"] is None and h["stderr"].shape == (10,) and np.all(np.isfinite(h["stderr"]))
    assert np.array_equal(h0["final_theta"], h["final_theta"])
    import importlib
    monkeypatch.setattr(importlib.import_module("ebm_nb.bypass"), "_SECOND_ORDER_MAX", 9)           # 4 units: 10 parameters, one too many
    with pytest.warns(UserWarning, match=r"standard errors skipped: 10 parameters > 9"):
        h1 = fit()
    assert h1["stderr"] is None and h1["converged"]
