"""Annealed importance sampling: schedules, estimates against exact log Z, reproducibility, bad input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ebm_nb as eb
from ebm_nb.ais import annealing_schedule, ais_log_partition, ais_log_weights
from ebm_nb.ising import _ising_energy_fn
from conftest import run_with_threads


@settings(deadline=None, max_examples=50)
@given(K=st.integers(1, 5000), kind=st.sampled_from(["linear", "sigmoid"]))
def test_schedules(K, kind):
    s = annealing_schedule(K, kind)
    assert s.shape == (K + 1,) and s[0] == 0.0 and s[-1] == 1.0 and np.all(np.diff(s) >= 0)


def test_schedule_limits_and_bad_kind():
    np.testing.assert_allclose(annealing_schedule(10, "sigmoid", delta=1e-300), np.linspace(0, 1, 11), atol=1e-15)
    np.testing.assert_allclose(annealing_schedule(10, "sigmoid", delta=1e-8), np.linspace(0, 1, 11), atol=1e-12)
    s = annealing_schedule(100, "sigmoid")
    assert s[50] == pytest.approx(0.5, abs=1e-12) and np.all(np.diff(s) > 0)
    with pytest.raises(ValueError, match="`delta`"): annealing_schedule(10, "sigmoid", delta=1e300)
    with pytest.raises(ValueError, match="`delta`"): annealing_schedule(10, "sigmoid", delta=0.0)
    with pytest.raises(ValueError, match="`kind`"): annealing_schedule(10, "cosine")
    with pytest.raises(ValueError, match="`kind`"): annealing_schedule(10, ["linear"])


def within(r, exact, k=5.0):
    return abs(r.log_z - exact) < k * r.stderr


@pytest.mark.parametrize("L,beta,h", [(3, 0.4, 0.0), (4, eb.BETA_C, 0.0), (4, 0.3, 0.25), (5, 0.5, 0.0)])
def test_ising_small(L, beta, h):
    m = eb.Ising(L, beta, h=h)
    r = m.log_partition(method="ais", n_steps=1500, seed=1)
    assert r.method == "ais" and 1.0 <= r.ess <= 100.0
    assert within(r, m.log_partition().log_z), (r, m.log_partition())


def test_generic_discrete_path_agrees():
    e = eb.Energy(_ising_energy_fn, params=[4, 1.0, 0.0], dim=16, domain="spin", beta=0.4)   # p = [L, J, h]: a user energy
    exact = e.log_partition().log_z
    r_generic = e.log_partition(method="ais", n_steps=1500, seed=2)
    r_fast = eb.Ising(4, 0.4).log_partition(method="ais", n_steps=1500, seed=2)
    assert within(r_generic, exact) and within(r_fast, exact)


def test_boltzmann_machine():
    rng = np.random.default_rng(3)
    d = 10
    W = rng.normal(size=(d, d)); W = np.triu(W, 1); W = W + W.T
    for domain in ("binary", "spin"):
        bm = eb.BoltzmannMachine(W, rng.normal(size=d), domain=domain)
        r = bm.log_partition(method="ais", n_steps=2000, seed=4, schedule="sigmoid")
        assert within(r, bm.log_partition().log_z), (domain, r)


@pytest.mark.parametrize("transition", ["metropolis", "hmc"])
def test_gaussians(transition):
    for g in (eb.Gaussian(0.5, 2.0), eb.Gaussian(mu=[1.0, -1.0], cov=[[2.0, 1.9], [1.9, 2.0]], beta=1.5)):
        r = g.log_partition(method="ais", n_steps=1500, seed=5, transition=transition)
        assert within(r, g.log_partition().log_z), (g, r)
    g = eb.Gaussian(mu=[0.0, 3.0], cov=[[1.0, 0.0], [0.0, 0.25]])
    r = g.log_partition(method="ais", n_steps=1500, seed=6, base=([0.0, 0.0], np.eye(2) * 9.0), transition=transition)
    assert within(r, g.log_partition().log_z)


def test_seed_and_user_schedule():
    m = eb.Ising(6, 0.4)
    a = m.log_partition(method="ais", n_runs=8, n_steps=40, seed=7)
    b = m.log_partition(method="ais", n_runs=8, n_steps=40, seed=7)
    c = m.log_partition(method="ais", n_runs=8, schedule=np.linspace(0, 1, 41), seed=7)
    assert a == b == c
    w, log_z0 = ais_log_weights(m, n_runs=8, n_steps=40, seed=7)
    assert w.shape == (8,) and log_z0 == 36 * math.log(2.0)
    assert m.log_partition(method="ais", n_runs=8, n_steps=40, seed=8) != a


def test_threads_do_not_change_estimates():
    probe = ("import ebm_nb as eb, numpy as np\n"
             "g = eb.Gaussian(mu=[0.0, 1.0], cov=[[1.0, 0.5], [0.5, 1.0]])\n"
             "bm = eb.BoltzmannMachine(np.array([[0.0, 1.0], [1.0, 0.0]]), [0.1, -0.2])\n"
             "out = [eb.Ising(L, 0.44).log_partition(method='ais', n_runs=5, n_steps=30, seed=3).log_z for L in (5, 8)]\n"
             "out += [bm.log_partition(method='ais', n_runs=5, n_steps=30, seed=3).log_z]\n"
             "out += [g.log_partition(method='ais', n_runs=5, n_steps=30, seed=3, transition=t).log_z for t in ('metropolis', 'hmc')]\n"
             "print(repr(out))\n")
    outs = {t: run_with_threads(probe, t) for t in (1, 2)}
    assert outs[1] == outs[2]


def test_bad_input():
    m = eb.Ising(8, 0.4)
    g = eb.Gaussian(mu=[0.0, 0.0], cov=np.eye(2))
    cases = [(lambda: m.log_partition(method="ais", n_runs=1), "`n_runs`"),
             (lambda: m.log_partition(method="ais", n_steps=0), "`n_steps`"),
             (lambda: m.log_partition(method="ais", n_sweeps=0), "`n_sweeps`"),
             (lambda: m.log_partition(method="ais", schedule="cosine"), "`schedule`"),
             (lambda: m.log_partition(method="ais", schedule=[0.0, 0.6, 0.4, 1.0]), "`schedule`"),
             (lambda: m.log_partition(method="ais", schedule=[0.0, np.nan, 1.0]), "`schedule`"),
             (lambda: m.log_partition(method="ais", schedule=[0.0, 0.5]), "`schedule`"),
             (lambda: m.log_partition(method="ais", schedule=[0.0, 1.0], n_steps=3), "not both"),
             (lambda: m.log_partition(method="ais", transition="hmc"), "`transition`"),
             (lambda: g.log_partition(method="ais", transition="gibbs"), "`transition`"),
             (lambda: g.log_partition(method="ais", base=(0.0, 1.0)), "shape"),
             (lambda: g.log_partition(method="ais", base=[0.0, 1.0]), "`base`"),
             (lambda: g.log_partition(method="ais", step_size=0.0), "`step_size`"),
             (lambda: eb.Gaussian(0.0, 1.0, beta=0.0).log_partition(method="ais"), "β = 0"),
             (lambda: ais_log_partition(None), "`model`")]
    for fn, match in cases:
        with pytest.raises((ValueError, TypeError), match=match): fn()


@pytest.mark.slow
def test_ising_16_critical_within_three_standard_errors():
    m = eb.Ising(16, eb.BETA_C)
    r = m.log_partition(method="ais", n_steps=10000, seed=0)
    assert within(r, m.log_partition().log_z, k=3.0)


def test_sampler_is_the_name_transition_the_deprecated_alias():
    "`sampler=` names AIS's inner kernel (as in `fit`); the old `transition=` still works, warns, and gives the same numbers."
    g = eb.Gaussian(mu=[0.5, -0.5], cov=[[1.0, 0.3], [0.3, 2.0]])
    new = g.log_partition(method="ais", n_runs=6, n_steps=40, seed=2, sampler="hmc")
    with pytest.warns(DeprecationWarning, match="`transition` is deprecated"):
        old = g.log_partition(method="ais", n_runs=6, n_steps=40, seed=2, transition="hmc")
    assert new == old
    with pytest.raises(ValueError, match="not both"):
        g.log_partition(method="ais", n_runs=6, n_steps=40, sampler="hmc", transition="metropolis")
    with pytest.raises(ValueError, match="`sampler`"):
        g.log_partition(method="ais", sampler="gibbs")
