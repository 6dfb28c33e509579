"""Tests of ebm_nb.cluster: `sweep` over a Dask LocalCluster equals the local run, bit for bit, even when a worker is
killed while it holds a task; a task's exception reaches the caller."""
import concurrent.futures
import logging
import os
import signal
import sys

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
                                       env={"NUMBA_NUM_THREADS": "1", "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", "")})
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
    with pytest.raises(ValueError, match="point 1 failed on purpose"):
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
