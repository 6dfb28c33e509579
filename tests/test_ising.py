"""The Ising model: energies, Kaufman's exact log Z against enumeration, the lattice samplers, bad input."""
import hashlib
import math
import os
import warnings

import numpy as np
import numba
import pytest
from hypothesis import given, settings, strategies as st

import ebm_nb as eb
from ebm_nb.ising import (Ising, kaufman_log_partition, density_of_states, jackknife, BETA_C, _fill_q, _lattice_kernel,
                         _kaufman_jet)
from conftest import run_with_threads

REFERENCE = [(2, 0.5, 4.79771374749), (3, 0.4, 8.45645637364), (4, 0.4, 14.5610930238)]


def H_numpy(x, J, h):
    x = np.asarray(x, dtype=np.int64)
    return -J * (x * (np.roll(x, 1, -1) + np.roll(x, 1, -2))).sum(axis=(-1, -2)) - h * x.sum(axis=(-1, -2))


def log_z_dos(L, beta, J=1.0, h=0.0):
    B, M, g = density_of_states(L)
    with np.errstate(divide="ignore"): a = np.log(g) + beta * J * B[:, None] + beta * h * M[None, :]
    return float(np.logaddexp.reduce(a, axis=None))


# --- exact log Z ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("L,K,ref", REFERENCE)
def test_reference_values(L, K, ref):
    assert kaufman_log_partition(L, K) == pytest.approx(ref, rel=1e-10)
    assert Ising(L, K).log_partition(method="enumeration").log_z == pytest.approx(ref, rel=1e-10)


def test_density_of_states_4x4():
    B, M, g = density_of_states(4)
    assert g.sum() == 2 ** 16
    assert np.array_equal(g, g[:, ::-1])                                   # flipping every spin: M → -M, B unchanged
    assert np.array_equal(g.sum(axis=1), g.sum(axis=1)[::-1])              # bipartite: flipping one sublattice, B → -B
    by_e = {int(-b): int(c) for b, c in zip(B, g.sum(axis=1)) if c}
    assert by_e[-32] == 2 and by_e[-24] == 32 and by_e[-20] == 64 and by_e[-16] == 424 and by_e[0] == 20524


@pytest.mark.parametrize("L", [2, 3, 4])
def test_kaufman_equals_enumeration(L):
    for beta in (0.0, 0.05, 0.2, 0.4, BETA_C, 0.5, 0.8, 2.0, 35.0):
        m = Ising(L, beta)
        k = m.log_partition(method="kaufman").log_z
        e = m.log_partition(method="enumeration").log_z
        assert k == pytest.approx(e, rel=1e-10), (L, beta)
        assert k == pytest.approx(log_z_dos(L, beta), rel=1e-10)


@settings(deadline=None, max_examples=40)
@given(L=st.integers(2, 4), K=st.floats(0.0, 6.0))
def test_kaufman_property(L, K):
    assert kaufman_log_partition(L, K) == pytest.approx(log_z_dos(L, K), rel=1e-12, abs=1e-12)


def test_kaufman_large_lattice_limits():
    # Onsager's free energy per spin at K_c, approached with the critical finite-size correction ∝ 1/L²
    corr = [(Ising(L, BETA_C).log_partition().log_z / L ** 2 - 0.9296953983416102) * L ** 2 for L in (128, 256, 512)]
    assert corr[0] > 0 and corr[1] == pytest.approx(corr[0], rel=1e-3) and corr[2] == pytest.approx(corr[1], rel=1e-3)
    # overflow-free at huge L and K, and continuous across the low-temperature switch at K = 30
    assert math.isfinite(kaufman_log_partition(4096, BETA_C))
    assert kaufman_log_partition(8, 30.0 - 1e-12) == pytest.approx(kaufman_log_partition(8, 30.0 + 1e-12), rel=1e-13)


@pytest.mark.parametrize("L", [2, 3, 4, 5])
def test_exact_moments_kaufman_vs_enumeration(L):
    for beta in (0.1, 0.3, BETA_C, 0.7, 1.5):
        a = Ising(L, beta).exact_observables("kaufman")
        b = Ising(L, beta).exact_observables("enumeration")
        assert a["energy"] == pytest.approx(b["energy"], rel=1e-12)
        assert a["heat_capacity"] == pytest.approx(b["heat_capacity"], rel=1e-9)


