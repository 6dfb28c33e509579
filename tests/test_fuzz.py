"""Fuzz tests of the public API: every function and class in `ebm_nb.__all__` meets bad input — NaN/inf, wrong shapes
and dtypes, empty arrays, out-of-range or wrongly typed parameters, unknown method names, huge enumerations — and must
refuse it with a ValueError/TypeError whose message names the offending argument, quickly (no hang, no crash); and a
valid call must return finite numbers (no silent NaN).

Three kinds of case, each tagged with the public name it covers:
  BAD      fixed bad calls (the edge cases a fuzzer rarely finds: huge enumerations, tampered objects);
  SCALARS  a parameter fuzzed by hypothesis over a family of bad values (negative/zero sizes, NaN, bad seeds, strings…);
  ARRAYS   an array argument fuzzed by hypothesis over NaN/±inf entries, wrong shapes, empty arrays and wrong dtypes;
  VALID    a small valid call whose result must be all finite.
`test_every_public_name_is_fuzzed` fails when a name of `ebm_nb.__all__` has no case (constants are listed apart).
"""
import faulthandler
import math
import numbers
import re
import signal
import threading
import warnings
from contextlib import contextmanager

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import ebm_nb as eb

FUZZ = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
BAD_SECONDS = 20     # a refusal is validation only (plus, at worst, loading a kernel from the numba cache)
VALID_SECONDS = 120  # a small valid call; generous for a cold numba cache on a busy 2-core machine
nan, inf = float("nan"), float("inf")

# names in ebm_nb.__all__ that are data, not functions or classes (no call to fuzz)
NOT_CALLABLE = {"DOMAINS", "ENERGY_SIG", "GRAD_SIG", "MAX_ENUMERATION_STATES", "CONTINUOUS_METHODS", "METRICS", "DISCRETE_METHODS",
                "TARGET_ACCEPT", "OPTIMIZERS", "CHECKPOINT_VERSION", "BETA_C", "T_C", "MAX_ENUMERATION_L",
                "LATTICE_METHODS", "ROWS_MIN_L", "MAX_DRAW_BYTES", "ACTIVATIONS", "TOY_DATA", "FORMAT", "FORMAT_VERSION", "SCHEDULES",
                "SCORE_THETA_SIG", "HESS_QUAD_SIG", "LAPLACIAN_SIG", "PROJECTIONS", "ESTIMATORS"}


# --- the harness -----------------------------------------------------------------------------------------------------
class Hang(Exception):
    "A call ran past its deadline."


@contextmanager
def deadline(seconds):
    "Fail, never hang: SIGALRM interrupts Python code; faulthandler's watchdog kills the process (with a traceback) if a compiled kernel never returns."
    def on_alarm(signum, frame): raise Hang(f"the call ran past its {seconds} s deadline")
    main = threading.current_thread() is threading.main_thread()  # signals can only be handled there
    if main:
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds + 120, exit=True)
    try: yield
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        faulthandler.cancel_dump_traceback_later()


def names_argument(msg, names):
    "Does the message name one of `names` (as a whole word, e.g. `n_chains` or n_chains)?"
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", msg) for n in names)


def refuses(call, names, exc=(ValueError, TypeError), seconds=BAD_SECONDS):
    "`call()` raises `exc` (quickly) with a message naming one of `names`."
    with deadline(seconds), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info: call()
    msg = str(info.value)
    assert names_argument(msg, names), f"{info.type.__name__}({msg!r}) does not name {names}"


def numbers_in(obj, depth=0):
    "Every float found in a result: numbers, arrays, sequences, dicts, named tuples, and result objects' arrays."
    if depth > 6 or obj is None or isinstance(obj, (str, bytes, bool, np.bool_)): return
    if isinstance(obj, numbers.Real): yield float(obj); return
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf": yield from obj.astype(np.float64).ravel()
        elif obj.dtype == object:
            for v in obj.ravel(): yield from numbers_in(v, depth + 1)
        return
    if isinstance(obj, dict): items = obj.values()
    elif isinstance(obj, (list, tuple)): items = obj
    elif hasattr(obj, "__dict__") and not callable(obj) and not isinstance(obj, type):
        items = [v for k, v in vars(obj).items() if not k.startswith("_") and isinstance(v, (np.ndarray, numbers.Real, tuple))]
    else: return
    for v in items: yield from numbers_in(v, depth + 1)


def assert_finite(result):
    vals = np.fromiter(numbers_in(result), dtype=np.float64)
    assert np.all(np.isfinite(vals)), f"non-finite values in a valid call's result: {result!r}"[:500]


# --- models and data -------------------------------------------------------------------------------------------------
@eb.njit
def quad2(x, p): return 0.5 * (x[0] * x[0] + x[1] * x[1]) * p[0]

@eb.njit
def quad2_grad(x, p, out):
    out[0] = x[0] * p[0]; out[1] = x[1] * p[0]

@eb.njit
def quad2_grad_theta(x, p, out): out[0] = 0.5 * (x[0] * x[0] + x[1] * x[1])

@eb.njit
def field3(x, p): return -(p[0] * x[0] + p[1] * x[1] + p[2] * x[2])

@eb.njit
def flat1(x, p): return 0.0

@eb.njit
def nan1(x, p): return np.nan

@eb.njit
def one_arg(x): return 0.0

@eb.njit
def raises1(x, p):
    if x[0] > 0.5: raise ValueError("fuzz")
    return 0.5 * x[0] * x[0]

@eb.njit
def funnel4(x, p): return x[0] * x[0] / 18.0 + 1.5 * x[0] + 0.5 * np.exp(-x[0]) * (x[1] ** 2 + x[2] ** 2 + x[3] ** 2)

@eb.njit
def funnel4_grad(x, p, out):
    s = x[1] ** 2 + x[2] ** 2 + x[3] ** 2
    out[0] = x[0] / 9.0 + 1.5 - 0.5 * np.exp(-x[0]) * s
    for i in range(1, 4): out[i] = x[i] * np.exp(-x[0])


def _warning_as_error(category, call):
    "Run `call` with warnings of `category` raised as errors."
    with warnings.catch_warnings():
        warnings.simplefilter("error", category)
        return call()


G1 = eb.Gaussian(0.5, 2.0)
G2 = eb.Gaussian([0.0, 1.0], cov=[[1.0, 0.3], [0.3, 2.0]])
LAP = eb.Laplace(0.0, 1.5)
BM = eb.BoltzmannMachine([[0.0, 0.5, -0.2], [0.5, 0.0, 0.3], [-0.2, 0.3, 0.0]], [0.1, -0.2, 0.3])
SPIN = eb.BoltzmannMachine([[0.0, 0.4], [0.4, 0.0]], [0.2, 0.0], domain="spin")
BERN = eb.Bernoulli(p=[0.3, 0.6])
USER = eb.Energy(quad2, [1.0], dim=2, grad=quad2_grad, grad_theta=quad2_grad_theta)
UBIN = eb.Energy(field3, [0.1, -0.3, 0.5], dim=3, domain="binary")
ISING = eb.Ising(4, 0.3)
NEURAL = eb.NeuralEnergy(hidden=(4,), seed=0)
DRAWS = np.random.default_rng(0).normal(size=(4, 40))
DRAWS2 = np.random.default_rng(1).normal(size=(3, 30, 2))
X6 = (np.random.default_rng(2).random((30, 6)) < 0.5).astype(np.float64)
FIT_KW = dict(epochs=1, batch_size=20, learning_rate=0.05, step_size=0.5, seed=1, progress=False)
DATA1 = np.random.default_rng(3).normal(1.0, 0.5, size=40)
DATA2 = np.random.default_rng(4).normal(size=(40, 2)) @ np.array([[1.0, 0.4], [0.0, 0.8]])
def G2C(): return eb.Gaussian([0.0, 0.0], cov=np.eye(2), learn_cov=True)
BIN2 = (np.random.default_rng(4).random((40, 2)) < 0.5).astype(np.float64)

_rbm_cache = {}
def rbm():
    "A small fitted BernoulliRBM (made once; imports scikit-learn on first use)."
    if "m" not in _rbm_cache:
        _rbm_cache["m"] = eb.BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X6)
    return _rbm_cache["m"]

def rbm_params(): return rbm()._params()

XG = np.random.default_rng(0).normal(size=(8, 3))
_gbrbm_cache = {}
def gbrbm():
    "A small fitted GaussianBernoulliRBM (made once)."
    if "m" not in _gbrbm_cache:
        _gbrbm_cache["m"] = eb.GaussianBernoulliRBM(n_components=2, n_iter=2, random_state=0).fit(XG)
    return _gbrbm_cache["m"]

def ising_samples():
    return ISING.sample(20, n_chains=2, method="gibbs", seed=0, warmup=5)

def chains(model, n=3):
    "Valid current states for `run_chains` (discrete: all-zero / all +1 rows)."
    es = tuple(model.event_shape)
    if model.domain == "continuous": return np.zeros((n,) + es)
    return np.ones((n,) + es) if model.domain == "spin" else np.zeros((n,) + es)


class Thing:
    "Not a model."


# --- bad values, by kind -----------------------------------------------------------------------------------------------
_not_int = st.sampled_from([1.5, nan, inf, "3", b"3", [1], True, np.float64(2.0), 2 + 0j, object()])
_not_real = st.sampled_from(["1", b"1", [1.0], 1j, object(), {}])
_not_choice = st.sampled_from([5, 1.0, ["gibbs"], b"gibbs", ("x",), {}])

def bad_values(kind, allowed=()):
    "A strategy of values that are wrong for a parameter of this kind."
    if kind == "int_min1": return st.one_of(st.integers(-10**9, 0), _not_int)
    if kind == "int_min2": return st.one_of(st.integers(-10**9, 1), _not_int)
    if kind == "int_min0": return st.one_of(st.integers(-10**18, -1), _not_int)
    if kind == "pos_real": return st.one_of(st.floats(max_value=0.0), st.sampled_from([nan, inf]), _not_real)
    if kind == "nonneg_real": return st.one_of(st.floats(max_value=-1e-300), st.sampled_from([nan, inf]), _not_real)
    if kind == "real": return st.one_of(st.sampled_from([nan, inf, -inf]), _not_real)
    if kind == "unit_open": return st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(nan), _not_real)
    if kind == "seed": return st.one_of(st.integers(-10**12, -1), st.sampled_from([1.5, nan, "7", b"7", [1, 2], 2j, object()]))
    if kind == "choice": return st.one_of(st.text(max_size=10).filter(lambda s: s not in allowed), _not_choice)
    if kind == "bool": return st.sampled_from([0, 1, 2, "yes", "", None, 1.0, [True]])
    if kind == "path": return st.sampled_from([5, 1.5, None, ["a.npz"], object()])
    if kind == "name": return st.sampled_from([0, 1.0, None, "", ["a"], b"a"])
    raise ValueError(kind)


# SCALARS: (public name, case id, call(value), kind, names the message may use, allowed choices)
def S(name, cid, call, kind, names=None, allowed=()):
    return pytest.param(name, call, kind, names or (cid.split(".")[-1],), allowed, id=f"{name}.{cid}")

