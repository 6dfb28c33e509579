"""Tests of ebm_nb.cluster and every `client=`: `sweep`, `sample` (chains), AIS (runs) and tempering (ladders) over a
Dask LocalCluster equal the local run, bit for bit, even when a worker is killed while it holds a task; a task's
exception reaches the caller; a task's numba threads match its worker's."""
import concurrent.futures
import logging
import os
import signal
import sys

import numba
import numpy as np
import pytest

import ebm_nb as eb

distributed = pytest.importorskip("distributed")   # the dev extra installs it; CI runs these tests
import cloudpickle  # noqa: E402 (comes with distributed)

cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the workers cannot import this test module


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.CRITICAL,
                                       env={"NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", "")})   # no NUMBA_NUM_THREADS: the tasks set it
    c = distributed.Client(cluster)
    yield c
    c.close(); cluster.close()


def ising_point(beta, L, seed):
    s = eb.Ising(L, beta).sample(200, n_chains=2, seed=seed, warmup=50, keep_draws=False)
    return s.energy.tolist(), s.magnetization.tolist()


def held_point(i, seed, hold=False):
    "A point whose task, if `hold`, tells the test its worker's pid and waits to be killed (or released)."
    if hold:
        distributed.Variable("ebm_nb-test-pid").set(os.getpid())
        distributed.Event("ebm_nb-test-started").set()
        distributed.Event("ebm_nb-test-go").wait(timeout=60)
    return eb.Ising(8, 0.4).sample(50, n_chains=2, seed=seed, warmup=10, keep_draws=False).energy.tolist()


def fails(x, seed):
    raise ValueError(f"point {x} failed on purpose")


def test_ising_sweep_equals_local(client):
    grid = {"beta": [0.3, 0.4407, 0.6], "L": [4, 8]}
    local = eb.sweep(ising_point, grid, seed=5)
    assert eb.sweep(ising_point, grid, seed=5, client=client) == local
    assert eb.sweep(ising_point, grid, seed=6) != local


def test_killed_worker_gives_the_same_result(client):
    grid = [dict(i=i, hold=(i == 2)) for i in range(6)]
    local = eb.sweep(held_point, [dict(p, hold=False) for p in grid], seed=11)
    started, go = distributed.Event("ebm_nb-test-started", client=client), distributed.Event("ebm_nb-test-go", client=client)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        job = pool.submit(eb.sweep, held_point, grid, seed=11, client=client)
        assert started.wait(timeout=60), "the held task never started"
        pid = distributed.Variable("ebm_nb-test-pid", client=client).get(timeout=10)
        assert pid in client.run(os.getpid).values()
        os.kill(pid, signal.SIGKILL)                 # the worker dies while it holds the task
        go.set()                                     # the rerun (elsewhere, or on the restarted worker) goes on
        remote = job.result(timeout=120)
    assert remote == local
    assert pid not in client.run(os.getpid).values()   # that worker process is gone


def test_task_error_reaches_the_caller(client):
    with pytest.raises(ValueError, match="point [12] failed on purpose"):   # whichever task fails first
        eb.sweep(fails, {"x": [1, 2]}, client=client)


def test_local_sweep_and_bad_input():
    out = eb.sweep(lambda a, b, seed: (a, b, int(np.random.default_rng(seed).integers(1000))), {"a": [1, 2], "b": [3]}, seed=0)
    assert [o[:2] for o in out] == [(1, 3), (2, 3)]
    assert out == eb.sweep(lambda a, b, seed: (a, b, int(np.random.default_rng(seed).integers(1000))), {"a": [1, 2], "b": [3]}, seed=0)
    with pytest.raises(TypeError, match="fn"):
        eb.sweep(3, {"a": [1]})
    with pytest.raises(TypeError, match="client"):
        eb.sweep(lambda a, seed: a, {"a": [1]}, client=object())
    with pytest.raises(TypeError, match="grid"):
        eb.sweep(lambda a, seed: a, 5)


def _bm(d, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.4, (d, d)); W = np.triu(W, 1); W = W + W.T
    return eb.BoltzmannMachine(W, rng.normal(0, 0.5, d))


@pytest.mark.parametrize("make", [lambda: _bm(10, 1), lambda: eb.Ising(6, 0.4), lambda: eb.Gaussian(mu=np.zeros(3), cov=np.eye(3) * 2.0)],
                         ids=["boltzmann", "ising", "gaussian"])
def test_ais_on_the_cluster_equals_local(client, make):
    model = make()
    local = model.log_partition("ais", n_runs=37, n_steps=200, seed=4)
    remote = model.log_partition("ais", n_runs=37, n_steps=200, seed=4, client=client)
    assert remote == local
    ss_local, ss_remote = np.random.SeedSequence(9), np.random.SeedSequence(9)
    a = eb.ais_log_weights(model, 20, 50, seed=ss_local)[0]
    b = eb.ais_log_partition(model, 20, 50, seed=ss_remote, client=client)
    assert ss_local.n_children_spawned == ss_remote.n_children_spawned     # the caller's sequence advances alike
    assert b == eb.ais_log_partition(model, 20, 50, seed=np.random.SeedSequence(9))