def test_derivatives_match_finite_differences():
    L, K, h = 16, 0.41, 5e-4          # 5-point stencils: truncation error ~h⁴ (checked to fall 16× per halving)
    f = lambda k: kaufman_log_partition(L, k)
    _, d1, d2 = _kaufman_jet(L, K)
    assert d1 == pytest.approx((-f(K + 2 * h) + 8 * f(K + h) - 8 * f(K - h) + f(K - 2 * h)) / (12 * h), rel=1e-8)
    assert d2 == pytest.approx((-f(K + 2 * h) + 16 * f(K + h) - 30 * f(K) + 16 * f(K - h) - f(K - 2 * h)) / (12 * h * h), rel=1e-7)


def test_exact_with_field_and_antiferromagnet():
    for L, beta, J, h in [(3, 0.4, 1.0, 0.3), (4, 0.3, -1.0, 0.0), (3, 0.3, -1.0, 0.0), (5, 0.2, 0.5, -0.4)]:
        r = Ising(L, beta, J, h).log_partition()
        assert r.log_z == pytest.approx(log_z_dos(L, beta, J, h), rel=1e-10)
    assert Ising(6, 0.3, J=-1.0).log_partition().log_z == Ising(6, 0.3).log_partition().log_z   # gauge, even L
    with pytest.raises(ValueError, match="method='ais'"): Ising(6, 0.3, h=0.1).log_partition()
    with pytest.raises(ValueError, match="method='ais'"): Ising(7, 0.3, J=-1.0).log_partition()
    with pytest.raises(ValueError, match="h = 0"): Ising(4, 0.3, h=0.1).log_partition(method="kaufman")
    assert Ising(9, 0.0).log_partition().log_z == 81 * math.log(2.0)


# --- the model ----------------------------------------------------------------------------------------------------------
@settings(deadline=None, max_examples=40)
@given(L=st.integers(2, 7), n=st.integers(1, 4), J=st.floats(-2, 2), h=st.floats(-2, 2), seed=st.integers(0, 2 ** 32 - 1))
def test_energy_and_flips(L, n, J, h, seed):
    rng = np.random.default_rng(seed)
    X = np.where(rng.random((n, L, L)) < 0.5, 1, -1).astype(np.int8)
    m = Ising(L, 0.5, J=J, h=h)
    np.testing.assert_allclose(m.energy(X), H_numpy(X, J, h), rtol=1e-12, atol=1e-12)
    assert m.energy(X[0]) == pytest.approx(float(H_numpy(X[0], J, h)), abs=1e-12)
    B, M = m.bonds_and_magnetization(X)
    assert B.dtype == np.int64 and np.array_equal(M, X.reshape(n, -1).sum(axis=1))
    dE = m.delta_energy(X)
    i, j = rng.integers(L, size=2)
    Y = X.copy(); Y[:, i, j] *= -1
    np.testing.assert_allclose(m.energy(Y) - m.energy(X), dE[:, i, j], atol=1e-9)
    np.testing.assert_allclose(m.log_ratio(Y, X), -0.5 * (m.energy(Y) - m.energy(X)), atol=1e-9)


def test_energy_wide_sum():
    m = Ising(64, 1.0)
    assert m.energy(np.ones((64, 64), np.int8)) == -2 * 64 * 64          # would overflow int8 / int16 sums
    assert m.energy(np.ones((2, 3, 64, 64))).shape == (2, 3)


@pytest.mark.parametrize("bad,match", [
    (dict(L=1, beta=0.4), "`L`"), (dict(L=2.0, beta=0.4), "`L`"), (dict(L=4, beta=-0.1), "`beta`"),
    (dict(L=4, beta=float("inf")), "`beta`"), (dict(L=4, beta=0.4, J=float("nan")), "`J`"), (dict(L=4, beta=0.4, h=None), "`h`")])
def test_bad_parameters(bad, match):
    with pytest.raises((ValueError, TypeError), match=match): Ising(**bad)


@pytest.mark.parametrize("x,match", [
    (np.zeros((4, 4)), "±1"), (np.full((4, 4), 3, np.int8), "±1"), (np.ones((4, 5)), "shape"), (np.ones(16), "shape"),
    (np.full((4, 4), np.nan), "±1"), (np.ones((4, 4), dtype=bool), "±1 spins"), ("up", "`x`"), (np.array([["a"] * 4] * 4), "`x`")])