SCALARS = [
    S("logsumexp", "axis", lambda v: eb.logsumexp(np.zeros((2, 3)), axis=v), "choice", ("axis",)),
    S("log_mean_exp", "axis", lambda v: eb.log_mean_exp(np.zeros((2, 3)), axis=v), "choice", ("axis",)),
    S("check_int", "value", lambda v: eb.check_int(v, "size", minimum=1), "int_min1", ("size",)),
    S("check_real", "value", lambda v: eb.check_real(v, "scale", minimum=0.0, strict_min=True), "pos_real", ("scale",)),
    S("as_seed_sequence", "seed", lambda v: eb.as_seed_sequence(v), "seed"),
    S("rng_states", "seed", lambda v: eb.rng_states(v, 2), "seed"),
    S("rng_states", "n_streams", lambda v: eb.rng_states(0, v), "int_min1"),
    S("register_log_partition", "name", lambda v: eb.register_log_partition(v, lambda m: False, lambda m: None), "name", ("name",)),
    S("EnergyModel", "beta", lambda v: eb.EnergyModel(beta=v), "nonneg_real"),
    S("Energy", "dim", lambda v: eb.Energy(quad2, [1.0], dim=v), "int_min1"),
    S("Energy", "domain", lambda v: eb.Energy(field3, [0.0] * 3, dim=3, domain=v), "choice", allowed=eb.DOMAINS),
    S("Energy", "beta", lambda v: eb.Energy(quad2, [1.0], dim=2, beta=v), "nonneg_real"),
    S("Energy.log_partition", "method", lambda v: USER.log_partition(method=v), "choice", ("method",),
      ("exact", "quadrature", "grid", "ais")),
    S("quadrature_log_partition", "rtol", lambda v: eb.quadrature_log_partition(G1, rtol=v), "pos_real"),
    S("quadrature_log_partition", "max_subdivisions", lambda v: eb.quadrature_log_partition(G1, max_subdivisions=v), "int_min1"),
    S("Gaussian", "sigma", lambda v: eb.Gaussian(0.0, v), "pos_real"),
    S("Gaussian", "beta", lambda v: eb.Gaussian(0.0, 1.0, beta=v), "nonneg_real"),
    S("Laplace", "mu", lambda v: eb.Laplace(v, 1.0), "real"),
    S("Laplace", "b", lambda v: eb.Laplace(0.0, v), "pos_real"),
    S("check_enumerable", "n", lambda v: eb.check_enumerable(v, "binary"), "int_min0"),
    S("check_enumerable", "max_states", lambda v: eb.check_enumerable(3, "binary", v), "int_min1"),
    S("check_enumerable", "domain", lambda v: eb.check_enumerable(3, v), "choice", allowed=("binary", "spin")),
    S("enumerate_log_partition", "max_states", lambda v: eb.enumerate_log_partition(BM, max_states=v), "int_min1"),
    S("all_states", "n", lambda v: eb.all_states(v), "int_min1"),
    S("all_states", "domain", lambda v: eb.all_states(2, v), "choice", allowed=("binary", "spin")),
    S("BoltzmannMachine", "domain", lambda v: eb.BoltzmannMachine(np.zeros((2, 2)), domain=v), "choice", allowed=("binary", "spin")),
    S("BoltzmannMachine", "beta", lambda v: eb.BoltzmannMachine(np.zeros((2, 2)), beta=v), "nonneg_real"),
    S("Bernoulli", "beta", lambda v: eb.Bernoulli(p=[0.5], beta=v), "nonneg_real"),
    S("time_enumeration", "repeats", lambda v: eb.time_enumeration([2, 3, 4, 5], repeats=v), "int_min1"),
    S("time_enumeration", "seed", lambda v: eb.time_enumeration([2, 3, 4, 5], repeats=1, seed=v), "seed"),
    S("grid_log_partition", "n_points", lambda v: eb.grid_log_partition(G1, n_points=v), "int_min1", ("n_points",)),
    S("grid_log_partition", "half_width", lambda v: eb.grid_log_partition(G1, half_width=v), "pos_real"),
    S("grid_log_partition", "chunk", lambda v: eb.grid_log_partition(G1, chunk=v), "int_min1"),
    S("grid_log_partition", "max_points", lambda v: eb.grid_log_partition(G1, max_points=v), "int_min1"),
    S("ess", "method", lambda v: eb.ess(DRAWS, method=v), "choice", allowed=("bulk", "tail", "mean", "sd")),
    S("ess", "prob", lambda v: eb.ess(DRAWS, method="tail", prob=v), "unit_open"),
    S("mcse", "kind", lambda v: eb.mcse(DRAWS, kind=v), "choice", allowed=("mean", "sd")),
    S("rwm_target_accept", "d", lambda v: eb.rwm_target_accept(v), "int_min1"),
    S("sample", "n_draws", lambda v: eb.sample(G1, v, seed=0, warmup=5), "int_min1"),
    S("sample", "n_chains", lambda v: eb.sample(G1, 5, n_chains=v, seed=0, warmup=5), "int_min1"),
    S("sample", "method", lambda v: eb.sample(G2, 5, method=v, seed=0, warmup=5), "choice", allowed=eb.CONTINUOUS_METHODS),
    S("sample", "discrete_method", lambda v: eb.sample(BM, 5, method=v, seed=0, warmup=5), "choice", ("method",),
      eb.DISCRETE_METHODS),
    S("sample", "metric", lambda v: eb.sample(G2, 5, metric=v, seed=0, warmup=50), "choice", allowed=eb.METRICS),
    S("sample", "seed", lambda v: eb.sample(G1, 5, seed=v, warmup=5), "seed"),
    S("sample", "warmup", lambda v: eb.sample(G1, 5, seed=0, warmup=v), "int_min0"),
    S("sample", "thin", lambda v: eb.sample(G1, 5, seed=0, warmup=5, thin=v), "int_min1"),
    S("sample", "step_size", lambda v: eb.sample(G2, 5, seed=0, warmup=5, step_size=v), "pos_real"),
    S("sample", "n_leapfrog", lambda v: eb.sample(G2, 5, method="hmc", seed=0, warmup=5, n_leapfrog=v), "int_min1"),
    S("sample", "target_accept", lambda v: eb.sample(G2, 5, seed=0, warmup=5, target_accept=v), "unit_open"),
    S("run_chains", "n_steps", lambda v: eb.run_chains(G1, chains(G1), v, eb.rng_states(0, 3), step_size=0.1), "int_min1"),
    S("run_chains", "method", lambda v: eb.run_chains(BM, chains(BM), 1, eb.rng_states(0, 3), method=v), "choice",
      allowed=eb.DISCRETE_METHODS),
    S("run_chains", "step_size", lambda v: eb.run_chains(G1, chains(G1), 1, eb.rng_states(0, 3), step_size=v), "pos_real"),
    S("exact_cd_gradient", "k", lambda v: eb.exact_cd_gradient(BM, BM_DATA, v), "int_min0"),
    S("fit", "method", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method=v, **FIT_KW), "choice",
      allowed=("cd", "pcd", "pl", "ratio_matching", "mpf", "sm", "dsm", "ssm", "nce")),
    S("fit", "tol", lambda v: eb.fit(BM, BM_DATA, method="pl", optimizer="lbfgs", tol=v, progress=False), "pos_real"),
    S("fit", "noise_scale", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method="dsm", noise_scale=v, optimizer="lbfgs", epochs=2, progress=False), "pos_real"),
    S("fit", "n_projections", lambda v: eb.fit(G2C(), DATA2, method="ssm", n_projections=v, optimizer="lbfgs", epochs=2, progress=False), "int_min1"),
    S("fit", "projection", lambda v: eb.fit(G2C(), DATA2, method="ssm", projection=v, optimizer="lbfgs", epochs=2, progress=False), "choice",
      allowed=eb.PROJECTIONS),
    S("fit", "noise_ratio", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method="nce", noise_ratio=v, optimizer="lbfgs", epochs=2, progress=False), "pos_real"),
    S("objective", "method", lambda v: eb.objective(BM, BM_DATA, v), "choice", allowed=("pl", "ratio_matching", "mpf", "sm", "dsm", "ssm", "nce")),
    S("objective", "log_z", lambda v: eb.objective(eb.Gaussian(0.0, 1.0), DATA1, "nce", seed=0, log_z=v), "real"),
    S("objective", "seed", lambda v: eb.objective(eb.Gaussian(0.0, 1.0), DATA1, "dsm", seed=v), "seed"),
    S("Gaussian", "learn_cov", lambda v: eb.Gaussian([0.0, 0.0], cov=np.eye(2), learn_cov=v), "bool"),
    S("register_objective", "name", lambda v: eb.register_objective(v, lambda m, X: (0.0, None), lambda m: None), "name", ("name",)),
    S("fit", "k", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, k=v, **FIT_KW), "int_min1"),
    S("fit", "epochs", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "epochs": v}), "int_min1"),
    S("fit", "batch_size", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "batch_size": v}), "int_min1"),
    S("fit", "n_chains", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, n_chains=v, **FIT_KW), "int_min1"),
    S("fit", "optimizer", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, optimizer=v, **FIT_KW), "choice", allowed=eb.OPTIMIZERS),
    S("fit", "learning_rate", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "learning_rate": v}), "pos_real"),
    S("fit", "weight_decay", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, weight_decay=v, **FIT_KW), "nonneg_real"),
    S("fit", "lr_decay", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, lr_decay=v, **FIT_KW), "nonneg_real"),
    S("fit", "average", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, average=v, **FIT_KW), "nonneg_real"),
    S("fit", "sampler", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, sampler=v, **FIT_KW), "choice", allowed=eb.CONTINUOUS_METHODS),
    S("fit", "step_size", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "step_size": v}), "pos_real"),
    S("fit", "seed", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "seed": v}), "seed"),
    S("fit", "progress", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "progress": v}), "bool"),
    S("fit", "stderr", lambda v: eb.fit(BM, BM_DATA, method="pl", optimizer="lbfgs", stderr=v, progress=False), "bool"),
    S("torus_bm", "rows", lambda v: eb.torus_bm(v, 3), "int_min2"),
    S("torus_bm", "cols", lambda v: eb.torus_bm(3, v), "int_min2"),
    S("torus_bm", "coupling", lambda v: eb.torus_bm(3, 3, coupling=v), "real"),
    S("torus_bm", "seed", lambda v: eb.torus_bm(3, 3, seed=v), "seed"),
    S("fit", "trace", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, trace=v, **FIT_KW), "bool"),
    S("fit", "checkpoint", lambda v: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, checkpoint=v or 5, **FIT_KW), "path"),
    # the Ising chapter
    S("kaufman_log_partition", "L", lambda v: eb.kaufman_log_partition(v, 0.4), "int_min2"),
    S("kaufman_log_partition", "K", lambda v: eb.kaufman_log_partition(4, v), "nonneg_real"),
    S("density_of_states", "L", lambda v: eb.density_of_states(v), "int_min2"),
    S("Ising", "L", lambda v: eb.Ising(v, 0.3), "int_min2"),
    S("Ising", "beta", lambda v: eb.Ising(4, v), "nonneg_real"),
    S("Ising", "J", lambda v: eb.Ising(4, 0.3, J=v), "real"),
    S("Ising", "h", lambda v: eb.Ising(4, 0.3, h=v), "real"),
    S("Ising.sample", "method", lambda v: ISING.sample(5, method=v, seed=0), "choice", ("method",), eb.LATTICE_METHODS),
    S("Ising.sample", "n_draws", lambda v: ISING.sample(v, seed=0), "int_min1"),
    S("Ising.sample", "seed", lambda v: ISING.sample(5, seed=v), "seed"),
    S("Ising.sample", "keep_draws", lambda v: ISING.sample(5, seed=0, keep_draws=v), "bool"),
    S("jackknife", "n_blocks", lambda v: eb.jackknife(lambda m: m[0], np.ones((2, 10, 1)), n_blocks=v), "int_min2"),
    S("demo_ising", "seed", lambda v: eb.demo_ising(quick=True, seed=v), "int_min0"),
    # the AIS chapter
    S("annealing_schedule", "n_steps", lambda v: eb.annealing_schedule(v), "int_min1"),
    S("annealing_schedule", "kind", lambda v: eb.annealing_schedule(5, kind=v), "choice", ("kind",), ("linear", "sigmoid")),
    S("annealing_schedule", "delta", lambda v: eb.annealing_schedule(5, "sigmoid", delta=v), "pos_real"),
    S("ais_log_weights", "n_runs", lambda v: eb.ais_log_weights(BM, n_runs=v, n_steps=5, seed=0), "int_min2"),
    S("ais_log_weights", "n_steps", lambda v: eb.ais_log_weights(BM, n_steps=v, seed=0), "int_min1"),
    S("ais_log_weights", "n_sweeps", lambda v: eb.ais_log_weights(BM, n_steps=5, n_sweeps=v, seed=0), "int_min1"),
    S("ais_log_weights", "seed", lambda v: eb.ais_log_weights(BM, n_steps=5, seed=v), "seed"),
    S("ais_log_weights", "transition", lambda v: eb.ais_log_weights(G1, n_steps=5, seed=0, transition=v), "choice",
      allowed=("metropolis", "hmc")),
    S("ais_log_weights", "step_size", lambda v: eb.ais_log_weights(G1, n_steps=5, seed=0, step_size=v), "pos_real"),
    S("tempered_sample", "n_draws", lambda v: eb.tempered_sample(G1, v, 3, seed=0, warmup=5), "int_min1"),
    S("tempered_sample", "tempering", lambda v: eb.tempered_sample(G1, 5, v, seed=0, warmup=5), "int_min2"),
    S("tempered_sample", "n_chains", lambda v: eb.tempered_sample(G1, 5, 3, n_chains=v, seed=0, warmup=5), "int_min1"),
    S("tempered_sample", "method", lambda v: eb.tempered_sample(G2, 5, 3, method=v, seed=0, warmup=5), "choice", allowed=eb.CONTINUOUS_METHODS),
    S("tempered_sample", "seed", lambda v: eb.tempered_sample(G1, 5, 3, seed=v, warmup=5), "seed"),
    S("tempered_sample", "warmup", lambda v: eb.tempered_sample(G1, 5, 3, seed=0, warmup=v), "int_min0"),
    S("tempered_sample", "thin", lambda v: eb.tempered_sample(G1, 5, 3, seed=0, warmup=5, thin=v), "int_min1"),
    S("tempered_sample", "step_size", lambda v: eb.tempered_sample(G1, 5, 3, seed=0, warmup=5, step_size=v), "pos_real"),
    S("tempering_log_partition", "estimator", lambda v: eb.tempering_log_partition(BM, 3, n_draws=5, warmup=5, estimator=v, seed=0),
      "choice", allowed=eb.ESTIMATORS),
    S("tempering_log_partition", "n_draws", lambda v: eb.tempering_log_partition(BM, 3, n_draws=v, warmup=5, seed=0), "int_min1"),
    S("Tempering.log_partition", "estimator", lambda v: eb.sample(BM, 5, seed=0, warmup=5, tempering=3).tempering.log_partition(v),
      "choice", ("estimator",), eb.ESTIMATORS),
    S("ais_log_partition", "n_runs", lambda v: eb.ais_log_partition(BM, n_runs=v, n_steps=5, seed=0), "int_min2"),
    S("ais_log_partition", "seed", lambda v: eb.ais_log_partition(BM, n_steps=5, seed=v), "seed"),
    # the neural chapter
    S("NeuralEnergy", "hidden", lambda v: eb.NeuralEnergy(hidden=(4, v), seed=0), "int_min1"),
    S("NeuralEnergy", "activation", lambda v: eb.NeuralEnergy(hidden=(4,), activation=v, seed=0), "choice",
      allowed=("softplus", "tanh", "swish")),
    S("NeuralEnergy", "confinement", lambda v: eb.NeuralEnergy(hidden=(4,), confinement=v, seed=0), "pos_real"),
    S("NeuralEnergy", "dim", lambda v: eb.NeuralEnergy(hidden=(4,), dim=v, seed=0), "int_min1"),
    S("NeuralEnergy", "seed", lambda v: eb.NeuralEnergy(hidden=(4,), seed=v), "seed"),
    S("box_log_partition", "n_points", lambda v: eb.box_log_partition(NEURAL, n_points=v), "int_min1"),
    S("box_log_partition", "edge_tol", lambda v: eb.box_log_partition(NEURAL, n_points=21, edge_tol=v), "pos_real"),
    S("box_log_partition", "chunk", lambda v: eb.box_log_partition(NEURAL, n_points=21, chunk=v), "int_min1"),
    S("toy_data", "name", lambda v: eb.toy_data(v, 5), "choice", allowed=("moons", "rings", "8gaussians")),
    S("toy_data", "n", lambda v: eb.toy_data("moons", v), "int_min1"),
    S("toy_data", "noise", lambda v: eb.toy_data("rings", 5, noise=v), "nonneg_real"),
    S("toy_data", "seed", lambda v: eb.toy_data("moons", 5, seed=v), "seed"),
    S("toy_log_density", "name", lambda v: eb.toy_log_density(v, [0.0, 0.0]), "choice", allowed=("moons", "rings", "8gaussians")),
    S("toy_log_density", "noise", lambda v: eb.toy_log_density("moons", [0.0, 0.0], noise=v), "pos_real"),
    S("fit_toy", "name", lambda v: eb.fit_toy(v, quick=True), "choice", allowed=("moons", "rings", "8gaussians")),
    S("fit_toy", "seed", lambda v: eb.fit_toy("moons", quick=True, seed=v), "int_min0"),
    S("fit_toy", "n_train", lambda v: eb.fit_toy("moons", quick=True, n_train=v), "int_min2"),
    S("plot_density", "n_points", lambda v: eb.plot_density(NEURAL, n_points=v, log_z=0.0), "int_min2"),
    S("plot_density", "log_z", lambda v: eb.plot_density(NEURAL, n_points=5, log_z=v), "real"),
    S("demo_neural", "seed", lambda v: eb.demo_neural(quick=True, seed=v), "int_min0"),
    # the RBM chapter
    S("rbm_log_partition_exact", "max_states", lambda v: eb.rbm_log_partition_exact(*rbm_params(), max_states=v), "int_min1"),
    S("ais_schedule", "n_steps", lambda v: eb.ais_schedule(v), "int_min1"),
    S("rbm_log_partition_ais", "n_runs", lambda v: eb.rbm_log_partition_ais(*rbm_params(), np.zeros(6), n_runs=v, n_steps=5), "int_min2"),
    S("rbm_log_partition_ais", "seed", lambda v: eb.rbm_log_partition_ais(*rbm_params(), np.zeros(6), n_runs=4, n_steps=5, seed=v), "seed"),
    S("BernoulliRBM", "n_components", lambda v: eb.BernoulliRBM(n_components=v).fit(X6), "int_min1"),
    S("BernoulliRBM", "learning_rate", lambda v: eb.BernoulliRBM(n_components=2, learning_rate=v).fit(X6), "pos_real"),
    S("BernoulliRBM", "batch_size", lambda v: eb.BernoulliRBM(n_components=2, batch_size=v).fit(X6), "int_min1"),
    S("BernoulliRBM", "n_iter", lambda v: eb.BernoulliRBM(n_components=2, n_iter=v).fit(X6), "int_min0"),
    S("BernoulliRBM", "method", lambda v: eb.BernoulliRBM(n_components=2, method=v).fit(X6), "choice", allowed=("pcd", "cd")),
    S("BernoulliRBM", "k", lambda v: eb.BernoulliRBM(n_components=2, k=v).fit(X6), "int_min1"),
    S("BernoulliRBM", "momentum", lambda v: eb.BernoulliRBM(n_components=2, momentum=v).fit(X6), "nonneg_real"),
    S("BernoulliRBM", "weight_decay", lambda v: eb.BernoulliRBM(n_components=2, weight_decay=v).fit(X6), "nonneg_real"),
    S("BernoulliRBM", "n_chains", lambda v: eb.BernoulliRBM(n_components=2, n_chains=v).fit(X6), "int_min1"),
    S("BernoulliRBM", "random_state", lambda v: eb.BernoulliRBM(n_components=2, random_state=v).fit(X6), "seed"),
    S("BernoulliRBM.sample", "n_draws", lambda v: rbm().sample(v, seed=0, warmup=2), "int_min1"),
    S("GaussianBernoulliRBM", "n_components", lambda v: eb.GaussianBernoulliRBM(n_components=v).fit(XG), "int_min1"),
    S("GaussianBernoulliRBM", "learning_rate", lambda v: eb.GaussianBernoulliRBM(n_components=2, learning_rate=v).fit(XG), "pos_real"),
    S("GaussianBernoulliRBM", "random_state", lambda v: eb.GaussianBernoulliRBM(n_components=2, random_state=v).fit(XG), "seed"),
    S("GaussianBernoulliRBM.sample", "n_draws", lambda v: gbrbm().sample(v, seed=0, warmup=2), "int_min1"),
    S("GaussianBernoulliRBM.sample", "seed", lambda v: gbrbm().sample(3, seed=v, warmup=2), "seed"),
    S("GaussianBernoulliRBM.save", "path", lambda v: gbrbm().save(v), "path"),
    S("GaussianBernoulliRBM.load", "path", lambda v: eb.GaussianBernoulliRBM.load(v), "path"),
    S("BernoulliRBM.sample", "seed", lambda v: rbm().sample(3, seed=v, warmup=2), "seed"),
    S("BernoulliRBM.sample", "warmup", lambda v: rbm().sample(3, seed=0, warmup=v), "int_min0"),
    S("BernoulliRBM.save", "path", lambda v: rbm().save(v), "path"),
    S("BernoulliRBM.load", "path", lambda v: eb.BernoulliRBM.load(v), "path"),
    S("load_binary_digits", "seed", lambda v: eb.load_binary_digits(seed=v), "int_min0"),
    S("load_binary_digits", "test_size", lambda v: eb.load_binary_digits(test_size=v), "unit_open"),
    S("image_grid", "n_cols", lambda v: eb.image_grid(np.zeros((3, 64)), n_cols=v), "int_min1"),
    S("image_grid", "pad", lambda v: eb.image_grid(np.zeros((3, 64)), pad=v), "int_min0"),
    S("demo_rbm", "seed", lambda v: eb.demo_rbm(quick=True, seed=v), "int_min0"),
    S("demo_rbm", "quick", lambda v: eb.demo_rbm(quick=v), "bool"),
    S("demo_rbm", "out_dir", lambda v: eb.demo_rbm(quick=True, out_dir=v or 5), "path"),
]
BM_DATA = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
BIN40 = (np.random.default_rng(5).random((40, 3)) < 0.5).astype(np.float64)   # enough rows for a finite PL optimum


