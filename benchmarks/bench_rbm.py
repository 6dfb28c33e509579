"""ebm_nb.BernoulliRBM vs scikit-learn's BernoulliRBM, same data and hyper-parameters in the same run.

1. time per epoch (n_components=64, learning_rate=0.1, batch_size=10, n_iter=20), best of 3 after a warm-up, for
   float64 input and again for float32 input;
2. the exact log-likelihood (train and held-out) of both fitted models over several seeds, n_components=20;
3. exact log Z over 2^20 hidden states: ebm_nb's Gray-code kernel vs a batched NumPy enumeration.

Data: scikit-learn's 8×8 digits scaled to [0, 1] and binarised at 0.5 (75 % train, 25 % held out).
Run: python benchmarks/bench_rbm.py [--seeds 32] [--quick] [--json]
"""
import argparse
import math
import time

import numpy as np
from scipy.special import logsumexp
from sklearn.neural_network import BernoulliRBM as SkRBM

import ebm_nb as eb
from _common import emit


def best_of(fn, n=3):
    fn()  # warm-up (compilation, caches)
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)


def numpy_log_z(W, bh, bv, chunk=1 << 14):
    "Batched enumeration of the hidden layer in NumPy: log Σ_h exp(bh·h + Σ_i logaddexp(0, bv + (hᵀW)_i))."
    n_h = W.shape[0]
    bits = np.arange(n_h)
    parts = []
    for start in range(0, 1 << n_h, chunk):
        H = ((np.arange(start, min(start + chunk, 1 << n_h))[:, None] >> bits) & 1).astype(np.float64)
        parts.append(logsumexp(H @ bh + np.logaddexp(0.0, H @ W + bv).sum(axis=1)))
    return float(logsumexp(parts))


def with_params(W, bh, bv, X):
    "An ebm_nb.BernoulliRBM holding the given parameters (e.g. a scikit-learn model's)."
    m = eb.BernoulliRBM(n_components=W.shape[0], n_iter=0).fit(X[:2])  # sets the shapes
    m.components_, m.intercept_hidden_, m.intercept_visible_ = np.ascontiguousarray(W), bh.copy(), bv.copy()
    return m


def exact_loglik(W, bh, bv, X):
    return float(with_params(W, bh, bv, X).log_likelihood(X).mean())


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=32, help="seeds per estimator for the log-likelihood comparison (default 32)")
    ap.add_argument("--quick", action="store_true", help="fewer seeds and epochs (a smoke test, not a measurement)")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object instead of text")
    a = ap.parse_args(argv)
    emit(_run, a, indent=2)


