"""ebm_nb's Z-free estimators against what a Python user would write, on the same data in the same run.

1. Pseudo-likelihood (PL) of a 64-spin Boltzmann machine (2080 parameters: 2016 couplings, 64 fields) on 10⁴ samples,
   every fit started at θ = 0 and run to max|∂/∂θ| ≤ 1e-8 (the same stopping rule on both sides):
   * ebm_nb: `eb.fit(model, X, method="pl", optimizer="lbfgs", stderr=False)` as a user calls it — SciPy's L-BFGS-B
     on ebm_nb's numba PL kernel (fields, losses and XᵀR in one pass over blocks of rows; gtol=1e-8, ftol=0,
     maxcor=20, maxls=50; a restart if the line search stalls) and a Newton polish with the exact Hessian, inside the timed call; then the
     default call, which adds the sandwich standard errors of θ (≈ n p² operations), timed beside it;
   * NumPy + SciPy: the vectorised objective a Python user would write (H = X W + b, Σᵢ logaddexp(0, −2xᵢhᵢ) per row,
     the gradient by one matrix product Xᵀ R with the couplings tied), handed to `scipy.optimize.minimize(method=
     "L-BFGS-B", jac=True)` with the same options as ebm_nb's driver (gtol=1e-8, ftol=0, maxcor=20, maxls=50; SciPy's
     default ftol stops near max|grad| ~ 1e-5, short of the optimum).
   Both optima are checked to agree (max|Δθ| < 1e-4, objective values within 1e-9); the time of one evaluation
   (value and gradient) of each objective is printed beside. Threads: ebm_nb's PL kernel runs its row blocks in parallel
   on the numba threads, NumPy's matrix products on
   the BLAS threads (counted by threadpoolctl); a full run times both with all threads and with 1 thread each.
   Data: Gibbs draws (ebm_nb's sampler, 50 chains, thinned by 4) from a spin BM on an 8×8 torus (couplings 0.3 ± 0.1,
   fields N(0, 0.1²)): only that both sides fit the same data matters here.
2. Denoising score matching (DSM) against persistent CD (PCD) on a 2-D `NeuralEnergy` (32-32 swish MLP) on the
   standardised two-moons set (2000 training, 2000 held-out points): PCD with `fit_toy`'s settings (MALA, k = 10,
   100 chains, 100 epochs of batches of 100, Adam 0.01, averaging over the last 30 %), DSM with the same optimizer,
   epochs, batches and averaging at noise σ = 0.1; wall time of each fit and held-out log-likelihood with log Z by
   the box rule (±6, 241 nodes per axis). PCD is timed once (it takes ~10× DSM's time), DSM --repeats times.

Timings are medians over --repeats runs (3; 1 with --quick) after a warm-up that loads the kernels, with min–max.
--quick: one repeat, all threads only, a 16-16 MLP on 1000 points for 30 epochs (a smoke test, not a measurement).
Run: python benchmarks/bench_bypass.py [--repeats 3] [--quick] [--json]
"""
import argparse
import os
import platform
import statistics
import time
import warnings

import numba
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

import ebm_nb as eb
from _common import emit

TOL = 1e-8
LBFGS = dict(gtol=TOL, ftol=0.0, maxcor=20, maxls=50, maxiter=10_000)   # ebm_nb's own L-BFGS-B options


# --- 1. pseudo-likelihood ---------------------------------------------------------------------------------------------
def make_pl_numpy(d):
    "The vectorised NumPy PL of spins at β = 1 (mean over rows of −Σᵢ log P(xᵢ | x₋ᵢ)) and its gradient in θ."
    iu = np.triu_indices(d, 1); n_w = iu[0].size
    def pl(theta, X):
        W = np.zeros((d, d)); W[iu] = theta[:n_w]; W += W.T; b = theta[n_w:]
        M = 2.0 * X * (X @ W + b)                                   # log P(xᵢ | rest) = −log(1 + exp(−M))
        value = np.logaddexp(0.0, -M).sum(axis=1).mean()
        R = (-2.0 / X.shape[0]) * X * expit(-M)                     # ∂(mean loss)/∂hᵢ
        G = X.T @ R                                                 # G[j, i] = Σ_m x_mj R_mi
        return value, np.concatenate([(G + G.T)[iu], R.sum(axis=0)])   # W_ij enters hᵢ and hⱼ
    return pl