@pytest.mark.parametrize("name,call,kind,names,allowed", SCALARS)
@FUZZ
@given(data=st.data())
def test_bad_parameter(name, call, kind, names, allowed, data):
    value = data.draw(bad_values(kind, allowed), label="value")
    refuses(lambda: call(value), names)


# --- bad arrays ------------------------------------------------------------------------------------------------------
_junk = [np.array(["a", "b"]), np.array([1 + 2j, 3j]), np.array([None, None], dtype=object), "abc", b"ab", {"a": 1},
         [[1.0], [1.0, 2.0]], object()]

def bad_arrays(shape, wrong_shapes, values=(-2.0, 2.0), binary=False, spin=False, poison=True):
    "Arrays wrong for a finite float argument of `shape`: a NaN/±inf entry, a wrong shape, junk dtypes (and off-domain values)."
    lo, hi = values
    good = arrays(np.float64, shape, elements=st.floats(lo, hi))
    if binary or spin: good = st.just(np.ones(shape) if spin else np.zeros(shape))
    def poisoned(t):
        a, v, i = t
        a = np.array(a, dtype=np.float64)
        a.flat[i % a.size] = v
        return a
    opts = [st.sampled_from(_junk)]
    if poison: opts.append(st.tuples(good, st.sampled_from([nan, inf, -inf]), st.integers(0, 10**6)).map(poisoned))
    if wrong_shapes: opts.append(st.sampled_from(wrong_shapes).map(lambda s: np.full(s, 1.0 if spin else 0.0)))
    if binary or spin: opts.append(st.tuples(good, st.sampled_from([0.5, 2.0, -3.0]), st.integers(0, 10**6)).map(poisoned))
    return st.one_of(*opts)