def test_ais_with_a_killed_worker_equals_local(client):
    model = eb.Ising(16, 0.44)
    kw = dict(n_runs=64, n_steps=3000, seed=2)
    local = model.log_partition("ais", **kw)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        job = pool.submit(model.log_partition, "ais", client=client, **kw)
        for _ in range(600):                                   # wait until a worker is busy with a block of runs
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy: break
            import time; time.sleep(0.01)
        assert busy, "no task was ever processing"
        pids = client.run(os.getpid)
        os.kill(pids[busy[0]], signal.SIGKILL)
        remote = job.result(timeout=300)
    assert remote == local
    assert pids[busy[0]] not in client.run(os.getpid).values()


def test_cli_logz_through_a_scheduler(client, capsys):
    import json
    from ebm_nb.cli import main
    args = ["logz", "ising", "--L", "6", "--beta", "0.4", "--method", "ais", "--n-runs", "16", "--n-steps", "300", "--json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(args + ["--scheduler", client.scheduler.address]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert (remote["log_z"], remote["stderr"]) == (local["log_z"], local["stderr"])
    with pytest.raises(ValueError, match="scheduler"):
        eb.demo.run_logz("gaussian", method="quadrature", scheduler=client.scheduler.address)


def test_tasks_use_the_workers_threads(client):
    "Each worker has one thread (numba's default here is the core count): the package's tasks run one numba thread."
    assert eb.sweep(lambda i, seed: numba.get_num_threads(), {"i": [0, 1, 2, 3]}, client=client) == [1, 1, 1, 1]


def _user_energy(x, p):       # a user's energy, pickled by value: compiled again on each worker
    return 0.5 * (x[0] ** 2 + 4.0 * x[1] ** 2) + p[0] * x[0] * x[1]


def _user_grad(x, p, out):
    out[0] = x[0] + p[0] * x[1]; out[1] = 4.0 * x[1] + p[0] * x[0]


def _same_samples(a, b):
    for k in ("draws", "accept_stat", "lp", "step_size", "acceptance_rate", "energy", "magnetization", "covariance", "n_leapfrog"):
        x, y = getattr(a, k, None), getattr(b, k, None)
        assert (x is None) == (y is None), k
        if x is not None: assert np.array_equal(np.asarray(x), np.asarray(y)), k


SAMPLED = {
    "gaussian-hmc": (lambda: eb.Gaussian(mu=np.zeros(3), cov=np.diag([1.0, 4.0, 9.0])), dict(warmup=200)),
    "gaussian-dense-metric": (lambda: eb.Gaussian(mu=np.zeros(3), cov=np.diag([1.0, 4.0, 9.0])), dict(warmup=200, metric="dense")),
    "gaussian-nuts-diag": (lambda: eb.Gaussian(mu=np.zeros(3), cov=np.diag([1.0, 4.0, 9.0])), dict(warmup=200, method="nuts", metric="diag")),
    "user-energy-mala": (lambda: eb.Energy(_user_energy, [0.5], dim=2, grad=_user_grad), dict(warmup=200, method="mala")),
    "boltzmann-gibbs": (lambda: _bm(8, 3), dict()),
    "ising-metropolis": (lambda: eb.Ising(8, 0.4), dict()),
    "ising-wolff": (lambda: eb.Ising(8, 0.44), dict(method="wolff")),
    "ising-energies-only": (lambda: eb.Ising(8, 0.4), dict(keep_draws=False)),
    "ising-tempering": (lambda: eb.Ising(8, 0.44), dict(tempering=4, warmup=300)),
    "gaussian-tempering": (lambda: eb.Gaussian(mu=np.zeros(2), cov=np.eye(2)), dict(tempering=3, warmup=300)),
}


@pytest.mark.parametrize("name", list(SAMPLED))
def test_sample_on_the_cluster_equals_local(client, name):
    make, kw = SAMPLED[name]
    model = make()
    local = model.sample(150, n_chains=6, seed=7, **kw)
    _same_samples(model.sample(150, n_chains=6, seed=7, client=client, **kw), local)
    if "tempering" in kw: assert np.array_equal(local.tempering.rung_stat, model.sample(150, n_chains=6, seed=7, client=client, **kw).tempering.rung_stat)


def test_tempering_log_z_and_rbm_ais_on_the_cluster_equal_local(client):
    g = eb.Gaussian(mu=np.zeros(2), cov=np.diag([1.0, 2.0]))
    kw = dict(n_draws=300, n_chains=3, seed=4, warmup=300)
    assert g.log_partition("tempering", client=client, **kw) == g.log_partition("tempering", **kw)
    X = (np.random.default_rng(0).random((100, 12)) < 0.3).astype(float)
    rbm = eb.BernoulliRBM(n_components=30, n_iter=2, random_state=0).fit(X)      # 2^12 states: exact log Z to compare
    kw = dict(n_runs=10, n_steps=500, seed=5)
    remote = rbm.log_partition("ais", client=client, **kw)
    assert remote == rbm.log_partition("ais", **kw)
    assert abs(remote.log_z - rbm.log_partition("exact").log_z) < 5 * remote.stderr + 0.05
    with pytest.raises(TypeError, match="client"):
        g.sample(10, client="tcp://127.0.0.1:8786")        # an address is not a client


def test_cli_ising_through_a_scheduler(client, capsys):
    import json
    from ebm_nb.cli import main
    args = ["ising", "--L", "8", "--beta", "0.4", "--n-draws", "200", "--n-chains", "5", "--json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(args + ["--scheduler", client.scheduler.address]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["observables"] == local["observables"] and remote["rhat_energy"] == local["rhat_energy"]
