"""Property tests of the MCMC diagnostics (ebm_nb.diagnostics) against ArviZ's array functions and their invariances."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from ebm_nb.diagnostics import autocorr, ess, rhat, mcse, summary

azs = pytest.importorskip("arviz_stats.base").array_stats

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-6
KW = dict(chain_axis=0, draw_axis=1)


@st.composite
def draws(draw, min_chains=1, max_chains=6):
    "Draws (n_chains, n_draws, *event_shape): continuous (normal, AR(1), Cauchy, shifted chains) or discrete with ties."
    n_chains = draw(st.integers(min_chains, max_chains))
    n_draws = draw(st.one_of(st.integers(4, 60), st.integers(61, 1500)))
    event = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    kind = draw(st.sampled_from(["normal", "ar1", "cauchy", "shifted", "ties", "scaled"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (n_chains, n_draws, *event)
    if kind == "normal": x = rng.normal(size=shape)
    elif kind == "cauchy": x = rng.standard_cauchy(size=shape)
    elif kind == "ties": x = rng.integers(0, draw(st.integers(2, 4)), size=shape).astype(float)
    elif kind == "ar1":
        phi = draw(st.floats(-0.9, 0.97))
        e = rng.normal(size=shape)
        x = np.empty(shape); x[:, 0] = e[:, 0]
        for t in range(1, n_draws): x[:, t] = phi * x[:, t - 1] + math.sqrt(1 - phi**2) * e[:, t]
    elif kind == "shifted":
        x = rng.normal(size=shape) + rng.normal(scale=2.0, size=(n_chains,) + (1,) * (len(shape) - 1))
    else:
        x = rng.normal(size=shape) * draw(st.floats(1e-3, 1e3)) + draw(st.floats(-1e3, 1e3))
    return x


def close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_array_equal(np.isinf(a), np.isinf(b))  # R̂ = inf: split chains constant at different values
    np.testing.assert_array_equal(a[np.isinf(a)], b[np.isinf(b)])
    ok = np.isfinite(a)
    assert np.all(np.abs(a[ok] - b[ok]) <= tol), np.max(np.abs(a[ok] - b[ok]))


@SETTINGS
@given(draws(), st.sampled_from(["bulk", "tail", "mean", "sd"]))
def test_ess_matches_arviz(d, method):
    kw = dict(prob=(0.05, 0.95)) if method == "tail" else {}
    close(ess(d, method=method), azs.ess(d, method=method, **kw, **KW))


@SETTINGS
@given(draws(min_chains=2))
def test_rhat_matches_arviz(d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        close(rhat(d), azs.rhat(d, **KW))


@SETTINGS
@given(draws(), st.sampled_from(["mean", "sd"]))
def test_mcse_matches_arviz(d, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.asarray(azs.mcse(d, method=kind, **KW), dtype=float)
    got = np.asarray(mcse(d, kind=kind), dtype=float)
    ref = np.where(np.isnan(ref), 0.0, ref)   # a constant coordinate: ArviZ's sd-MCSE is 0/0, ours 0
    close(got, ref)


@SETTINGS
@given(draws())
def test_autocorr_matches_arviz(d):
    flat = d.reshape(d.shape[0], d.shape[1], -1)
    if np.any(flat.max(axis=1) == flat.min(axis=1)): return  # a constant chain: ArviZ NaN, ours (1, 0, 0, ...)
    ref = np.moveaxis(azs.autocorr(np.moveaxis(d, 1, -1), axis=-1), -1, 1)
    close(autocorr(d), ref, tol=1e-9)


@SETTINGS
@given(draws(min_chains=2), st.randoms(use_true_random=False))
def test_rhat_invariant_to_chain_order(d, rnd):
    perm = list(range(d.shape[0])); rnd.shuffle(perm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        close(rhat(d[perm]), rhat(d), tol=1e-12)
        for m in ("bulk", "tail", "mean"): close(ess(d[perm], method=m), ess(d, method=m), tol=1e-9)


@SETTINGS
@given(draws())
def test_ess_bounded_by_s_log10_s(d):
    "τ̂ ≥ 1/log10(S) bounds ESS by S·log10(S); a constant function of the draws (e.g. (x − x̄)² of ±1 draws) gets S."
    s = d.shape[0] * 2 * (d.shape[1] // 2)   # draws left after splitting
    for m in ("bulk", "tail", "mean", "sd"):
        e = np.asarray(ess(d, method=m))
        assert np.all(e > 0) and np.all(e <= s * max(1.0, math.log10(s)) * (1 + 1e-12))


@SETTINGS
@given(draws(), st.floats(-1e3, 1e3), st.floats(1e-2, 1e2))
def test_bulk_ess_invariant_to_increasing_maps(d, shift, scale):
    "Bulk ESS depends on the draws only through their ranks (compared where the map makes no new ties)."
    y = np.exp(np.clip(d, -50, 50) / 10) * scale + shift
    if np.unique(d).size != d.size or np.unique(y).size != y.size: return
    close(ess(y), ess(d), tol=1e-9)


@SETTINGS
@given(draws(min_chains=2), st.integers(-20, 20))
def test_rhat_invariant_to_scale(d, k):
    "R̂ (bulk and folded) is unchanged by x → 2^k x, a map that is exact in floating point."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        close(rhat(d * 2.0**k), rhat(d), tol=1e-12)


@SETTINGS
@given(draws())
def test_summary_columns(d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = summary(d, names="p")
        close(s.ess_bulk, ess(d), tol=0); close(s.ess_tail, ess(d, method="tail"), tol=0)
        close(s.rhat, rhat(d), tol=0); close(s.mcse_mean, mcse(d), tol=0); close(s.mcse_sd, mcse(d, kind="sd"), tol=0)
    flat = d.reshape(d.shape[0] * d.shape[1], -1)
    close(np.ravel(s.mean), flat.mean(axis=0), tol=1e-9 * (1 + np.abs(flat).max()))
    assert len(s) == int(np.prod(d.shape[2:])) and isinstance(s.to_string(), str)


def test_shapes_and_scalars():
    rng = np.random.default_rng(0)
    assert isinstance(ess(rng.normal(size=(4, 50))), float)
    assert isinstance(rhat(rng.normal(size=(4, 50))), float)
    assert ess(rng.normal(size=(4, 50, 2, 3))).shape == (2, 3)
    assert mcse(rng.normal(size=(4, 50, 5)), kind="sd").shape == (5,)


def test_constant_chain():
    c = np.full((4, 11), -1.5)
    for m in ("bulk", "tail", "mean", "sd"): assert ess(c, method=m) == 4 * 2 * 5
    with pytest.warns(RuntimeWarning, match="undefined"): assert math.isnan(rhat(c))
    assert mcse(c) == 0.0 and mcse(c, kind="sd") == 0.0


@pytest.mark.parametrize("bad, exc, msg", [
    (np.ones(10), ValueError, "must have shape (n_chains, n_draws"),
    (np.ones((4, 3)), ValueError, "at least 4 draws"),
    (np.ones((0, 8)), ValueError, "at least one chain"),
    (np.array([[1.0, np.nan, 2.0, 3.0]]), ValueError, "contains NaN or infinite"),
    (np.array([[1.0, np.inf, 2.0, 3.0]]), ValueError, "contains NaN or infinite"),
    ("draws", TypeError, "array of real numbers"),
])
def test_bad_draws(bad, exc, msg):
    for f in (ess, rhat, mcse, summary):
        with pytest.raises(exc, match=msg.replace("(", r"\(")): f(bad)


def test_bad_options():
    d = np.random.default_rng(1).normal(size=(2, 10))
    with pytest.raises(ValueError, match="`method`"): ess(d, method="median")
    with pytest.raises(ValueError, match="`prob`"): ess(d, method="tail", prob=1.0)
    with pytest.raises(ValueError, match="`kind`"): mcse(d, kind="median")
    with pytest.raises(ValueError, match="`names`"): summary(d, names=["a", "b"])