def A(name, cid, call, shape, wrong, names=None, **kw):
    return pytest.param(name, call, shape, wrong, names or (cid.split(".")[-1],), kw, id=f"{name}.{cid}")

ARRAYS = [
    # (log-sum-exp takes ±inf and propagates NaN by design: see test_logsumexp_propagates_nan)
    A("logsumexp", "a", lambda a: eb.logsumexp(a, axis=0), (3,), [()], ("a", "axis"), poison=False),
    A("log_mean_exp", "a", lambda a: eb.log_mean_exp(a, axis=0), (3,), [(), (0,)], ("a", "axis"), poison=False),
    A("check_array", "a", lambda a: eb.check_array(a, "weights", shape=(2, 3)), (2, 3), [(3, 2), (6,), (0, 3), ()], ("weights",)),
    A("EnergyModel.energy", "x", lambda a: G2.energy(a), (2,), [(3,), (4, 1), (), (2, 3)]),
    A("Energy", "params", lambda a: eb.Energy(quad2, a, dim=2), (1,), [(1, 1), (2, 2)]),
    A("Energy", "bounds", lambda a: eb.Energy(quad2, [1.0], dim=2, bounds=a), (2, 2), [(1, 2), (2,), (2, 3)]),
    A("Energy.energy", "x", lambda a: USER.energy(a), (2,), [(3,), (5, 1), ()]),
    A("Energy.grad_energy", "x", lambda a: USER.grad_energy(a), (2,), [(3,), ()]),
    A("Energy.binary", "x", lambda a: UBIN.energy(a), (3,), [(2,), ()], ("x",), binary=True),
    A("Energy.set_theta", "theta", lambda a: USER.set_theta(a), (1,), [(2,), (1, 1), (0,)]),
    A("Gaussian", "mu_scalar", lambda a: eb.Gaussian(a, 1.0), (), [(0,), (2, 2)], ("mu",)),
    A("Gaussian", "mu", lambda a: eb.Gaussian(mu=a, cov=np.eye(2)), (2,), [(3,), (0,), (2, 2)], ("mu", "cov")),
    A("Gaussian", "cov", lambda a: eb.Gaussian(mu=[0.0, 0.0], cov=a), (2, 2), [(3, 3), (2,), (4,)]),
    A("Gaussian.log_prob", "x", lambda a: G1.log_prob(a), (3,), []),
    A("Gaussian.grad_theta", "x", lambda a: G2.grad_theta(a), (2,), [(1,), ()]),
    A("Laplace.log_ratio", "x1", lambda a: LAP.log_ratio(a, 0.0), (), [], ("x1",)),
    A("BoltzmannMachine", "W", lambda a: eb.BoltzmannMachine(a), (2, 2), [(2, 3), (2,), (0, 0), (2, 2, 2)], ("W",),
      values=(0.0, 0.0)),
    A("BoltzmannMachine", "b", lambda a: eb.BoltzmannMachine(np.zeros((2, 2)), b=a), (2,), [(3,), (2, 1)]),
    A("BoltzmannMachine.energy", "x", lambda a: BM.energy(a), (3,), [(2,), ()], ("x",), binary=True),
    A("BoltzmannMachine.spin", "x", lambda a: SPIN.log_prob(a), (2,), [(3,), ()], ("x",), spin=True),
    A("Bernoulli", "p", lambda a: eb.Bernoulli(p=a), (2,), [(0,), (2, 2)], ("p",), values=(0.1, 0.9)),
    A("Bernoulli", "logits", lambda a: eb.Bernoulli(logits=a), (2,), [(0,), (2, 2)]),
    A("mh_log_acceptance", "x_new", lambda a: eb.mh_log_acceptance(G2, [0.0, 0.0], a), (2,), [(3,), ()]),
    A("mh_log_acceptance", "log_q_forward", lambda a: eb.mh_log_acceptance(G2, np.zeros((4, 2)), np.ones((4, 2)), a), (4,),
      [(3,), (2, 4)]),
    A("autocorr", "x", lambda a: eb.autocorr(a), (3, 10), [(1,), (0,), (3, 1)]),
    A("ess", "draws", lambda a: eb.ess(a), (2, 10), [(10,), (0, 10), (2, 3), ()]),
    A("rhat", "draws", lambda a: eb.rhat(a), (2, 10), [(10,), (0, 10), (2, 3), ()]),
    A("mcse", "draws", lambda a: eb.mcse(a), (2, 10), [(10,), (2, 2)]),
    A("summary", "draws", lambda a: eb.summary(a), (2, 10, 2), [(10,), (2, 3, 2)]),
    A("sample", "init", lambda a: eb.sample(G2, 5, n_chains=3, seed=0, warmup=5, init=a), (3, 2), [(4, 2), (3,), (3, 3)]),
    A("sample.discrete", "init", lambda a: eb.sample(BM, 5, n_chains=2, seed=0, warmup=5, init=a), (2, 3), [(3, 3), (2,)],
      ("init",), binary=True),
    A("run_chains", "x", lambda a: eb.run_chains(G2, a, 1, eb.rng_states(0, 3), step_size=0.1), (3, 2), [(3,), (3, 3), (2,)]),
    A("exact_log_likelihood", "data", lambda a: eb.exact_log_likelihood(BM, a), (2, 3), [(2, 2), (0, 3), (2,)], ("data",),
      binary=True),
    A("exact_gradient", "data", lambda a: eb.exact_gradient(BM, a), (2, 3), [(2, 4), (0, 3)], ("data",), binary=True),
    A("exact_cd_gradient", "data", lambda a: eb.exact_cd_gradient(BM, a, 1), (2, 3), [(2, 4), (0, 3)], ("data",), binary=True),
    A("fit", "data", lambda a: eb.fit(eb.Gaussian(0.0, 1.0), a, **FIT_KW), (20,), [(0,), (20, 2), (2, 3, 1), ()]),
    A("fit.binary", "data", lambda a: eb.fit(eb.Bernoulli(p=[0.5, 0.5]), a, **{**FIT_KW, "step_size": None}), (10, 2),
      [(10, 3), (0, 2), (10,)], ("data",), binary=True),
    A("Ising.energy", "x", lambda a: ISING.energy(a), (4, 4), [(3, 3), (16,), (4, 5)], ("x",), spin=True),
    A("Ising.sample", "init", lambda a: ISING.sample(5, n_chains=2, seed=0, init=a), (4, 4), [(3, 4, 4), (4,)], ("init",), spin=True),
    A("jackknife", "moments", lambda a: eb.jackknife(lambda m: m[0], a), (2, 10, 1), [(2, 10), (2, 0, 1), (0, 10, 1)]),
    A("ais_log_weights", "schedule", lambda a: eb.ais_log_weights(BM, schedule=a, seed=0), (3,), [(1,), (0,), (2, 2)],
      ("schedule",), values=(0.0, 0.0)),
    A("NeuralEnergy.energy", "x", lambda a: NEURAL.energy(a), (2,), [(3,), ()]),
    A("box_log_partition", "bounds", lambda a: eb.box_log_partition(NEURAL, bounds=a, n_points=21), (2, 2), [(1, 2), (2, 3)]),
    A("toy_log_density", "x", lambda a: eb.toy_log_density("8gaussians", a), (3, 2), [(3,), (3, 3)]),
    A("plot_density", "bounds", lambda a: eb.plot_density(NEURAL, bounds=a, n_points=5, log_z=0.0), (2, 2), [(1, 2), (2,)]),
    A("plot_density", "data", lambda a: eb.plot_density(NEURAL, data=a, n_points=5, log_z=0.0), (3, 2), [(3,)]),
    A("rbm_log_partition_exact", "W", lambda a: eb.rbm_log_partition_exact(a, np.zeros(2), np.zeros(3)), (2, 3),
      [(2,), (3, 3), (2, 4), (0, 3)], ("W", "bh", "bv")),
    A("rbm_log_partition_exact", "bh", lambda a: eb.rbm_log_partition_exact(np.zeros((2, 3)), a, np.zeros(3)), (2,), [(5,), (1,)]),
    A("rbm_log_partition_exact", "bv", lambda a: eb.rbm_log_partition_exact(np.zeros((2, 3)), np.zeros(2), a), (3,), [(1,), (4,)]),
    A("rbm_log_partition_ais", "W", lambda a: eb.rbm_log_partition_ais(a, np.zeros(2), np.zeros(3), np.zeros(3), n_runs=4, n_steps=5),
      (2, 3), [(2,), (3, 3)], ("W", "bh", "bv")),
    A("rbm_log_partition_ais", "base_bias", lambda a: eb.rbm_log_partition_ais(*rbm_params(), a, n_runs=4, n_steps=5), (6,),
      [(5,), (6, 1)]),
    A("rbm_log_partition_ais", "schedule", lambda a: eb.rbm_log_partition_ais(*rbm_params(), np.zeros(6), n_runs=4, schedule=a),
      (3,), [(1,), (0,)], ("schedule",), values=(0.0, 0.0)),
    A("BernoulliRBM.fit", "X", lambda a: eb.BernoulliRBM(n_components=2).fit(a), (5, 6), [(0, 6), (6,), (5, 0)], ("X",),
      values=(0.0, 1.0)),
    A("BernoulliRBM.transform", "X", lambda a: rbm().transform(a), (5, 6), [(5, 5), (6,)], ("X",), values=(0.0, 1.0)),
    A("BernoulliRBM.log_likelihood", "X", lambda a: rbm().log_likelihood(a), (4, 6), [(4, 7), (0, 6)], ("X",), binary=True),
    A("BernoulliRBM.score_samples", "X", lambda a: rbm().score_samples(a), (4, 6), [(4, 7), (0, 6)], ("X",)),
    A("BernoulliRBM.gibbs", "v", lambda a: rbm().gibbs(a), (4, 6), [(4, 7)], ("v",), values=(0.0, 1.0)),
    A("GaussianBernoulliRBM.fit", "X", lambda a: eb.GaussianBernoulliRBM(n_components=2).fit(a), (5, 3), [(0, 3), (3,), (5, 0)], ("X",)),
    A("GaussianBernoulliRBM.score_samples", "X", lambda a: gbrbm().score_samples(a), (4, 3), [(4, 2), (0, 3)], ("X",)),
    A("GaussianBernoulliRBM.transform", "X", lambda a: gbrbm().transform(a), (4, 3), [(4, 4)], ("X",)),
    A("GaussianBernoulliRBM.sample", "init", lambda a: gbrbm().sample(3, n_chains=2, seed=0, warmup=2, init=a), (2, 3), [(3, 3), (4,)], ("init",)),
    A("BernoulliRBM.sample", "init", lambda a: rbm().sample(3, n_chains=2, seed=0, warmup=2, init=a), (2, 6), [(3, 6), (5,)],
      ("init",), binary=True),
    A("BernoulliRBM.set_theta", "theta", lambda a: rbm().set_theta(a), (27,), [(26,), (27, 1)], ("theta",)),
    A("image_grid", "images", lambda a: eb.image_grid(a), (2, 64), [(0, 64), (2, 65), (63,)]),
]


