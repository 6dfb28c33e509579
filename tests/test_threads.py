"""Bit-identical results for NUMBA_NUM_THREADS=1 and 2: the generic samplers on every method and domain (beyond
tests/test_mcmc.py's Gaussian and spin checks), `run_chains`, `fit` by CD and PCD, and the BernoulliRBM's fit, sampling and
AIS, and parallel tempering on a continuous, a user, a binary and an Ising model and the RBM. (The Ising samplers and `ebm_nb.ais` are checked in their own test files.)"""
from conftest import run_with_threads

PROBE = r'''
import hashlib, numba, numpy as np, ebm_nb as eb
out = {}
def put(key, *arrays): out[key] = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()[:16]

@numba.njit
def banana(x, p): return 0.5 * x[0] * x[0] + 0.5 * (x[1] - p[0] * x[0] * x[0]) ** 2
@numba.njit
def banana_grad(x, p, out):
    r = x[1] - p[0] * x[0] * x[0]
    out[0] = x[0] - 2.0 * p[0] * x[0] * r; out[1] = r
user = eb.Energy(banana, [0.5], dim=2, grad=banana_grad)
g = eb.Gaussian(mu=[0.0, 1.0, -1.0], cov=np.eye(3) + 0.3)
for name, m in (("user", user), ("gauss", g), ("laplace", eb.Laplace(0.0, 1.0))):
    for method in eb.CONTINUOUS_METHODS:
        s = m.sample(150, n_chains=5, method=method, seed=3, warmup=50, step_size=0.2 if method == "langevin" else None)
        put(f"sample/{name}/{method}", s.draws, s.acceptance_rate, s.step_size)
for method in ("metropolis", "mala", "hmc", "nuts"):
    s = g.sample(150, n_chains=5, method=method, seed=3, warmup=60, metric="dense")
    put(f"sample/gauss/{method}/dense", s.draws, s.acceptance_rate, s.step_size, s.covariance, s.accept_stat, s.lp)
s = user.sample(150, n_chains=5, method="nuts", seed=3, warmup=50)
put("sample/user/nuts/stats", s.tree_depth, s.n_leapfrog, s.energy, s.divergent, s.n_divergent)
bm = eb.BoltzmannMachine(np.array([[0, .7, -.3], [.7, 0, .2], [-.3, .2, 0]]), [0.1, -0.2, 0.3], domain="binary")
for method in eb.DISCRETE_METHODS:
    s = bm.sample(150, n_chains=5, method=method, seed=4, warmup=20, thin=2)
    put(f"sample/binary/{method}", s.draws, s.acceptance_rate)
st = eb.rng_states(5, 6)
x, acc = eb.run_chains(user, np.zeros((6, 2)), 25, st, method="hmc", step_size=0.3)
put("run_chains/hmc", x, acc, st)
data = np.random.default_rng(0).normal(1.0, 0.5, size=200)
bits = (np.random.default_rng(1).random((200, 3)) < [0.2, 0.5, 0.7]).astype(float)
for method in ("cd", "pcd"):
    m = eb.Gaussian(0.0, 1.0)
    h = eb.fit(m, data, method=method, k=2, epochs=3, batch_size=40, learning_rate=0.05, step_size=0.5, seed=6,
               progress=False, optimizer="adam", average=0.3)
    put(f"fit/gaussian/{method}", h["final_theta"], h["model_energy"], h["acceptance"])
    b = eb.Bernoulli(p=[0.5, 0.5, 0.5])
    h = eb.fit(b, bits, method=method, epochs=3, batch_size=40, learning_rate=0.1, seed=7, progress=False)
    put(f"fit/bernoulli/{method}", h["final_theta"], h["model_energy"])
X = (np.random.default_rng(2).random((120, 12)) < 0.4).astype(float)
for method in ("pcd", "cd"):
    r = eb.BernoulliRBM(n_components=6, n_iter=3, method=method, k=2, random_state=8, momentum=0.5).fit(X)
    s = r.sample(60, n_chains=5, seed=9, warmup=20)
    put(f"rbm/{method}", r.components_, r.intercept_hidden_, r.intercept_visible_, r.h_samples_, s.draws)
    lz = r.log_partition("ais", n_runs=16, n_steps=200, seed=10)
    put(f"rbm/{method}/ais", np.array([lz.log_z, lz.stderr]))
    s = r.sample(60, n_chains=5, seed=12, warmup=60, tempering=4)
    put(f"rbm/{method}/tempering", s.draws, s.tempering.swap_rate, s.tempering.rung_stat)
for name, m, method in (("gauss", g, "hmc"), ("user", user, "nuts"), ("binary", bm, "gibbs"), ("ising", eb.Ising(L=4, beta=0.5), "metropolis")):
    s = m.sample(80, n_chains=5, method=method, seed=11, warmup=120, tempering=4)
    t = s.tempering
    put(f"tempering/{name}/{method}", s.draws, t.betas, t.swap_rate, t.round_trips, t.step_size, t.rung_stat)
for k, v in sorted(out.items()): print(k, v)
'''


def _run(threads):
    return dict(line.split() for line in run_with_threads(PROBE, threads).splitlines())


def test_one_and_two_threads_agree_bit_for_bit():
    one, two = _run(1), _run(2)
    assert len(one) >= 20 and one.keys() == two.keys()
    differ = sorted(k for k in one if one[k] != two[k])
    assert not differ, f"results depend on the thread count: {differ}"