def test_bad_configurations(x, match):
    m = Ising(4, 0.4)
    with pytest.raises((ValueError, TypeError), match=match): m.energy(x)
    with pytest.raises((ValueError, TypeError)): m.delta_energy(x)


# --- samplers ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["metropolis", "gibbs", "wolff"])
def test_sample_shapes_and_seed(method):
    m = Ising(6, 0.4)
    a = m.sample(30, n_chains=3, method=method, seed=1, warmup=5, thin=2)
    b = m.sample(30, n_chains=3, method=method, seed=1, warmup=5, thin=2)
    c = m.sample(30, n_chains=3, method=method, seed=2, warmup=5, thin=2)
    assert isinstance(a, eb.Samples) and a.draws.shape == (3, 30, 6, 6) and a.draws.dtype == np.int8
    assert np.array_equal(a.draws, b.draws) and not np.array_equal(a.draws, c.draws)
    np.testing.assert_array_equal(a.energy, m.energy(a.draws))
    np.testing.assert_array_equal(a.magnetization, a.draws.sum(axis=(2, 3)))
    assert np.all((a.acceptance_rate >= 0) & (a.acceptance_rate <= 1))
    s = m.sample(30, n_chains=3, method=method, seed=1, warmup=5, thin=2, keep_draws=False)
    assert s.draws is None and np.array_equal(s.energy, a.energy) and s.n_draws == 30 and s.n_chains == 3


@pytest.mark.parametrize("L,n_chains", [(4, 1), (8, 3), (6, 2), (256, 1)])
def test_rows_and_chains_layouts_agree(L, n_chains):
    rng = np.random.default_rng(L)
    S0 = np.where(rng.random((n_chains, L, L)) < 0.5, 1, -1).astype(np.int8)
    q = np.empty(10, np.uint64); _fill_q(q, 0.42, 1.0, 0.1, False)
    keys = np.arange(1, n_chains + 1, dtype=np.uint64)
    n = 6 if L > 8 else 20
    res = []
    for by_rows in (False, True):
        S = S0.copy(); out = np.empty((n_chains, n, L, L), np.int8)
        b = np.empty((n_chains, n), np.int64); mg = np.empty((n_chains, n), np.int64); ch = np.empty(n_chains, np.int64)
        _lattice_kernel(S, q, keys, 3, 2, n, 2, by_rows, out, b, mg, ch)
        res.append((S, out, b, mg, ch))
    for x, y in zip(*res): np.testing.assert_array_equal(x, y)


def test_thread_count_does_not_change_draws():
    probe = ("import hashlib, numpy as np, ebm_nb as eb\n"
             "out = []\n"
             "for L, c in ((256, 1), (16, 3), (5, 2)):\n"
             "    for m in ('metropolis', 'gibbs', 'wolff'):\n"
             "        s = eb.Ising(L, 0.44).sample(6, n_chains=c, method=m, seed=4, warmup=2)\n"
             "        out += [s.draws, s.energy, s.acceptance_rate]\n"
             "print(hashlib.sha256(b''.join(np.ascontiguousarray(x).tobytes() for x in out)).hexdigest())\n")
    out = {t: run_with_threads(probe, t) for t in (1, 2)}
    assert out[1] == out[2] and len(out[1].strip()) == 64


def test_sample_init_and_bad_arguments():
    m = Ising(8, 0.4)
    s = m.sample(1, n_chains=2, init="up", warmup=0, thin=1, method="gibbs", seed=0)
    assert s.draws.shape == (2, 1, 8, 8)
    s = m.sample(3, n_chains=2, init=-np.ones((8, 8)), warmup=0, seed=0)
    assert s.draws.shape == (2, 3, 8, 8)
    for kwargs, match in [(dict(method="hmc"), "`method`"), (dict(step_size=0.1), "`step_size`"), (dict(thin=0), "`thin`"),
                          (dict(n_chains=0), "`n_chains`"), (dict(warmup=-1), "`warmup`"), (dict(init=np.zeros((8, 8))), "`init`"),
                          (dict(init=np.ones((3, 8, 8))), "`init`"), (dict(init="down"), "`init`"), (dict(keep_draws=1), "`keep_draws`")]:
        with pytest.raises((ValueError, TypeError), match=match): m.sample(5, **kwargs)
    with pytest.raises(ValueError, match="`n_draws`"): m.sample(0)
    with pytest.raises(ValueError, match="h = 0"): Ising(8, 0.4, h=0.2).sample(5, method="wolff")
    with pytest.raises(ValueError, match="keep_draws=False"): Ising(2048, 0.4).sample(200, n_chains=4)
    with pytest.warns(UserWarning, match="irreducible"): Ising(3, 0.4).sample(5, method="metropolis", seed=0)