@pytest.mark.parametrize("name,call,shape,wrong,names,kw", ARRAYS)
@FUZZ
@given(data=st.data())
def test_bad_array(name, call, shape, wrong, names, kw, data):
    a = data.draw(bad_arrays(shape, wrong, **kw), label="array")
    refuses(lambda: call(a), names)


# --- fixed bad calls: wrong types of model, huge enumerations, broken objects --------------------------------------------
def B(name, cid, call, names, exc=(ValueError, TypeError), seconds=BAD_SECONDS):
    return pytest.param(name, call, names, exc, seconds, id=f"{name}.{cid}")

NOT_MODEL = Thing()
BAD = [
    B("njit", "not_a_function", lambda: eb.njit(42), ("function",)),
    B("pnjit", "not_a_function", lambda: eb.pnjit(42), ("function",)),
    B("check_int", "bool", lambda: eb.check_int(True, "count"), ("count",)),
    B("check_real", "complex", lambda: eb.check_real(1j, "rate"), ("rate",)),
    B("check_array", "object", lambda: eb.check_array(np.array([None]), "w"), ("w",)),
    B("quick_mode", "argument", lambda: eb.quick_mode(1), ("quick_mode",)),
    B("rng_states", "too_many_streams", lambda: eb.rng_states(0, 10**12), ("n_streams",)),
    B("LogZ", "missing", lambda: eb.LogZ(), ("log_z",)),
    B("register_log_partition", "not_callable", lambda: eb.register_log_partition("mine", 3, 4), ("applies", "fn")),
    B("EnergyModel", "abstract_energy", lambda: eb.EnergyModel().energy(0.0), ("_energy_batch",), exc=NotImplementedError),
    B("TypedKernel", "not_a_function", lambda: eb.TypedKernel(42, eb.ENERGY_SIG), ("fn",)),
    B("TypedKernel", "bad_sig", lambda: eb.TypedKernel(lambda x: x, "float64(float64)"), ("sig",)),
    B("typed_njit", "bad_sig", lambda: eb.typed_njit("f8(f8)"), ("sig",)),
    B("Energy", "not_a_function", lambda: eb.Energy(42), ("fn",)),
    B("Energy", "wrong_signature", lambda: eb.Energy(one_arg), ("fn",)),
    B("Energy", "nan_energy", lambda: eb.Energy(nan1), ("fn",)),
    B("Energy", "grad_not_a_function", lambda: eb.Energy(quad2, [1.0], dim=2, grad=42), ("grad",)),
    B("Energy", "grad_on_binary", lambda: eb.Energy(field3, [0.0] * 3, dim=3, domain="binary", grad=quad2_grad), ("grad",)),
    B("Energy", "huge_enumeration", lambda: eb.Energy(field3, [0.0] * 3, dim=64, domain="binary").log_partition(),
      ("max_states", "ais"), seconds=5),
    B("Energy", "flat_is_not_normalisable", lambda: eb.Energy(flat1, dim=1).log_partition(), ("Z",)),
    B("whiten", "not_a_model", lambda: eb.whiten(NOT_MODEL), ("model",)),
    B("whiten", "discrete", lambda: eb.whiten(BM), ("model",), seconds=5),
    B("whiten", "flat", lambda: eb.whiten(eb.Energy(flat1, dim=1)), ("Z",)),
    B("quadrature_log_partition", "not_a_model", lambda: eb.quadrature_log_partition(NOT_MODEL), ("model",)),
    B("quadrature_log_partition", "3d", lambda: eb.quadrature_log_partition(eb.Gaussian(np.zeros(3))), ("ais",)),
    B("Gaussian", "sigma_squared_overflows", lambda: eb.Gaussian(0.0, 1e200), ("sigma",)),
    B("Gaussian", "sigma_squared_underflows", lambda: eb.Gaussian(0.0, 1e-200), ("sigma",)),
    B("Gaussian", "sigma_and_cov", lambda: eb.Gaussian([0.0, 0.0], sigma=1.0, cov=np.eye(2)), ("sigma", "cov")),
    B("Gaussian", "not_positive_definite", lambda: eb.Gaussian([0.0, 0.0], cov=[[1.0, 2.0], [2.0, 1.0]]), ("cov",)),
    B("Gaussian", "beta0_log_z", lambda: eb.Gaussian(0.0, 1.0, beta=0.0).log_partition(), ("β",)),
    B("Gaussian", "beta0_sample", lambda: eb.Gaussian(0.0, 1.0, beta=0.0).sample(5, seed=0, warmup=5), ("beta",)),
    B("Laplace", "beta0", lambda: eb.Laplace(0.0, 1.0, beta=0.0).log_partition(), ("β",)),
    B("check_enumerable", "huge", lambda: eb.check_enumerable(10**6, "spin"), ("max_states",), seconds=2),
    B("enumerate_log_partition", "not_a_model", lambda: eb.enumerate_log_partition(NOT_MODEL), ("model",)),
    B("enumerate_log_partition", "continuous", lambda: eb.enumerate_log_partition(G1), ("quadrature",)),
    B("enumerate_log_partition", "huge", lambda: eb.enumerate_log_partition(eb.BoltzmannMachine(np.zeros((40, 40)))),
      ("max_states",), seconds=2),
    B("all_states", "huge", lambda: eb.all_states(40), ("n",), seconds=2),
    B("BoltzmannMachine", "asymmetric", lambda: eb.BoltzmannMachine([[0.0, 1.0], [0.0, 0.0]]), ("W",)),
    B("BoltzmannMachine", "diagonal", lambda: eb.BoltzmannMachine(np.eye(2)), ("W",)),
    B("BoltzmannMachine", "huge_log_z", lambda: eb.BoltzmannMachine(np.zeros((40, 40)), domain="spin").log_partition(),
      ("ais",), seconds=2),
    B("Bernoulli", "neither", lambda: eb.Bernoulli(), ("p", "logits")),
    B("Bernoulli", "both", lambda: eb.Bernoulli(p=[0.5], logits=[0.0]), ("p", "logits")),
    B("Bernoulli", "p_out_of_range", lambda: eb.Bernoulli(p=[0.0, 1.0]), ("p",)),
    B("time_enumeration", "too_few", lambda: eb.time_enumeration([2, 3]), ("ns",)),
    B("time_enumeration", "not_a_sequence", lambda: eb.time_enumeration(5), ("ns",)),
    B("time_enumeration", "too_big", lambda: eb.time_enumeration([2, 3, 4, 40]), ("ns",)),
    B("grid_log_partition", "not_a_model", lambda: eb.grid_log_partition(NOT_MODEL), ("model",)),
    B("grid_log_partition", "huge", lambda: eb.grid_log_partition(eb.Gaussian(np.zeros(40))), ("max_points",), seconds=5),
    B("grid_log_partition", "flat", lambda: eb.grid_log_partition(eb.Energy(flat1, dim=1)), ("Z",)),
    B("mh_log_acceptance", "not_a_model", lambda: eb.mh_log_acceptance(NOT_MODEL, 0.0, 1.0), ("model",)),
    B("mh_log_acceptance", "batches", lambda: eb.mh_log_acceptance(G1, np.zeros(3), np.zeros(4)), ("x_new",)),
    B("autocorr", "scalar", lambda: eb.autocorr(1.0), ("x",)),
    B("Summary", "missing_columns", lambda: eb.Summary(["x"], (), 2, 10, {}), ("data",)),
    B("Summary", "names_not_a_sequence", lambda: eb.Summary(5, (), 2, 10, {c: [0.0] for c in eb.Summary.columns}), ("names",)),
    B("summary", "names", lambda: eb.summary(DRAWS2, names=["a", "b", "c"]), ("names",)),
    B("summary", "names_type", lambda: eb.summary(DRAWS2, names=5), ("names",)),
    B("Samples", "too_few_draws_to_summarise", lambda: eb.Samples(np.zeros((2, 3)), np.ones(2), None, "x", 0, 1, ()).summary(),
      ("draws",)),
    B("sample", "not_a_model", lambda: eb.sample(NOT_MODEL, 5), ("model",)),
    B("sample", "too_many_draws", lambda: eb.sample(G1, 10**12, seed=0), ("n_draws",), seconds=2),
    B("sample", "too_many_chains", lambda: eb.sample(G1, 2, n_chains=10**9, seed=0), ("n_chains",), seconds=2),
    B("sample", "no_gradient", lambda: eb.sample(BM, 5, method="hmc", seed=0), ("method",)),
    B("sample", "energy_without_grad", lambda: eb.Energy(quad2, [1.0], dim=2).sample(5, method="mala", seed=0), ("grad",)),
    B("sample", "langevin_needs_step", lambda: eb.sample(G1, 5, method="langevin", seed=0), ("step_size",)),
    B("sample", "langevin_diverges", lambda: eb.sample(G1, 5, method="langevin", step_size=1e3, seed=0, warmup=50), ("step_size",)),
    B("sample", "discrete_step_size", lambda: eb.sample(BM, 5, step_size=0.1, seed=0), ("step_size",)),
    B("sample", "adapt_without_warmup", lambda: eb.sample(G1, 5, seed=0, warmup=0), ("warmup",)),
    B("run_chains", "not_a_model", lambda: eb.run_chains(NOT_MODEL, np.zeros(2), 1, eb.rng_states(0, 2)), ("model",)),
    B("default_method", "not_a_model", lambda: eb.default_method(NOT_MODEL), ("model",)),
    B("register_sampler", "not_callable", lambda: eb.register_sampler(5), ("fn",)),
    B("run_chains", "zero_streams", lambda: eb.run_chains(G1, chains(G1), 1, np.zeros((3, 4), np.uint64), step_size=0.1),
      ("streams",), seconds=5),
    B("run_chains", "streams_list", lambda: eb.run_chains(G1, chains(G1), 1, [[1, 2, 3, 4]] * 3, step_size=0.1), ("streams",)),
    B("run_chains", "no_step_size", lambda: eb.run_chains(G1, chains(G1), 1, eb.rng_states(0, 3)), ("step_size",)),
    B("exact_log_likelihood", "not_a_model", lambda: eb.exact_log_likelihood(NOT_MODEL, [[0.0]]), ("model",)),
    B("exact_log_likelihood", "huge", lambda: eb.exact_log_likelihood(eb.BoltzmannMachine(np.zeros((40, 40))), np.zeros((1, 40))),
      ("ais", "max_states"), seconds=2),
    B("exact_model_expectation", "not_a_model", lambda: eb.exact_model_expectation(NOT_MODEL), ("model",)),
    B("exact_model_expectation", "continuous", lambda: eb.exact_model_expectation(G1), ("binary",)),
    B("exact_gradient", "not_a_model", lambda: eb.exact_gradient(NOT_MODEL, [[0.0]]), ("model",)),
    B("exact_cd_gradient", "not_a_model", lambda: eb.exact_cd_gradient(NOT_MODEL, [[0.0]], 1), ("model",)),
    B("fit", "not_a_model", lambda: eb.fit(NOT_MODEL, DATA1, **FIT_KW), ("model",)),
    B("fit", "pl_continuous", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method="pl", progress=False), ("binary or spin",)),
    B("fit", "sm_discrete", lambda: eb.fit(BM, BM_DATA, method="sm", progress=False), ("continuous",)),
    B("fit", "sm_laplace", lambda: eb.fit(eb.Laplace(), DATA1, method="sm", progress=False), ("differentiable",)),
    B("fit", "dsm_no_score_theta", lambda: eb.fit(eb.Energy(quad2, [1.0], dim=2, grad=quad2_grad), DATA2, method="dsm", progress=False),
      ("score_theta",)),
    B("fit", "option_of_another_method", lambda: eb.fit(BM, BM_DATA, method="pl", noise_scale=0.1, progress=False), ("noise_scale",)),
    B("fit", "option_with_pcd", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, noise_ratio=2.0, **FIT_KW), ("noise_ratio",)),
    B("fit", "noise_not_a_distribution", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method="nce", noise="normal", progress=False), ("noise",)),
    B("fit", "noise_wrong_dimension", lambda: eb.fit(G2C(), DATA2, method="nce", noise=_std_normal(), progress=False), ("noise",)),
    B("fit", "noise_misses_data", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method="nce", noise=_uniform01(), progress=False), ("noise",)),
    B("fit", "lbfgs_cd", lambda: eb.fit(BM, BM_DATA, method="cd", optimizer="lbfgs", progress=False), ("optimizer",)),
    B("fit", "lbfgs_batch_size", lambda: eb.fit(BM, BM_DATA, method="pl", optimizer="lbfgs", batch_size=5, progress=False), ("batch_size",)),
    B("objective", "not_a_model", lambda: eb.objective(NOT_MODEL, BM_DATA, "pl"), ("model",)),
    B("objective", "continuous", lambda: eb.objective(eb.Gaussian(0.0, 1.0), DATA1, "pl"), ("binary or spin",)),
    B("objective", "bad_data", lambda: eb.objective(BM, np.full((4, 3), 0.5), "pl"), ("data", "0/1")),
    B("register_objective", "not_callable", lambda: eb.register_objective("mine", 3, 4), ("fn",)),
    B("fit", "untrainable", lambda: eb.fit(eb.Energy(quad2, [1.0], dim=2, grad=quad2_grad), np.zeros((4, 2)), **FIT_KW),
      ("grad_theta",)),
    B("fit", "discrete_step_size", lambda: eb.fit(eb.Bernoulli(p=[0.5]), np.zeros((4, 1)), **FIT_KW), ("step_size",)),
    B("fit", "checkpoint_directory_missing", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, checkpoint="/nonexistent/ck.npz",
                                                           **FIT_KW), ("checkpoint",)),
    B("fit", "diverges", lambda: eb.fit(eb.Gaussian(0.0, 1.0), DATA1, **{**FIT_KW, "learning_rate": 1e300}), ("learning_rate",),
      exc=(FloatingPointError, ValueError)),
    # the Ising chapter
    B("kaufman_log_partition", "huge_K_is_finite_or_refused", lambda: _finite_or_refuse(eb.kaufman_log_partition(4, 1e300), "K"), ("K",)),
    B("density_of_states", "huge", lambda: eb.density_of_states(6), ("L",), seconds=2),
    B("Ising", "exact_needs_zero_field", lambda: eb.Ising(8, 0.3, h=0.1).log_partition(), ("ais",), seconds=2),
    B("Ising", "energy_of_zeros", lambda: ISING.energy(np.zeros((4, 4))), ("x",)),
    B("Ising", "wolff_needs_zero_field", lambda: eb.Ising(4, 0.3, h=0.1).sample(5, method="wolff", seed=0), ("h",)),
    B("Ising", "too_many_draws", lambda: ISING.sample(10**9, seed=0), ("keep_draws", "thin"), seconds=2),
    B("Ising.exact_observables", "method", lambda: ISING.exact_observables("magic"), ("method",)),
    B("Estimate", "missing", lambda: eb.Estimate(1.0), ("stderr",)),
    B("jackknife", "f_not_callable", lambda: eb.jackknife(5, np.ones((2, 10, 1))), ("f",)),
    B("IsingSamples", "no_draws_kept", lambda: eb.IsingSamples(None, np.ones(2), "gibbs", 0, 1, (4, 4), np.zeros((2, 10)),
                                                             np.zeros((2, 10)), 0.3).flat(), ("keep_draws",)),
    B("demo_ising", "quick_not_bool", lambda: eb.demo_ising(quick="yes"), ("quick",)),
    B("print_demo_ising", "not_a_result", lambda: eb.print_demo_ising({}), ("res",)),
    # the AIS chapter
    B("annealing_schedule", "tiny_delta_is_finite", lambda: _finite_or_refuse(eb.annealing_schedule(5, "sigmoid", 1e-300), "delta"),
      ("delta",)),
    B("annealing_schedule", "huge_delta_increases", lambda: _increasing_or_refuse(eb.annealing_schedule(5, "sigmoid", 1e300), "delta"),
      ("delta",)),
    B("ais_log_weights", "not_a_model", lambda: eb.ais_log_weights(NOT_MODEL), ("model",)),
    B("ais_log_weights", "schedule_and_n_steps", lambda: eb.ais_log_weights(BM, n_steps=5, schedule=[0.0, 1.0]), ("n_steps",)),
    B("ais_log_weights", "base_not_pd", lambda: eb.ais_log_weights(G1, n_steps=5, base=(0.0, -1.0), seed=0), ("cov", "base")),
    B("tempered_sample", "not_a_model", lambda: eb.tempered_sample(NOT_MODEL, 5, 3), ("model",)),
    B("tempered_sample", "ladder_not_from_beta", lambda: eb.tempered_sample(G1, 5, [0.5, 0.0]), ("tempering",)),
    B("tempered_sample", "ladder_increasing", lambda: eb.tempered_sample(G1, 5, [1.0, 0.2, 0.5]), ("tempering",)),
    B("tempered_sample", "negative_beta", lambda: eb.tempered_sample(G1, 5, [1.0, 0.5, -0.5]), ("tempering",)),
    B("tempered_sample", "beta_zero_model", lambda: eb.tempered_sample(eb.Gaussian(0.0, 1.0, beta=0.0), 5, 3), ("beta",)),
    B("tempered_sample", "bad_init", lambda: eb.tempered_sample(G2, 5, 3, init=np.zeros(3)), ("init",)),
    B("tempered_sample", "wolff", lambda: eb.tempered_sample(ISING, 5, 3, method="wolff"), ("method",)),
    B("tempered_sample", "too_many_draws", lambda: eb.tempered_sample(G1, 10**12, 3, seed=0), ("n_draws",), seconds=2),
    B("tempered_sample", "user_energy_raises", lambda: eb.tempered_sample(eb.Energy(raises1, dim=1), 20, 3, method="metropolis",
      seed=0, warmup=0, step_size=5.0), ("raises1",), exc=eb.UserFunctionError),
    B("tempering_log_partition", "hot_end_above_zero", lambda: eb.tempering_log_partition(BM, [1.0, 0.5], n_draws=5, warmup=5, seed=0), ("β",)),
    B("Tempering", "missing", lambda: eb.Tempering(), ("betas",)),
    B("ais_log_partition", "not_a_model", lambda: eb.ais_log_partition(NOT_MODEL), ("model",)),
    B("ais_log_partition", "flat", lambda: eb.ais_log_partition(eb.Energy(flat1, dim=1), n_steps=5, seed=0), ("Z",)),
    # the neural chapter
    B("NeuralEnergy", "hidden_empty", lambda: eb.NeuralEnergy(hidden=()), ("hidden",)),
    B("NeuralEnergy", "hidden_str", lambda: eb.NeuralEnergy(hidden="64"), ("hidden",)),
    B("NeuralEnergy", "tiny_confinement", lambda: eb.NeuralEnergy(hidden=(4,), confinement=1e-300, seed=0), ("confinement",)),
    B("box_log_partition", "not_a_model", lambda: eb.box_log_partition(NOT_MODEL), ("model",)),
    B("box_log_partition", "even_points", lambda: eb.box_log_partition(NEURAL, n_points=20), ("n_points",)),
    B("box_log_partition", "huge", lambda: eb.box_log_partition(NEURAL, n_points=10**6 + 1), ("max_points",), seconds=2),
    B("box_log_partition", "discrete", lambda: eb.box_log_partition(BM), ("exact", "model")),
    B("fit_toy", "bounds", lambda: eb.fit_toy("moons", quick=True, n_train=20, n_test=5, bounds=((0.0, nan), (0.0, 1.0))),
      ("bounds",), seconds=60),
    B("plot_density", "not_a_model", lambda: eb.plot_density(NOT_MODEL), ("model",)),
    B("plot_density", "not_2d", lambda: eb.plot_density(G1), ("model",)),
    B("demo_neural", "out_png", lambda: eb.demo_neural(quick=True, out_png=5), ("out_png",)),
    # the RBM chapter
    B("rbm_log_partition_exact", "huge", lambda: eb.rbm_log_partition_exact(np.zeros((40, 40)), np.zeros(40), np.zeros(40)),
      ("max_states", "ais"), seconds=2),
    B("rbm_log_partition_exact", "overflow", lambda: eb.rbm_log_partition_exact(np.full((1, 2), 1e308), np.zeros(1), np.zeros(2)),
      ("log Z",)),
    B("BernoulliRBM", "not_fitted", lambda: eb.BernoulliRBM().transform(X6), ("fit",), exc=ValueError),
    B("BernoulliRBM", "data_out_of_range_warns", lambda: _warning_as_error(UserWarning, lambda: eb.BernoulliRBM(
        n_components=2).fit(X6 * 2)), ("X", "[0, 1]"), exc=UserWarning),
    B("BernoulliRBM", "log_likelihood_non_binary", lambda: rbm().log_likelihood(X6 * 0.5), ("X",)),
    B("BernoulliRBM", "log_partition_method", lambda: rbm().log_partition("magic"), ("method",)),
    B("BernoulliRBM", "sample_method", lambda: rbm().sample(2, method="metropolis"), ("method",)),
    B("BernoulliRBM", "sample_too_many", lambda: rbm().sample(10**9, seed=0), ("n_draws",), seconds=2),
    B("BernoulliRBM", "beta", lambda: setattr(rbm(), "beta", 2.0), ("β",)),
    B("BernoulliRBM", "huge_learning_rate", lambda: _finite_or_refuse(eb.BernoulliRBM(
        n_components=2, learning_rate=1e300, n_iter=4, random_state=0).fit(X6).log_likelihood(X6), "learning_rate"),
      ("learning_rate", "log Z"), exc=(FloatingPointError, ValueError)),
    B("GaussianBernoulliRBM", "negative_sigma", lambda: eb.GaussianBernoulliRBM(sigma=-1.0).fit(XG), ("sigma",)),
    B("GaussianBernoulliRBM", "sigma_shape", lambda: eb.GaussianBernoulliRBM(sigma=[1.0, 2.0]).fit(XG), ("sigma",)),
    B("GaussianBernoulliRBM", "not_fitted", lambda: eb.GaussianBernoulliRBM().transform(XG), ("fit",), exc=ValueError),
    B("GaussianBernoulliRBM", "sample_method", lambda: gbrbm().sample(2, method="hmc"), ("method",)),
    B("GaussianBernoulliRBM", "sample_too_many", lambda: gbrbm().sample(10**9, seed=0), ("n_draws",), seconds=2),
    B("GaussianBernoulliRBM", "huge_learning_rate", lambda: eb.GaussianBernoulliRBM(n_components=2, learning_rate=1e300,
      n_iter=4, random_state=0).fit(XG * 1e150), ("learning_rate",), exc=FloatingPointError),
    B("ais_log_weights", "runs_reversed", lambda: eb.ais_log_weights(BM, 10, 5, seed=0, runs=(5, 2)), ("runs",)),
    B("ais_log_weights", "runs_not_a_pair", lambda: eb.ais_log_weights(BM, 10, 5, seed=0, runs=3), ("runs",)),
    B("ais_log_partition", "bad_client", lambda: eb.ais_log_partition(BM, 10, 5, seed=0, client=object()), ("client",)),
    B("sweep", "not_callable", lambda: eb.sweep(3, {"a": [1]}), ("fn",)),
    B("sweep", "bad_client", lambda: eb.sweep(lambda a, seed: a, {"a": [1]}, client=object()), ("client",)),
    B("sweep", "bad_seed", lambda: eb.sweep(lambda a, seed: a, {"a": [1]}, seed=-1), ("seed",)),
    B("grid_points", "scalar_values", lambda: eb.grid_points({"beta": 0.3}), ("grid",)),
    B("grid_points", "not_dicts", lambda: eb.grid_points([1, 2]), ("grid",)),
    B("load_binary_digits", "test_size_one", lambda: eb.load_binary_digits(test_size=1.0), ("test_size",)),
    B("image_grid", "not_images", lambda: eb.image_grid("abc"), ("images",)),
    B("ais_schedule", "too_short", lambda: eb.ais_schedule(2), ("n_steps",)),
    B("ais_schedule", "huge", lambda: eb.ais_schedule(10**10), ("n_steps",), seconds=2),
    B("UserFunctionError", "energy_raises", lambda: eb.Energy(raises1).energy(np.array([[0.0], [1.0]])), ("raises1",),
      exc=eb.UserFunctionError),
    B("DivergenceWarning", "funnel", lambda: _warning_as_error(eb.DivergenceWarning, lambda: eb.Energy(
        funnel4, dim=4, grad=funnel4_grad).sample(300, method="hmc", seed=1, warmup=200)), ("target_accept",), exc=eb.DivergenceWarning),
    B("SamplerWarning", "max_depth", lambda: _warning_as_error(eb.SamplerWarning, lambda: eb.Gaussian(
        np.zeros(20), cov=np.diag(np.linspace(1, 300, 20) ** 2)).sample(20, method="nuts", seed=1, warmup=50, max_depth=2)),
      ("max_depth",), exc=eb.SamplerWarning),
]


