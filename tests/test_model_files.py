"""Model files: `BernoulliRBM.save` and `fit(..., checkpoint=...)` write atomically (a writer killed half-way leaves the
old file intact and loadable), loads never unpickle, and a truncated, corrupted, tampered or foreign file is a clear
ValueError."""
import os
import pickle
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import ebm_nb as eb
import ebm_nb.training as tr
from ebm_nb.rbm import BernoulliRBM

X = (np.random.default_rng(0).random((60, 10)) < 0.4).astype(np.float64)
DATA = np.random.default_rng(1).normal(1.0, 0.5, size=200)
KW = dict(method="pcd", k=1, epochs=4, batch_size=50, learning_rate=0.05, step_size=0.5, seed=2, progress=False,
          optimizer="adam")

# Run in a child process: replace np.savez by a writer that writes the first half of the real file, syncs it, and then
# kills its own process with SIGKILL — a crash in the middle of a write, at a reproducible point.
KILL_MIDWAY = r'''
import io, os, signal, sys, numpy as np
real = np.savez
def half_then_die(file, *args, **kwds):
    buf = io.BytesIO(); real(buf, *args, **kwds); data = buf.getvalue()
    f = file if hasattr(file, "write") else open(file, "wb")
    f.write(data[:len(data) // 2]); f.flush(); os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)
np.savez = half_then_die
'''