def _run(a, res):
    Xtr, Xte = eb.load_binary_digits(0)
    X = np.vstack([Xtr, Xte])
    n_iter = 5 if a.quick else 20
    seeds = 4 if a.quick else a.seeds
    print(f"digits binarised: {X.shape[0]} images × {X.shape[1]} pixels; batch_size=10, learning_rate=0.1")

    # 1. speed
    hp = dict(n_components=64, learning_rate=0.1, batch_size=10, n_iter=n_iter, random_state=0)
    t_ours = best_of(lambda: eb.BernoulliRBM(**hp).fit(X)) / n_iter
    t_sk = best_of(lambda: SkRBM(**hp).fit(X)) / n_iter
    print(f"\n1. time per epoch, n_components=64, {n_iter} epochs, best of 3 after a warm-up")
    print(f"   ebm_nb  {1e3 * t_ours:8.2f} ms")
    print(f"   sklearn {1e3 * t_sk:8.2f} ms      ratio sklearn/ebm_nb = {t_sk / t_ours:.2f}×")
    res["epoch_seconds"] = dict(ebm_nb=t_ours, sklearn=t_sk, ratio=t_sk / t_ours, n_iter=n_iter)
    X32 = X.astype(np.float32)
    t_ours32 = best_of(lambda: eb.BernoulliRBM(**hp).fit(X32)) / n_iter
    t_sk32 = best_of(lambda: SkRBM(**hp).fit(X32)) / n_iter
    print("   float32 input (ebm_nb computes in float64 and returns float32; scikit-learn computes in float32):")
    print(f"   ebm_nb  {1e3 * t_ours32:8.2f} ms")
    print(f"   sklearn {1e3 * t_sk32:8.2f} ms      ratio sklearn/ebm_nb = {t_sk32 / t_ours32:.2f}×")
    res["epoch_seconds_float32"] = dict(ebm_nb=t_ours32, sklearn=t_sk32, ratio=t_sk32 / t_ours32, n_iter=n_iter)

    # 2. exact log-likelihood of both fitted models over seeds
    rows = {"ebm_nb": [], "sklearn": []}
    for s in range(seeds):
        hp = dict(n_components=20, learning_rate=0.1, batch_size=10, n_iter=n_iter, random_state=s)
        m = eb.BernoulliRBM(**hp).fit(Xtr)
        rows["ebm_nb"].append((m.log_likelihood(Xtr).mean(), m.log_likelihood(Xte).mean()))
        k = SkRBM(**hp).fit(Xtr)
        W, bh, bv = k.components_, k.intercept_hidden_, k.intercept_visible_
        rows["sklearn"].append((exact_loglik(W, bh, bv, Xtr), exact_loglik(W, bh, bv, Xte)))
    print(f"\n2. exact log-likelihood (nats per image), n_components=20, {n_iter} epochs, {seeds} seeds (mean ± s.e.)")
    stats = {}
    for name, r in rows.items():
        r = np.array(r); mu = r.mean(axis=0); se = r.std(axis=0, ddof=1) / math.sqrt(len(r))
        stats[name] = (mu, se)
        print(f"   {name:8s} train {mu[0]:8.3f} ± {se[0]:.3f}   held-out {mu[1]:8.3f} ± {se[1]:.3f}")
    d = stats["ebm_nb"][0][1] - stats["sklearn"][0][1]
    sd = math.hypot(stats["ebm_nb"][1][1], stats["sklearn"][1][1])
    print(f"   held-out difference ebm_nb − sklearn = {d:+.3f} ± {sd:.3f} nats ({d / sd:+.1f} s.e.)")
    res["loglik"] = dict(seeds=seeds, n_iter=n_iter, **{f"{n}_{w}": dict(mean=float(stats[n][0][i]), stderr=float(stats[n][1][i]))
                                                        for n in stats for i, w in enumerate(("train", "test"))},
                         test_difference=d, test_difference_stderr=sd)
    pl, pl_exact = k.score_samples(Xte).mean(), with_params(W, bh, bv, Xtr).score_samples(Xte).mean()
    print(f"   (on sklearn's last model: its score_samples, a one-pixel pseudo-likelihood estimate, {pl:.3f}; the exact "
          f"pseudo-likelihood {pl_exact:.3f}; the true log-likelihood {rows['sklearn'][-1][1]:.3f})")
    res["pseudo_likelihood_last_sklearn_model"] = dict(sklearn_estimate=float(pl), exact=float(pl_exact))

    # 3. exact log Z over 2^20 hidden states
    W, bh, bv = k.components_.copy(order="C"), k.intercept_hidden_.copy(), k.intercept_visible_.copy()
    lz = [None, None]
    def ours(): lz[0] = eb.rbm_log_partition_exact(W, bh, bv)
    def ref(): lz[1] = numpy_log_z(W, bh, bv)
    t_o = best_of(ours, 3); t_r = best_of(ref, 1 if a.quick else 3)
    print(f"\n3. exact log Z over 2^20 hidden states (64 visible)")
    print(f"   ebm_nb  {t_o:8.3f} s   log Z = {lz[0]:.12f}")
    print(f"   NumPy   {t_r:8.3f} s   log Z = {lz[1]:.12f}   ratio NumPy/ebm_nb = {t_r / t_o:.1f}×   |Δ| = {abs(lz[0] - lz[1]):.1e}")
    res["log_z_2_20"] = dict(ebm_nb=t_o, numpy=t_r, ratio=t_r / t_o, abs_diff=abs(lz[0] - lz[1]))


if __name__ == "__main__":
    main()