def _finite_or_refuse(value, name):
    "For 'a finite result or a clear error' cases: an AssertionError (a failure) if `value` is not finite, else a pass (signalled as a refusal naming `name`)."
    if not np.all(np.isfinite(value)): raise AssertionError(f"silent non-finite result {value!r}")
    raise ValueError(f"finite: a pass for `{name}`")

def _increasing_or_refuse(s, name):
    if not np.all(np.diff(s) > 0): raise AssertionError(f"schedule not strictly increasing: {s!r}")
    raise ValueError(f"strictly increasing: a pass for `{name}`")



def _std_normal():
    import scipy.stats
    return scipy.stats.norm()

def _uniform01():
    import scipy.stats
    return scipy.stats.uniform(0.0, 0.1)


def _register_objective_and_use():
    "A registered objective (a quadratic in θ) minimised by fit(..., optimizer='lbfgs') lands on its minimum."
    eb.register_objective("fuzz_quadratic", lambda m, X: (float(((m.get_theta() - 1.0) ** 2).sum()), 2.0 * (m.get_theta() - 1.0)),
                          lambda m: None)
    m = eb.Bernoulli(p=[0.5, 0.5])
    return eb.fit(m, np.zeros((3, 2)), method="fuzz_quadratic", optimizer="lbfgs", progress=False)["final_theta"] - 1.0