def _z_scores(model, method, n, seed, exact):
    obs = model.sample(n, n_chains=4, method=method, seed=seed, keep_draws=False).observables()
    return {k: (obs[k].value - exact[k]) / obs[k].stderr for k in obs if k in exact}


@pytest.mark.parametrize("method,h", [("metropolis", 0.0), ("gibbs", 0.0), ("wolff", 0.0), ("metropolis", 0.3), ("gibbs", -0.2)])
def test_small_lattice_against_exact(method, h):
    m = Ising(4, 0.35, h=h)
    z = _z_scores(m, method, 20000, 11, m.exact_observables("enumeration"))
    assert max(abs(v) for v in z.values()) < 5, z


def test_odd_lattice_against_exact():
    m = Ising(5, 0.4)
    for method in ("metropolis", "gibbs", "wolff"):
        z = _z_scores(m, method, 10000, 12, m.exact_observables("enumeration"))
        assert max(abs(v) for v in z.values()) < 5, (method, z)


@pytest.mark.slow
@pytest.mark.parametrize("L", [8, 16])
@pytest.mark.parametrize("beta", [0.3, BETA_C])
def test_energy_within_five_standard_errors(L, beta):
    m = Ising(L, beta)
    exact = m.exact_observables()
    for method in ("metropolis", "gibbs", "wolff"):
        z = _z_scores(m, method, 40000, 13, exact)
        assert abs(z["energy"]) < 5 and abs(z["heat_capacity"]) < 5, (method, z)


def test_jackknife_iid():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, size=(4, 5000, 1))
    est = jackknife(lambda v: v[0], x, n_blocks=64)
    assert est.value == pytest.approx(x.mean()) and est.stderr == pytest.approx(2.0 / math.sqrt(x.size), rel=0.25)
    var = jackknife(lambda v: v[1] - v[0] ** 2, np.concatenate([x, x ** 2], axis=-1))
    assert var.value == pytest.approx(4.0, rel=0.05) and 0 < var.stderr < 0.2
    with pytest.raises(ValueError, match="moments"): jackknife(lambda v: v[0], np.ones(5))
    with pytest.raises(ValueError, match="moments"): jackknife(lambda v: v[0], np.ones((2, 0, 1)))
    with pytest.raises(ValueError, match="moments"): jackknife(lambda v: v[0], np.full((2, 5, 1), np.nan))
    with pytest.raises(TypeError, match="`f`"): jackknife(3, np.ones((2, 5, 1)))


# --- demo -------------------------------------------------------------------------------------------------------------
def test_demo_ising(tmp_path):
    import json
    from ebm_nb.demo import demo_ising
    res = demo_ising(quick=True, seed=1)
    assert res["files"] == [] and len(res["temperatures"]) == 3
    json.dumps(res)
    for t in res["temperatures"]:
        assert abs(t["energy"] - t["exact_energy"]) < 5 * t["energy_stderr"]
        assert abs(t["ais_log_z"] - t["exact_log_z"]) < 5 * t["ais_stderr"]
    out = tmp_path / "a" / "b"
    res2 = demo_ising(quick=True, seed=1, out_dir=str(out))
    assert [os.path.basename(f) for f in res2["files"]] == ["ising_snapshots.png", "ising_energy_traces.png"]
    for f in res2["files"]:
        assert os.path.dirname(f) == str(out) and open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(out)) == ["ising_energy_traces.png", "ising_snapshots.png"]   # no temporary files left
    assert [t["energy"] for t in res2["temperatures"]] == [t["energy"] for t in res["temperatures"]]
    with pytest.raises(TypeError, match="`out_dir`"): demo_ising(quick=True, out_dir=3)
    with pytest.raises(TypeError, match="`quick`"): demo_ising(quick="yes")
    with pytest.raises(ValueError, match="`seed`"): demo_ising(quick=True, seed=-1)
    from ebm_nb.demo import print_demo_ising
    with pytest.raises(TypeError, match="`res`"): print_demo_ising({})
