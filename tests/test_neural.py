"""Tests of ebm_nb.neural: the MLP energy's two gradients, the score-matching derivatives, its batch paths, the box rule for Z, the toy densities,
bad input, and one short training run (the demo) that must beat a Gaussian fit."""
import json
import math
import os

import numpy as np
import pytest

import ebm_nb as eb
from ebm_nb.neural import (ACTIVATIONS, NeuralEnergy, _PARALLEL_ROWS, _neural_tangent_rows, _tangent_rows_serial,
                           box_log_partition, fit_toy, toy_data, toy_log_density)
from ebm_nb.demo import demo_neural


def _fd(f, x, eps=1e-6):
    "Central differences of a vector-valued f over the entries of x."
    G = []
    for j in range(x.size):
        e = np.zeros_like(x); e[j] = eps
        G.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.stack(G, axis=-1)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(5,), (4, 3), (3, 4, 2)])
def test_gradients_match_finite_differences(activation, hidden):
    m = NeuralEnergy(hidden, activation, confinement=1.3, dim=3, seed=1)
    X = np.random.default_rng(2).normal(size=(6, 3)) * 1.5
    gx_fd = np.stack([_fd(lambda x: m.energy(x), x) for x in X])
    np.testing.assert_allclose(m.grad_energy(X), gx_fd, rtol=0, atol=1e-7)
    th = m.get_theta()
    def energy_at(t):
        m.set_theta(t); return m.energy(X)
    gt_fd = _fd(energy_at, th)
    m.set_theta(th)
    np.testing.assert_allclose(m.grad_theta(X), gt_fd, rtol=0, atol=1e-7)


def test_sampler_functions_agree_with_batch():
    m = NeuralEnergy((8, 8), "swish", seed=0)
    fn, grad, p = m._sampler_functions()
    X = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal([fn(x, p) for x in X], m.energy(X))
    out = np.empty(2)
    for x in X:
        grad(x, p, out); np.testing.assert_array_equal(out, m.grad_energy(x))


def test_serial_and_parallel_paths_agree():
    m = NeuralEnergy((6, 5), "softplus", seed=3)
    X = np.random.default_rng(1).normal(size=(_PARALLEL_ROWS + 7, 2))
    small = X[:50]
    np.testing.assert_array_equal(m.energy(X)[:50], m.energy(small))
    np.testing.assert_array_equal(m.grad_energy(X)[:50], m.grad_energy(small))
    np.testing.assert_array_equal(m.grad_theta(X)[:50], m.grad_theta(small))



@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden, dim", [((5,), 3), ((4, 3), 2)])
def test_score_matching_derivatives_match_finite_differences(activation, hidden, dim):
    # central differences with h = 1e-5 err by ~1e-10 relative; a wrong term would be off by O(1)
    m = NeuralEnergy(hidden, activation, confinement=1.3, dim=dim, seed=1)
    rng = np.random.default_rng(2)
    X, V = rng.normal(size=(5, dim)) * 1.5, rng.normal(size=(5, dim))
    h, th = 1e-5, m.get_theta()
    def close(a, b): np.testing.assert_allclose(a, b, rtol=0, atol=1e-7 * np.abs(b).max())
    S = m._score_theta(X, V)
    def dir_grad(t):
        m.set_theta(t); return (m.grad_energy(X) * V).sum(1)
    close(S, _fd(dir_grad, th, h))
    m.set_theta(th)
    q, G = m._hess_quad(X, V)
    assert S.shape == G.shape == (5, m.n_theta) and q.shape == (5,)
    close(q, ((m.grad_energy(X + h * V) - m.grad_energy(X - h * V)) * V).sum(1) / (2 * h))
    close(G, (m._score_theta(X + h * V, V) - m._score_theta(X - h * V, V)) / (2 * h))
    H = np.stack([(m.grad_energy(X + h * e) - m.grad_energy(X - h * e)) / (2 * h) for e in np.eye(dim)], axis=2)
    close(q, np.einsum("mi,mij,mj->m", V, H, V))
    lap, Glap = m._laplacian(X)
    close(lap, np.trace(H, axis1=1, axis2=2))
    E1 = [np.tile(e, (5, 1)) for e in np.eye(dim)]
    np.testing.assert_array_equal(Glap, sum(m._hess_quad(X, e)[1] for e in E1))


def test_score_matching_parallel_path_matches_serial():
    m = NeuralEnergy((6, 5), "swish", seed=3)
    rng = np.random.default_rng(4)
    X, V = rng.normal(size=(_PARALLEL_ROWS + 7, 2)), rng.normal(size=(_PARALLEL_ROWS + 7, 2))
    for what in (0, 1, 2):
        q_par, g_par = _neural_tangent_rows(X, V, m._packed, what, m.n_theta)
        q_ser, g_ser = np.empty(len(X)), np.empty((len(X), m.n_theta))
        _tangent_rows_serial(X, V, m._packed, q_ser, g_ser, what)
        np.testing.assert_array_equal(g_par, g_ser)
        if what: np.testing.assert_array_equal(q_par, q_ser)
    np.testing.assert_array_equal(m._hess_quad(X, V)[1][:50], m._hess_quad(X[:50], V[:50])[1])
    with pytest.raises(ValueError, match="`V`"): m._score_theta(X[:3], V[:2])