@pytest.fixture(scope="module", autouse=True)
def _chain_driver_compiled():
    "Compile (or load from the cache) every entry of the chain driver before the timed calls: the deadlines time the calls, not numba."
    for m in ("metropolis", "mala", "hmc", "nuts"): eb.sample(G2, 2, method=m, seed=0, warmup=2)
    eb.sample(G1, 2, method="langevin", step_size=0.1, seed=0, warmup=2)
    for m in ("metropolis", "gibbs"): eb.sample(BM, 2, method=m, seed=0, warmup=2)
    for m in ("metropolis", "hmc"): eb.tempered_sample(G2, 2, 3, method=m, seed=0, warmup=2)
    eb.tempered_sample(BM, 2, 3, seed=0, warmup=2)

@pytest.mark.parametrize("name,call,names,exc,seconds", BAD)
def test_bad_call(name, call, names, exc, seconds):
    refuses(call, names, exc, seconds)


# --- valid calls: finite results -----------------------------------------------------------------------------------------
def V(name, cid, call, slow=False):
    return pytest.param(name, call, id=f"{name}.{cid}", marks=[pytest.mark.slow] if slow else [])

def _run_chains_ok():
    return eb.run_chains(G2, chains(G2), 3, eb.rng_states(0, 3), method="hmc", step_size=0.2)