def scipy_lbfgs(f, theta0):
    "minimize(L-BFGS-B) of f (returning value, grad) from theta0 with ebm_nb's options; (θ, value, max|grad|, iterations, evaluations, message)."
    count = [0]
    def g(t): count[0] += 1; return f(t)
    r = minimize(g, theta0, jac=True, method="L-BFGS-B", options=LBFGS)
    return r.x, float(r.fun), float(np.abs(r.jac).max()), int(r.nit), count[0], str(r.message)


def blas_limit(threads):
    "A context limiting the BLAS threads (threadpoolctl; a no-op without it)."
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=threads, user_api="blas")
    except ImportError:
        import contextlib
        return contextlib.nullcontext()


def spread(ts):
    return dict(median=statistics.median(ts), min=min(ts), max=max(ts), runs=list(ts))


def blas_threads():
    "The BLAS libraries NumPy/SciPy loaded and their thread counts (threadpoolctl; None without it)."
    try:
        from threadpoolctl import threadpool_info
        return [dict(api=i.get("internal_api"), threads=i.get("num_threads"), prefix=i.get("prefix"))
                for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError: return None


def bench_pl(a, res):
    d, n, n_chains, warmup, thin = 64, 10_000, 50, 200, 4
    t0 = time.perf_counter()
    true = eb.torus_bm(8, 8, coupling=0.3, seed=0)
    S = true.sample(n // n_chains, n_chains=n_chains, method="gibbs", seed=1, warmup=warmup, thin=thin)
    X = np.ascontiguousarray(S.flat(), dtype=np.float64)
    t_data = time.perf_counter() - t0
    p = d * (d - 1) // 2 + d
    print(f"1. pseudo-likelihood, {d}-spin Boltzmann machine ({p} parameters), n = {X.shape[0]} Gibbs draws of an 8×8 torus BM "
          f"({n_chains} chains, warm-up {warmup}, thin {thin}: {t_data:.1f} s to draw)")
    pl_np = make_pl_numpy(d)
    theta0 = np.zeros(p)
    def fresh(): return eb.BoltzmannMachine(np.zeros((d, d)), domain="spin")
    m = fresh()
    def eb_obj(t):
        m.set_theta(t); return eb.objective(m, X, "pl")
    # the two objectives agree (value and gradient) before anything is timed
    v_e, g_e = eb_obj(theta0); v_n, g_n = pl_np(theta0, X)
    assert abs(v_e - v_n) < 1e-10 and np.abs(g_e - g_n).max() < 1e-10, (v_e, v_n, np.abs(g_e - g_n).max())
    # warm-up: load the kernels and BLAS (a fit on 500 rows, one evaluation of each objective)
    eb.fit(fresh(), X[:500], method="pl", optimizer="lbfgs", progress=False); pl_np(theta0, X)

    max_threads = numba.get_num_threads()
    configs = [max_threads] + ([1] if max_threads > 1 and not a.quick else [])
    fmt = lambda s: f"{s['median']:6.2f} s [{s['min']:.2f}–{s['max']:.2f}]"
    res["pl"] = dict(d=d, n=int(X.shape[0]), n_theta=p, tol=TOL, lbfgs_options=LBFGS, data_seconds=t_data, runs=[])
    print(f"   time from θ = 0 to max|grad| ≤ {TOL:g}, median [min–max] of {a.repeats}; per evaluation (value and gradient "
          f"at the optimum, median of {5 if a.quick else 15})")
    print(f"   {'threads':>7s} {'contender':34s} {'seconds':>21s} {'iters':>5s} {'max|grad|':>9s} {'objective':>18s} {'per eval':>9s}")
    for threads in configs:
        numba.set_num_threads(threads)
        with blas_limit(threads):
            t_fit, t_se, t_np = [], [], []
            for _ in range(a.repeats):
                mf = fresh()
                t = time.perf_counter(); h = eb.fit(mf, X, method="pl", optimizer="lbfgs", stderr=False, progress=False)
                t_fit.append(time.perf_counter() - t)
                t = time.perf_counter(); h_se = eb.fit(fresh(), X, method="pl", optimizer="lbfgs", progress=False)
                t_se.append(time.perf_counter() - t)
                assert np.array_equal(h_se["final_theta"], h["final_theta"]) and np.isfinite(h_se["stderr"]).all()
                t = time.perf_counter(); th_np, f_np, gmax_np, it_np, ev_np, msg_np = scipy_lbfgs(lambda t_: pl_np(t_, X), theta0)
                t_np.append(time.perf_counter() - t)
            th_opt = h["final_theta"]
            def per_eval(f, k=5 if a.quick else 15):
                ts = []
                for _ in range(k):
                    t = time.perf_counter(); f(th_opt); ts.append(time.perf_counter() - t)
                return statistics.median(ts)
            e_eb, e_np = per_eval(eb_obj), per_eval(lambda t_: pl_np(t_, X))
            blas = blas_threads()
        # the same optimum: θ, and the objective of both end points scored by the NumPy objective
        f_at_fit, g_at_fit = pl_np(th_opt, X)
        dth, df = float(np.abs(th_opt - th_np).max()), abs(f_at_fit - pl_np(th_np, X)[0])
        same = dict(max_abs_dtheta=dth, abs_dobjective=df, grad_max_of_fit_by_numpy=float(np.abs(g_at_fit).max()),
                    ok=bool(dth < 1e-4 and df < 1e-9))
        T_fit, T_se, T_np = spread(t_fit), spread(t_se), spread(t_np)
        run = dict(numba_threads=threads, blas=blas, ebm_nb_fit=dict(seconds=T_fit, iterations=int(h["iterations"]),
                   restarts=int(h["restarts"]), newton_steps=int(h["newton_steps"]), grad_max=float(h["grad_max"]),
                   objective=float(h["final_objective"]), converged=bool(h["converged"])),
                   ebm_nb_fit_with_stderr=dict(seconds=T_se, ratio=T_np["median"] / T_se["median"]),
                   numpy_scipy=dict(seconds=T_np, iterations=it_np, evaluations=ev_np, grad_max=gmax_np, objective=f_np,
                                    converged=gmax_np <= TOL, message=msg_np),
                   ratio=T_np["median"] / T_fit["median"], per_eval_seconds=dict(ebm_nb=e_eb, numpy=e_np, ratio=e_np / e_eb),
                   same_optimum=same)
        res["pl"]["runs"].append(run)
        bl = "+".join(str(b["threads"]) for b in blas or []) or "?"
        print(f"   {threads:>7d} {'ebm_nb eb.fit':34s} {fmt(T_fit):>21s} {h['iterations']:>5d} {h['grad_max']:9.1e} "
              f"{h['final_objective']:18.13f} {1e3 * e_eb:6.1f} ms")
        print(f"   {'':7s} {'  ... and its standard errors':34s} {fmt(T_se):>21s}")
        print(f"   {bl:>7s} {'NumPy objective + SciPy L-BFGS-B':34s} {fmt(T_np):>21s} {it_np:>5d} {gmax_np:9.1e} {f_np:18.13f} {1e3 * e_np:6.1f} ms")
        print(f"   {'':7s} eb.fit: {h['restarts']} L-BFGS restart(s), {h['newton_steps']} Newton step(s); SciPy on NumPy: {ev_np} evaluations")
        print(f"   {'':7s} ratio NumPy/ebm_nb: {run['ratio']:.2f}× to the optimum ({T_np['median'] / T_se['median']:.2f}× with the "
              f"standard errors, which NumPy's does not compute), {e_np / e_eb:.2f}× per evaluation;  "
              f"max|Δθ| = {dth:.1e}, |Δ objective| = {df:.1e}: {'the same optimum' if same['ok'] else 'NOT THE SAME OPTIMUM'}")
        if gmax_np > TOL: print(f"   {'':7s} (SciPy stopped at max|grad| = {gmax_np:.2e}, just above {TOL:g}: {msg_np})")
    numba.set_num_threads(max_threads)
    first = res["pl"]["runs"][0]
    print(f"   ebm_nb's PL kernel runs its row blocks in parallel on the numba threads; the NumPy objective's matrix products "
          f"use the BLAS threads (threadpoolctl), its ufuncs one")
    res["pl"]["ratio"] = first["ratio"]


# --- 2. DSM against PCD on a 2-D neural energy ------------------------------------------------------------------------
BOX, NODES = ((-6.0, 6.0), (-6.0, 6.0)), 241


def toy_setup(name, seed, n_train, n_test, hidden):
    "fit_toy's data (standardised by the training set), initial weights and fit seed, drawn afresh (a SeedSequence is spent by use)."
    ss_data, ss_model, ss_fit = np.random.SeedSequence(seed).spawn(3)
    X = eb.toy_data(name, n_train + n_test, seed=ss_data)
    mean, sd = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    model = eb.NeuralEnergy(hidden=hidden, activation="swish", confinement=2.0, seed=ss_model)
    return (X[:n_train] - mean) / sd, (X[n_train:] - mean) / sd, mean, sd, model, ss_fit


def held_out(model, test):
    "Mean held-out log-likelihood, log Z by the box rule; and the rule's error estimate."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # the edge warning: the box is checked by lz.stderr below
        lz = eb.box_log_partition(model, BOX, NODES)
    return float((-model.beta * model.energy(test) - lz.log_z).mean()), float(lz.stderr)


def bench_dsm(a, res):
    name, seed = "moons", 0
    if a.quick: n_train, hidden, epochs = 1000, (16, 16), 30
    else: n_train, hidden, epochs = 2000, (32, 32), 100
    n_test, sigma = 2000, 0.1
    pcd = dict(method="pcd", k=10, n_chains=100, sampler="mala", step_size=0.15)
    dsm = dict(method="dsm", noise_scale=sigma)
    common = dict(epochs=epochs, batch_size=100, optimizer="adam", learning_rate=0.01, average=0.3, progress=False)
    print(f"\n2. DSM against PCD: NeuralEnergy{hidden} swish on standardised {name}, {n_train} training / {n_test} held-out "
          f"points, {epochs} epochs of batches of 100, Adam 0.01, averaged over the last 30 %")
    # warm-up: load the MALA/PCD and DSM kernels
    tr, *_, m, ssf = toy_setup(name, seed, 200, 10, hidden)
    for opts in (pcd, dsm): eb.fit(m, tr, **opts, **dict(common, epochs=1), seed=1)
    out = {}
    for label, opts, runs in (("pcd", pcd, 1), ("dsm", dsm, a.repeats)):   # one PCD run: it takes ~10× DSM's time
        ts, thetas = [], []
        for _ in range(runs):
            train, test, mean, sd, model, ss_fit = toy_setup(name, seed, n_train, n_test, hidden)
            t = time.perf_counter(); eb.fit(model, train, **opts, **common, seed=ss_fit); ts.append(time.perf_counter() - t)
            thetas.append(model.get_theta())
        assert all(np.array_equal(th, thetas[0]) for th in thetas), "the same seeds must give the same fit"
        ll, lz_err = held_out(model, test)
        out[label] = dict(seconds=spread(ts), runs=runs, test_loglik=ll, log_z_stderr=lz_err)
    gauss = eb.Gaussian(mu=train.mean(axis=0), cov=np.cov(train.T, bias=True))
    ll_true = float((eb.toy_log_density(name, test * sd + mean) + np.log(sd).sum()).mean())
    ll_gauss = float(gauss.log_prob(test).mean())
    ratio = out["pcd"]["seconds"]["median"] / out["dsm"]["seconds"]["median"]
    fmt = lambda s: f"{s['median']:7.2f} s [{s['min']:.2f}–{s['max']:.2f}]"
    print(f"   wall time of the fit (PCD: one run; DSM: median [min–max] of {a.repeats}); held-out log-likelihood in nats per point")
    for label, text in (("pcd", "PCD (MALA, k = 10, 100 chains)"), ("dsm", f"DSM (σ = {sigma})")):
        print(f"   {text:32s} {fmt(out[label]['seconds'])}   held-out {out[label]['test_loglik']:8.4f}  (log Z ± {out[label]['log_z_stderr']:.0e})")
    print(f"   ratio PCD/DSM time = {ratio:.1f}×;  held-out DSM − PCD = {out['dsm']['test_loglik'] - out['pcd']['test_loglik']:+.4f} nats")
    print(f"   for scale: the true density {ll_true:.4f}, a Gaussian fit {ll_gauss:.4f}")
    res["dsm"] = dict(data=name, n_train=n_train, n_test=n_test, hidden=list(hidden), epochs=epochs, noise_scale=sigma,
                      box=[list(b) for b in BOX], nodes=NODES, **out, ratio=ratio,
                      test_difference=out["dsm"]["test_loglik"] - out["pcd"]["test_loglik"],
                      true_loglik=ll_true, gaussian_loglik=ll_gauss)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each contender (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="one repeat, a smaller DSM/PCD problem (a smoke test, not a measurement)")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object instead of text")
    a = ap.parse_args(argv)
    if a.quick: a.repeats = 1
    emit(_run, a)


def _run(a, res):
    res["machine"] = dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), numba_threads=numba.get_num_threads(),
                          blas=blas_threads(), numba=numba.__version__, numpy=np.__version__)
    t0 = time.perf_counter()
    bench_pl(a, res)
    bench_dsm(a, res)
    res["machine"]["load_average"] = [round(x, 2) for x in os.getloadavg()]
    res["total_seconds"] = time.perf_counter() - t0
    print(f"\n{os.cpu_count()} CPUs, numba {numba.__version__} ({numba.get_num_threads()} threads), numpy {np.__version__}; "
          f"load average at the end {res['machine']['load_average'][0]:.2f}; {res['total_seconds']:.0f} s in all")


if __name__ == "__main__":
    main()
