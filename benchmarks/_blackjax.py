"""BlackJAX's NUTS and HMC on bench_mcmc's targets: the peers of ebm_nb's `method="nuts"` and `method="hmc"` rows.

Imported by bench_mcmc.py only where `import blackjax` works; importing this module turns on JAX's float64
(`jax_enable_x64`) for the whole process, so the targets are sampled in the same precision as ebm_nb's.

One chain is one jitted function, warm-up and draws together (`jax.lax.scan` over the transitions), compiled once
ahead of time (`jax.jit(...).lower(...).compile()`) per (target, algorithm, metric, warm-up, draws); `run` then calls
that compiled function for the 4 chains one after another, so its wall time includes warm-up but not compilation.
Each transition is a chain of small dependent operations that XLA runs on one core: bench_mcmc's `cpu_seconds`
(process CPU time) stays close to the wall time.

Warm-up, matched to ebm_nb's (target acceptance 0.8, initial step 1, Nesterov dual averaging with Stan's constants):
  * metric="dense": `blackjax.window_adaptation(..., is_mass_matrix_diagonal=False)`, Stan's windows per chain (fast
    75, slow windows doubling from 25, fast 50) adapting the step size and a dense inverse mass matrix (ebm_nb instead
    pools the 4 chains' draws for its covariance, in windows 1 : 2 : 4 over the first half of the warm-up);
  * metric="diag": the same with `is_mass_matrix_diagonal=True`;
  * metric="identity": only the step size, by BlackJAX's dual averaging (`adaptation.step_size.
    dual_averaging_adaptation`) over the whole warm-up, frozen at its average, with a unit mass matrix, as ebm_nb's
    `metric="identity"` (window_adaptation has no identity metric: its diagonal one would adapt per-coordinate scales).
HMC takes 16 leapfrog steps (ebm_nb's `n_leapfrog` default, which ebm_nb jitters by ±10 % and BlackJAX does not);
NUTS at most 2^10 - 1 (BlackJAX's `max_num_doublings=10`, ebm_nb's `max_depth=10`); both call a transition
divergent above an energy error of 1000, as ebm_nb.
"""
import time

import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np

import blackjax
from blackjax.adaptation.base import get_filter_adapt_info_fn
from blackjax.adaptation.step_size import dual_averaging_adaptation

VERSIONS = dict(blackjax=blackjax.__version__, jax=jax.__version__)
TARGET_ACCEPT = 0.8
N_LEAPFROG = 16
ALGORITHMS = {"nuts": (blackjax.nuts, {}), "hmc": (blackjax.hmc, {"num_integration_steps": N_LEAPFROG})}