def test_mlp_plus_confinement_is_energy_and_batch_shapes():
    m = NeuralEnergy((7,), "tanh", confinement=3.0, seed=0)
    X = np.random.default_rng(0).normal(size=(2, 3, 2))
    np.testing.assert_allclose(m.mlp(X) + (X ** 2).sum(-1) / 18.0, m.energy(X), rtol=0, atol=1e-12)
    assert m.energy(X).shape == (2, 3) and m.grad_energy(X).shape == (2, 3, 2)
    assert m.grad_theta(X).shape == (2, 3, m.n_theta) and isinstance(m.energy(X[0, 0]), float)
    assert len(m.theta_names) == m.n_theta == 7 * 2 + 7 + 7


def test_same_seed_same_weights():
    np.testing.assert_array_equal(NeuralEnergy(seed=5).get_theta(), NeuralEnergy(seed=5).get_theta())
    assert not np.array_equal(NeuralEnergy(seed=5).get_theta(), NeuralEnergy(seed=6).get_theta())


@pytest.mark.parametrize("kwargs, name", [
    (dict(hidden=()), "`hidden`"), (dict(hidden=(4, 0)), "`hidden`"), (dict(hidden=(4, -3)), "`hidden`"),
    (dict(activation="relu"), "`activation`"), (dict(confinement=0.0), "`confinement`"),
    (dict(confinement=-2.0), "`confinement`"), (dict(confinement=float("nan")), "`confinement`"),
    (dict(dim=0), "`dim`"), (dict(beta=-0.5), "`beta`")])
def test_bad_construction(kwargs, name):
    with pytest.raises(ValueError, match=name): NeuralEnergy(**kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match="`hidden`"): NeuralEnergy(hidden=(4, 1.5))
    with pytest.raises(TypeError, match="`hidden`"): NeuralEnergy(hidden="64")


def test_bad_input():
    m = NeuralEnergy((4,), seed=0)
    with pytest.raises(ValueError, match="`x`"): m.energy(np.zeros(3))
    with pytest.raises(ValueError, match="`x`"): m.energy(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="`x`"): m.grad_theta(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="`theta`"): m.set_theta(np.zeros(m.n_theta + 1))
    with pytest.raises(ValueError, match="`theta`"): m.set_theta(np.full(m.n_theta, np.nan))
    with pytest.raises(ValueError, match="`name`"): toy_data("spiral", 10)
    with pytest.raises(ValueError, match="`n_points`"): box_log_partition(m, n_points=100)
    with pytest.raises(ValueError, match="`bounds`"): box_log_partition(m, bounds=[(-1, 1)])


def test_box_rule_against_closed_forms():
    g = eb.Gaussian(mu=[0.5, -1.0], cov=[[2.0, 0.7], [0.7, 1.0]])
    r = box_log_partition(g, [(-15, 15), (-15, 15)], 201)
    assert abs(r.log_z - g.log_partition().log_z) < 1e-10 and r.stderr < 1e-6
    # an all-zero network leaves the Gaussian base N(0, s² I): Z = 2π s²
    m = NeuralEnergy((4, 4), confinement=1.5, seed=0)
    m.set_theta(np.zeros(m.n_theta))
    assert abs(m.log_partition().log_z - math.log(2 * math.pi * 1.5 ** 2)) < 1e-10


def test_box_rule_warns_when_mass_is_cut_off():
    with pytest.warns(UserWarning, match="widen `bounds`"):
        box_log_partition(eb.Gaussian(mu=[0.0, 0.0]), [(-1, 1), (-1, 1)], 51)


@pytest.mark.parametrize("name", ["moons", "rings", "8gaussians"])
def test_toy_densities_integrate_to_one(name):
    g = np.linspace(-4, 4, 201); h = g[1] - g[0]
    G = np.stack(np.meshgrid(g, g), -1)
    assert abs(np.exp(toy_log_density(name, G)).sum() * h * h - 1) < 1e-6
    x = toy_data(name, 500, seed=0)
    assert x.shape == (500, 2) and np.isfinite(toy_log_density(name, x)).all()
    np.testing.assert_array_equal(x, toy_data(name, 500, seed=0))


def test_demo_beats_gaussian_and_writes_plot(tmp_path):
    out_dir = tmp_path / "new" / "figs"
    res = demo_neural(quick=True, seed=2, out_dir=str(out_dir))
    assert res["files"] == [str(out_dir / "neural_density.png")]
    assert os.path.getsize(res["files"][0]) > 10_000 and os.listdir(out_dir) == ["neural_density.png"]
    assert json.loads(json.dumps(res)) == res
    assert res["ll_diff"] > 5 * res["ll_diff_se"]
    assert res["ll_neural"] < res["ll_true"] + 5 * res["ll_diff_se"]   # no model beats the truth beyond noise
    assert res["log_z_stderr"] < 1e-4 and res["acceptance"] > 0.5


@pytest.mark.slow
def test_fit_toy_is_reproducible():
    a, b = fit_toy("rings", quick=True, seed=4), fit_toy("rings", quick=True, seed=4)
    np.testing.assert_array_equal(a["model"].get_theta(), b["model"].get_theta())
    assert a["ll_diff"] > 5 * a["ll_diff_se"]