def _child(code, tmp_path):
    r = subprocess.run([sys.executable, "-c", KILL_MIDWAY + code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    return r


def _same_rbm(a, b):
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in
               ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_", "base_visible_bias_"))


@pytest.fixture(scope="module")
def rbm():
    return BernoulliRBM(n_components=4, n_iter=2, random_state=0).fit(X)


def test_rbm_save_killed_midway_leaves_old_file(tmp_path, rbm):
    p = tmp_path / "model.npz"
    rbm.save(p)
    before = p.read_bytes()
    r = _child("import numpy as np, ebm_nb as eb\n"
               "X = (np.random.default_rng(5).random((60, 10)) < 0.6).astype(float)\n"
               "m = eb.BernoulliRBM(n_components=7, n_iter=1, random_state=1).fit(X)\n"
               "m.save('model.npz')\n", tmp_path)
    assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
    assert p.read_bytes() == before                      # the old file was never touched…
    assert _same_rbm(BernoulliRBM.load(p), rbm)          # …and still loads
    leftovers = [q.name for q in tmp_path.iterdir() if q.name.startswith(".rbm-")]
    assert len(leftovers) == 1                            # only a hidden temporary file (the killed writer could not remove it)
    with pytest.raises(ValueError):
        BernoulliRBM.load(tmp_path / leftovers[0])        # which is itself refused, not half-loaded


def test_rbm_save_failing_midway_leaves_old_file_and_no_temporary(tmp_path, rbm, monkeypatch):
    p = tmp_path / "model.npz"
    rbm.save(p)
    before = p.read_bytes()
    other = BernoulliRBM(n_components=3, n_iter=1, random_state=3).fit(X)
    def broken(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        other.save(p)
    monkeypatch.undo()
    assert p.read_bytes() == before and _same_rbm(BernoulliRBM.load(p), rbm)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["model.npz"]


def test_checkpoint_write_killed_midway_leaves_old_checkpoint(tmp_path, monkeypatch):
    full = eb.Gaussian(0.0, 1.0)
    eb.fit(full, DATA, **KW)
    ck = tmp_path / "ck.npz"
    save = tr._save_checkpoint

    class Stop(Exception): pass
    def stop_after_epoch_2(path, state):
        save(path, state)
        if int(state["epoch"]) == 2: raise Stop
    monkeypatch.setattr(tr, "_save_checkpoint", stop_after_epoch_2)
    with pytest.raises(Stop):
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **KW, checkpoint=ck)
    monkeypatch.undo()
    before = ck.read_bytes()
    # a second process resumes from epoch 2 and is killed half-way through writing the epoch-3 checkpoint
    r = _child("import numpy as np, ebm_nb as eb\n"
               "DATA = np.random.default_rng(1).normal(1.0, 0.5, size=200)\n"
               f"eb.fit(eb.Gaussian(0.0, 1.0), DATA, checkpoint='ck.npz', **{KW!r})\n", tmp_path)
    assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
    assert ck.read_bytes() == before
    resumed = eb.Gaussian(0.0, 1.0)
    h = eb.fit(resumed, DATA, **KW, checkpoint=ck)    # the epoch-2 checkpoint still resumes, bit-identically
    np.testing.assert_array_equal(resumed.get_theta(), full.get_theta())
    assert h["data_energy"].shape == (4,)


class _Trap:
    "Unpickling this creates a marker file: proof that a loader unpickled."
    def __init__(self, path): self.path = path
    def __reduce__(self): return (open, (self.path, "w"))


def test_loads_never_unpickle(tmp_path):
    marker = tmp_path / "unpickled"
    bad = tmp_path / "bad.npz"
    np.savez(bad, format=np.array(eb.FORMAT), version=np.array(eb.FORMAT_VERSION), format_version=np.array(eb.CHECKPOINT_VERSION),
             components_=np.array([_Trap(str(marker))], dtype=object), theta=np.array([_Trap(str(marker))], dtype=object))
    with pytest.raises(ValueError):
        BernoulliRBM.load(bad)
    with pytest.raises(ValueError, match="`checkpoint`"):
        eb.fit(eb.Gaussian(0.0, 1.0), DATA, **KW, checkpoint=bad)
    raw = tmp_path / "raw.npy"                             # a bare pickle, not even a zip
    raw.write_bytes(pickle.dumps(_Trap(str(marker))))
    for load in (BernoulliRBM.load, lambda p: eb.fit(eb.Gaussian(0.0, 1.0), DATA, **KW, checkpoint=p)):
        with pytest.raises(ValueError):
            load(raw)
    assert not marker.exists()


def _damaged_copies(src, tmp_path):
    "Truncations at several lengths, flipped bytes in the middle and at the end, an empty file, text, a foreign npz, a directory."
    raw = src.read_bytes()
    out = {}
    for n in (0, 1, 30, len(raw) // 3, len(raw) // 2, len(raw) - 1):
        out[f"truncated_{n}"] = raw[:n]
    for at in (len(raw) // 2, len(raw) - 30):
        b = bytearray(raw); b[at] ^= 0xFF; out[f"flipped_{at}"] = bytes(b)
    out["text"] = b"theta = [1, 2]\n"
    paths = {}
    for name, data in out.items():
        q = tmp_path / f"{name}.npz"; q.write_bytes(data); paths[name] = q
    np.savez(tmp_path / "foreign.npz", weights=np.zeros(3)); paths["foreign"] = tmp_path / "foreign.npz"
    (tmp_path / "adir.npz").mkdir(); paths["directory"] = tmp_path / "adir.npz"
    return paths


def test_damaged_rbm_files_are_clear_errors(tmp_path, rbm):
    p = tmp_path / "m.npz"
    rbm.save(p)
    for name, q in _damaged_copies(p, tmp_path).items():
        with pytest.raises(ValueError, match=r"npz|ebm_nb|integrity|inconsistent") as info:
            BernoulliRBM.load(q)
        assert str(q) in str(info.value) or repr(str(q)) in str(info.value), name
    # values changed consistently (a valid zip, a wrong digest), and a newer format version
    with np.load(p) as f: arrays = {k: f[k] for k in f.files}
    np.savez(tmp_path / "edited.npz", **{**arrays, "intercept_hidden_": arrays["intercept_hidden_"] + 1.0})
    with pytest.raises(ValueError, match="integrity"):
        BernoulliRBM.load(tmp_path / "edited.npz")
    np.savez(tmp_path / "newer.npz", **{**arrays, "version": np.array(eb.FORMAT_VERSION + 1)})
    with pytest.raises(ValueError, match="version"):
        BernoulliRBM.load(tmp_path / "newer.npz")


def test_damaged_checkpoints_are_clear_errors(tmp_path):
    ck = tmp_path / "ck.npz"
    eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**KW, "epochs": 1}, checkpoint=ck)
    fit2 = lambda q: eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**KW, "epochs": 1}, checkpoint=q)
    for name, q in _damaged_copies(ck, tmp_path).items():
        with pytest.raises(ValueError, match="`checkpoint`"):
            fit2(q)
    with np.load(ck) as f: st = {k: f[k] for k in f.files}
    # an edited value (the digest no longer matches), and one re-signed with a consistent digest but impossible content
    np.savez(tmp_path / "edited.npz", **{**st, "theta": st["theta"] + 0.5})
    with pytest.raises(ValueError, match="integrity"):
        fit2(tmp_path / "edited.npz")
    forged = {k: v for k, v in st.items() if k != "digest"}
    forged["streams"] = np.zeros_like(st["streams"])      # all-zero xoshiro states would hang the sampler
    forged["digest"] = np.array(tr._array_digest(forged))
    np.savez(tmp_path / "forged.npz", **forged)
    with pytest.raises(ValueError, match="damaged"):
        fit2(tmp_path / "forged.npz")
    missing = {k: v for k, v in st.items() if k not in ("digest", "opt_m")}
    missing["digest"] = np.array(tr._array_digest(missing))
    np.savez(tmp_path / "missing.npz", **missing)
    with pytest.raises(ValueError, match="damaged"):
        fit2(tmp_path / "missing.npz")
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".ckpt-")]


def test_written_files_are_plain_npz(tmp_path, rbm):
    "Both formats are zip archives of .npy arrays with no object dtype: readable with allow_pickle=False by any NumPy."
    p, ck = tmp_path / "m.npz", tmp_path / "ck.npz"
    rbm.save(p)
    eb.fit(eb.Gaussian(0.0, 1.0), DATA, **{**KW, "epochs": 1}, checkpoint=ck)
    for q in (p, ck):
        assert zipfile.is_zipfile(q)
        with np.load(q, allow_pickle=False) as f:
            assert all(f[k].dtype != object for k in f.files) and "digest" in f.files