def banana_logdensity(x):
    "bench_mcmc's banana in jax.numpy: -[(1 - x)² + 100 (y - x²)²] / 20."
    return -((1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2) / 20.0


def gaussian_logdensity(prec):
    "A centred Gaussian's log density, -xᵀ P x / 2, for the precision matrix P (bench_mcmc's gauss20: Σ⁻¹ of the AR(1) Σ)."
    P = jnp.asarray(prec, dtype=jnp.float64)
    return lambda x: -0.5 * x @ (P @ x)


def logdensity(name, prec=None):
    "The jax.numpy log density of bench_mcmc's target `name` ('banana', or 'gauss20' with its precision matrix)."
    if name == "banana": return banana_logdensity
    if name == "gauss20": return gaussian_logdensity(prec)
    raise ValueError(f"no jax log density for target {name!r}")


def _identity_warmup(algorithm, logdensity_fn, n_warmup, extra, target_accept):
    "A warm-up adapting only the step size (dual averaging), unit metric: returns run(key, x0) -> (state, parameters)."
    kernel = algorithm.build_kernel()
    da_init, da_update, da_final = dual_averaging_adaptation(target_accept)

    def run(key, x0):
        imm = jnp.ones(x0.shape[0])

        def one(carry, k):
            state, da = carry
            state, info = kernel(k, state, logdensity_fn, jnp.exp(da.log_step_size), imm, **extra)
            alpha = jnp.nan_to_num(info.acceptance_rate, nan=0.0)   # a failed proposal counts as a rejection, as ebm_nb
            return (state, da_update(da, alpha)), None

        (state, da), _ = jax.lax.scan(one, (algorithm.init(x0, logdensity_fn), da_init(1.0)), jax.random.split(key, n_warmup))
        return state, dict(step_size=da_final(da), inverse_mass_matrix=imm, **extra)
    return run


def _window_warmup(algorithm, logdensity_fn, n_warmup, extra, diagonal, target_accept):
    "BlackJAX's Stan-style window adaptation (step size and metric): returns run(key, x0) -> (state, parameters)."
    warmup = blackjax.window_adaptation(algorithm, logdensity_fn, is_mass_matrix_diagonal=diagonal,
                                        target_acceptance_rate=target_accept, initial_step_size=1.0,
                                        adaptation_info_fn=get_filter_adapt_info_fn(), **extra)

    def run(key, x0):
        (state, parameters), _ = warmup.run(key, x0, num_steps=n_warmup)
        return state, parameters
    return run


def chain_fn(logdensity_fn, method, metric, n_warmup, n_draws, target_accept=TARGET_ACCEPT):
    """One chain, warm-up then `n_draws` draws, as a pure function (key, x0) -> (draws (n_draws, d), acceptance,
    divergent, leapfrog steps per draw, step size), to be jitted."""
    algorithm, extra = ALGORITHMS[method]
    if metric == "identity": warmup = _identity_warmup(algorithm, logdensity_fn, n_warmup, extra, target_accept)
    elif metric in ("diag", "dense"): warmup = _window_warmup(algorithm, logdensity_fn, n_warmup, extra, metric == "diag", target_accept)
    else: raise ValueError(f"metric must be 'identity', 'diag' or 'dense', got {metric!r}")

    def chain(key, x0):
        k_warm, k_draw = jax.random.split(key)
        state, parameters = warmup(k_warm, x0)
        kernel = algorithm(logdensity_fn, **parameters)

        def one(state, k):
            state, info = kernel.step(k, state)
            return state, (state.position, info.acceptance_rate, info.is_divergent, info.num_integration_steps)

        _, (draws, acc, div, n_lf) = jax.lax.scan(one, state, jax.random.split(k_draw, n_draws))
        return draws, acc, div, n_lf, parameters["step_size"]
    return chain


def compile_chain(logdensity_fn, method, metric, dim, n_warmup, n_draws, target_accept=TARGET_ACCEPT):
    "`chain_fn` jitted and compiled ahead of time for a float64 start of length `dim`: (compiled, compile seconds)."
    t0 = time.perf_counter()
    compiled = jax.jit(chain_fn(logdensity_fn, method, metric, n_warmup, n_draws, target_accept)).lower(
        jax.random.key(0), jax.ShapeDtypeStruct((dim,), jnp.float64)).compile()
    return compiled, time.perf_counter() - t0


def run(compiled, x0, seed):
    """Run the compiled chain from each row of x0 (n_chains, d), one chain after another, with keys split from `seed`.
    Returns (wall seconds of the chains, warm-up included, compilation not; draws (n_chains, n_draws, d) as NumPy;
    a dict of the mean acceptance, divergent transitions, mean leapfrog steps per draw, adapted step sizes)."""
    keys = jax.random.split(jax.random.key(seed), x0.shape[0])
    x0 = jnp.asarray(x0, dtype=jnp.float64)
    t0 = time.perf_counter()
    outs = [jax.block_until_ready(compiled(keys[c], x0[c])) for c in range(x0.shape[0])]
    secs = time.perf_counter() - t0
    draws, acc, div, n_lf, step = (np.stack([np.asarray(o[i]) for o in outs]) for i in range(5))
    return secs, draws, dict(acceptance=float(acc.mean()), divergent=int(div.sum()),
                             leapfrog_per_draw=float(n_lf.mean()), step_size=[float(s) for s in step])