VALID = [
    V("njit", "compile", lambda: eb.njit(lambda a: a * 2.0)(1.5)),
    V("pnjit", "compile", lambda: eb.pnjit(lambda a: a.sum())(np.ones(4))),
    V("logsumexp", "huge", lambda: eb.logsumexp([1e308, 1e308, -inf])),
    V("logsumexp", "empty_axis", lambda: eb.logsumexp(np.zeros((0, 3)), axis=0) == -inf),
    V("log_mean_exp", "rows", lambda: eb.log_mean_exp([[-1e4, 1e4], [0.0, 1.0]], axis=1)),
    V("check_int", "numpy", lambda: eb.check_int(np.int32(3), "n", minimum=1)),
    V("check_real", "numpy", lambda: eb.check_real(np.array(2.5), "r")),
    V("check_array", "list", lambda: eb.check_array([[1, 2]], "a", ndim=2)),
    V("quick_mode", "bool", lambda: float(eb.quick_mode())),
    V("as_seed_sequence", "generator", lambda: eb.as_seed_sequence(np.random.default_rng(0)).entropy),
    V("rng_states", "two", lambda: eb.rng_states(3, 2).astype(np.float64)),
    V("LogZ", "z", lambda: eb.LogZ(1.0, 0.0, "exact").z),
    V("register_log_partition", "a_method", lambda: _register_and_use()),
    V("EnergyModel", "beta", lambda: eb.EnergyModel(beta=0.5).beta),
    V("TypedKernel", "call", lambda: eb.TypedKernel(lambda a: a + 1.0, numba.float64(numba.float64))(1.0)),
    V("typed_njit", "call", lambda: eb.typed_njit(numba.float64(numba.float64))(lambda a: a * 3.0)(1.0)),
    V("Energy", "continuous", lambda: (USER.energy(np.ones((3, 2))), USER.log_partition(), USER.grad_energy([1.0, 2.0]),
                                       USER.grad_theta([1.0, 1.0]))),
    V("Energy", "binary", lambda: (UBIN.log_partition(), UBIN.log_prob(np.ones(3)))),
    V("whiten", "gaussian", lambda: eb.whiten(G2)),
    V("quadrature_log_partition", "laplace", lambda: eb.quadrature_log_partition(LAP)),
    V("Gaussian", "extremes", lambda: (eb.Gaussian(0.0, 1e-100).log_partition(), eb.Gaussian(0.0, 1e100).log_prob(1e100),
                                       G2.log_prob(np.zeros((2, 2))), G2.grad_theta([0.0, 1.0]))),
    V("Laplace", "log_prob", lambda: (LAP.log_prob([1e4, -1e4]), LAP.log_partition("quadrature"))),
    V("check_enumerable", "ten", lambda: eb.check_enumerable(10, "spin")),
    V("enumerate_log_partition", "bm", lambda: eb.enumerate_log_partition(BM)),
    V("all_states", "spin", lambda: eb.all_states(3, "spin")),
    V("BoltzmannMachine", "extreme", lambda: (eb.BoltzmannMachine([[0.0, 1e4], [1e4, 0.0]], domain="spin").log_partition(),
                                              BM.log_prob(np.ones(3)))),
    V("Bernoulli", "closed_form", lambda: (BERN.log_partition(), BERN.p, eb.Bernoulli(logits=[1e4, -1e4]).log_partition())),
    V("time_enumeration", "small", lambda: eb.time_enumeration([2, 3, 4, 5], repeats=1)),
    V("grid_log_partition", "gaussian", lambda: eb.grid_log_partition(G2, n_points=9)),
    V("mh_log_acceptance", "extreme", lambda: eb.mh_log_acceptance(G1, 0.0, [1.0, 1e4])),
    V("autocorr", "draws", lambda: eb.autocorr(DRAWS)),
    V("ess", "all_methods", lambda: [eb.ess(DRAWS2, method=m) for m in ("bulk", "tail", "mean", "sd")]),
    V("rhat", "draws", lambda: eb.rhat(DRAWS2)),
    V("mcse", "huge_values", lambda: (eb.mcse(DRAWS * 1e300), eb.mcse(DRAWS * 1e300, kind="sd"),
                                      [eb.ess(DRAWS * 1e300, method=m) for m in ("bulk", "tail", "mean", "sd")])),
    V("Summary", "table", lambda: eb.summary(DRAWS2).to_dict()),
    V("summary", "names", lambda: eb.summary(DRAWS2, names=["a", "b"])["rhat"]),
    V("rwm_target_accept", "dims", lambda: [eb.rwm_target_accept(d) for d in (1, 2, 10**6)]),
    V("Samples", "summary", lambda: eb.sample(G2, 20, n_chains=2, seed=0, warmup=20).summary().to_dict()),
    V("UserFunctionError", "message", lambda: float(len(str(eb.UserFunctionError("`f` raised")))),),
    V("DivergenceWarning", "funnel_counts", lambda: eb.Energy(funnel4, dim=4, grad=funnel4_grad).sample(
        300, method="nuts", seed=1, warmup=200).n_divergent),
    V("SamplerWarning", "max_depth_counts", lambda: eb.Gaussian(np.zeros(20), cov=np.diag(np.linspace(1, 300, 20) ** 2)).sample(
        20, method="nuts", seed=1, warmup=50, max_depth=2).n_max_depth),
    V("sample", "methods", lambda: [eb.sample(G2, 10, n_chains=2, method=m, seed=0, warmup=20,
                                              step_size=0.3 if m == "langevin" else None).draws
                                    for m in eb.CONTINUOUS_METHODS]
                                   + [eb.sample(SPIN, 10, n_chains=2, method=m, seed=0, warmup=5).draws for m in eb.DISCRETE_METHODS]),
    V("run_chains", "hmc", _run_chains_ok),
    V("default_method", "models", lambda: [eb.default_method(m) for m in (G1, G2)]),
    V("register_sampler", "the chain driver again", lambda: eb.register_sampler(eb.sample)),
    V("exact_log_likelihood", "bm", lambda: eb.exact_log_likelihood(BM, BM_DATA)),
    V("exact_model_expectation", "bm", lambda: eb.exact_model_expectation(BM)),
    V("exact_gradient", "bm", lambda: eb.exact_gradient(BM, BM_DATA)),
    V("exact_cd_gradient", "bm", lambda: eb.exact_cd_gradient(BM, BM_DATA, 0)),
    V("fit", "cd_pcd", lambda: [eb.fit(eb.Gaussian(0.0, 1.0), DATA1, method=m, optimizer=o, **FIT_KW)
                               for m, o in (("cd", "adam"), ("pcd", "momentum"))]
                              + [eb.fit(eb.Bernoulli(p=[0.5, 0.5]), BIN2, **{**FIT_KW, "step_size": None})]),
    V("objective", "flips", lambda: [eb.objective(BM, BM_DATA, m) for m in ("pl", "ratio_matching", "mpf")]),
    V("fit", "pl", lambda: [eb.fit(eb.BoltzmannMachine(np.zeros((3, 3))), BIN40, method="pl", optimizer=o, progress=False,
                                   **({} if o == "lbfgs" else dict(epochs=2, batch_size=5, seed=0)))["final_theta"] for o in ("lbfgs", "adam")]),
    V("register_objective", "a_method", lambda: _register_objective_and_use()),
    V("torus_bm", "small", lambda: [eb.torus_bm(r, c, coupling=j, seed=0).W for r, c, j in ((2, 2, 0.4), (3, 5, -0.2))]),
    V("objective", "continuous", lambda: [eb.objective(G2C(), DATA2, m, seed=0) for m in ("sm", "dsm", "ssm", "nce")]
                                         + [eb.objective(BM, BM_DATA, "nce", seed=0)]),
    V("fit", "z_free_continuous", lambda: [eb.fit(G2C(), DATA2, method=m, optimizer=o, seed=0, progress=False,
                                                  **({} if o == "lbfgs" else dict(epochs=2, batch_size=10)))["final_theta"]
                                           for m in ("sm", "dsm", "ssm", "nce") for o in ("lbfgs", "adam")]),
    V("kaufman_log_partition", "small", lambda: [eb.kaufman_log_partition(L, K) for L in (2, 3, 16) for K in (0.0, 0.44, 3.0)]),
    V("density_of_states", "L3", lambda: eb.density_of_states(3)),
    V("Ising", "exact", lambda: (ISING.log_partition(), ISING.energy(np.ones((4, 4))), ISING.exact_observables())),
    V("Estimate", "fields", lambda: eb.Estimate(1.0, 0.1)),
    V("jackknife", "mean", lambda: eb.jackknife(lambda m: m[0], DRAWS[..., None])),
    V("IsingSamples", "observables", lambda: ising_samples().observables(n_blocks=4)),
    V("demo_ising", "quick", lambda: eb.demo_ising(quick=True)),
    V("print_demo_ising", "table", lambda: eb.print_demo_ising(_DEMO_ISING)),
    V("annealing_schedule", "both", lambda: (eb.annealing_schedule(10), eb.annealing_schedule(10, "sigmoid"))),
    V("ais_log_weights", "bm", lambda: eb.ais_log_weights(BM, n_runs=4, n_steps=10, seed=0)),
    V("tempered_sample", "gaussian_hmc", lambda: eb.tempered_sample(G2, 20, 3, n_chains=2, seed=0, warmup=60).tempering),
    V("tempered_sample", "binary_gibbs", lambda: eb.tempered_sample(BM, 20, 3, n_chains=2, seed=0, warmup=20)),
    V("tempered_sample", "ising", lambda: eb.tempered_sample(ISING, 20, 3, n_chains=2, seed=0, warmup=20)),
    V("tempered_sample", "rbm", lambda: eb.tempered_sample(rbm(), 20, 3, n_chains=2, seed=0, warmup=20)),
    V("tempering_log_partition", "ti", lambda: eb.tempering_log_partition(SPIN, 4, n_draws=50, warmup=20, estimator="ti", seed=0)),
    V("Tempering", "round_trip_rate", lambda: eb.sample(BM, 30, seed=0, warmup=20, tempering=3).tempering.round_trip_rate),
    V("ais_log_partition", "gaussian", lambda: eb.ais_log_partition(G1, n_runs=4, n_steps=10, seed=0)),
    V("NeuralEnergy", "energy_grad", lambda: (NEURAL.energy(np.ones((2, 2))), NEURAL.grad_energy([0.5, 0.5]),
                                              NEURAL.grad_theta([0.5, 0.5]), NEURAL.mlp([1e3, 1e3]))),
    V("box_log_partition", "neural", lambda: eb.box_log_partition(NEURAL, n_points=41)),
    V("toy_data", "all", lambda: [eb.toy_data(n, 20, seed=0) for n in ("moons", "rings", "8gaussians")]),
    V("toy_log_density", "all", lambda: [eb.toy_log_density(n, np.zeros((3, 2))) for n in ("moons", "rings", "8gaussians")]),
    V("fit_toy", "quick", lambda: {k: v for k, v in eb.fit_toy("8gaussians", quick=True, n_train=200, n_test=50).items()
                                   if k != "model"}),
    V("plot_density", "axes", lambda: eb.plot_density(NEURAL, data=np.zeros((3, 2)), n_points=11).get_xlim()),
    V("demo_neural", "quick", lambda: eb.demo_neural(quick=True), slow=True),
    V("rbm_log_partition_exact", "small", lambda: eb.rbm_log_partition_exact(*rbm_params())),
    V("ais_schedule", "short", lambda: eb.ais_schedule(10)),
    V("rbm_log_partition_ais", "small", lambda: eb.rbm_log_partition_ais(*rbm_params(), np.zeros(6), n_runs=4, n_steps=20, seed=0)),
    V("BernoulliRBM", "use", lambda: (rbm().score(X6), rbm().score_samples(X6), rbm().transform(X6), rbm().sample(3, n_chains=2, seed=0, warmup=2).draws,
                                      rbm().log_partition("ais", n_runs=4, n_steps=20, seed=0))),
    V("GaussianBernoulliRBM", "use", lambda: (gbrbm().score(XG), gbrbm().transform(XG), gbrbm().gibbs(XG),
                                              gbrbm().sample(3, n_chains=2, seed=0, warmup=2).draws,
                                              gbrbm().log_partition("ais", n_runs=4, n_steps=20, seed=0))),
    V("sweep", "local", lambda: eb.sweep(lambda a, b, seed: a + b, {"a": [1, 2], "b": [10]}, seed=0)),
    V("grid_points", "product", lambda: eb.grid_points({"a": [1, 2], "b": [3]})),
    V("load_binary_digits", "split", lambda: [a.shape for a in eb.load_binary_digits(seed=1, test_size=0.1)]),
    V("image_grid", "tiles", lambda: np.nan_to_num(eb.image_grid(np.zeros((3, 64)), n_cols=2))),
    V("demo_rbm", "quick", lambda: eb.demo_rbm(quick=True), slow=True),
]
_DEMO_ISING = dict(L=4, n_chains=2, n_draws=10, ais_runs=4, ais_steps=10, temperatures=[dict(
    beta=0.3, T=1 / 0.3, method="gibbs", energy=-0.5, energy_stderr=0.1, exact_energy=-0.55, sample_seconds=0.1,
    ais_log_z=12.0, ais_stderr=0.1, ais_ess=3.0, exact_log_z=12.1, ais_seconds=0.1)])


def _register_and_use():
    eb.register_log_partition("fuzz_const", lambda m: isinstance(m, eb.Laplace), lambda m: eb.LogZ(0.0, 0.0, "fuzz_const"))
    return eb.Laplace(0.0, 1.0).log_partition("fuzz_const")


@pytest.mark.parametrize("name,call", VALID)
def test_valid_call_is_finite(name, call):
    with deadline(VALID_SECONDS), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = call()
    assert_finite(result)


def test_logsumexp_propagates_nan():
    "The documented exception to 'NaN is refused': log-sum-exp takes ±inf terms and returns NaN when a NaN goes in."
    assert math.isnan(eb.logsumexp([1.0, nan])) and eb.logsumexp([-inf, -inf]) == -inf and eb.logsumexp([1.0, inf]) == inf


@FUZZ
@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(4, 12)), elements=st.floats(-1e6, 1e6)))
def test_valid_draws_give_finite_diagnostics(x):
    "Diagnostics of any finite draws are finite (R̂ of constant chains is the documented NaN, with a warning)."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_finite((eb.ess(x), eb.mcse(x), eb.mcse(x, kind="sd"), eb.autocorr(x)))
        if np.ptp(x, axis=1).min() > 0: assert_finite(eb.rhat(x))


@FUZZ
@given(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3), st.floats(0.01, 100),
       arrays(np.float64, st.integers(1, 5), elements=st.floats(-1e6, 1e6)))
def test_valid_models_give_finite_log_probabilities(mu, scale, beta, x):
    for m in (eb.Gaussian(mu, scale, beta=beta), eb.Laplace(mu, scale, beta=beta)):
        assert_finite((m.log_partition(), m.log_prob(x), m.log_ratio(x, mu)))


# --- coverage ----------------------------------------------------------------------------------------------------------
def _covered():
    ids = [p.values[0] for p in SCALARS + ARRAYS + BAD]
    return {i.split(".")[0] for i in ids}, {p.values[0].split(".")[0] for p in VALID}


def test_every_public_name_is_fuzzed():
    bad, valid = _covered()
    public = set(eb.__all__)
    callables = {n for n in public if callable(getattr(eb, n))}
    assert not (NOT_CALLABLE - public), f"NOT_CALLABLE lists names that are not public: {sorted(NOT_CALLABLE - public)}"
    assert not (callables & NOT_CALLABLE), f"callables listed as data: {sorted(callables & NOT_CALLABLE)}"
    unlisted = public - callables - NOT_CALLABLE
    assert not unlisted, f"public data names neither fuzzed nor listed in NOT_CALLABLE: {sorted(unlisted)}"
    assert not (callables - bad), f"public functions/classes without a bad-input case: {sorted(callables - bad)}"
    assert not (callables - valid), f"public functions/classes without a valid-call case: {sorted(callables - valid)}"
    assert not ((bad | valid) - public), f"cases for names that are not public: {sorted((bad | valid) - public)}"
