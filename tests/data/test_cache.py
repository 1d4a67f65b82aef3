from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import gankit.data.cache as cache_module
from gankit.data.cache import CACHE_FORMAT, CACHE_VERSION, CachedImages, prepare_cache
from gankit.data.celeba import CelebA
from gankit.data.folder import CorruptImageWarning, ImageFolder
from gankit.data.transforms import UnreadableImageError, uint8_to_float
from tests.data.celeba_tree import NUMBERS, corrupt, make_official, write_images

QUIET: dict[str, Any] = {"workers": 1, "progress": False}


def _direct(root: Path, size: int, crop: Any = "full", split: Any = "all") -> torch.Tensor:
    ds = CelebA(root, size, split, crop=crop, raw=True)
    return torch.stack([ds[i] for i in range(len(ds))])  # type: ignore[misc]


@pytest.mark.parametrize(("crop", "split"), [("full", "all"), ("dcgan", "train"), (None, "test")])
def test_round_trip_equals_direct_decoding(
    celeba_root: Path, tmp_path: Path, crop: Any, split: Any
) -> None:
    out = tmp_path / "c.npy"
    cache = prepare_cache(celeba_root, out, image_size=16, crop=crop, split=split, **QUIET)
    assert cache.array.dtype == np.uint8 and cache.array.shape[1:] == (3, 16, 16)
    assert torch.equal(cache.tensor(), _direct(celeba_root, 16, crop, split))
    assert cache.files == CelebA(celeba_root, 16, split).files
    assert not (tmp_path / "c.npy.partial").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npy", "c.npy.json"]


def test_sidecar_format(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    prepare_cache(celeba_root, out, image_size=8, crop="face", split="valid", **QUIET)
    meta = json.loads((tmp_path / "c.npy.json").read_text())
    assert meta["format"] == CACHE_FORMAT and meta["version"] == CACHE_VERSION
    assert meta["image_size"] == 8 and meta["crop"] == "face" and meta["split"] == "valid"
    assert meta["channels"] == 3 and meta["shape"] == [3, 3, 8, 8]
    assert meta["source"] == str((celeba_root / "img_align_celeba").resolve())
    assert meta["num_source_files"] == 3 and meta["skipped"] == []
    assert meta["files"] == [f"{n:06d}.jpg" for n in NUMBERS[6:9]]
    assert len(meta["files_sha256"]) == 64
    assert np.load(out).shape == (3, 3, 8, 8)  # a plain .npy


def test_existing_matching_cache_is_returned_without_work(
    celeba_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "c.npy"
    first = prepare_cache(celeba_root, out, image_size=8, **QUIET).tensor()
    mtime = out.stat().st_mtime_ns

    def fail(*args: Any) -> int:
        raise AssertionError("rebuilt")

    monkeypatch.setattr(cache_module, "_build_chunk", fail)
    again = prepare_cache(celeba_root, out, image_size=8, **QUIET)
    assert torch.equal(again.tensor(), first) and out.stat().st_mtime_ns == mtime
    prepare_cache(celeba_root, out, image_size=8, overwrite=True, **QUIET)
    assert out.stat().st_mtime_ns == mtime


def test_existing_different_cache_raises(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    prepare_cache(celeba_root, out, image_size=8, **QUIET)
    with pytest.raises(FileExistsError, match=r"image_size=8 \(requested 16\).*overwrite=True"):
        prepare_cache(celeba_root, out, image_size=16, **QUIET)
    with pytest.raises(FileExistsError, match=r"crop='full' \(requested 'dcgan'\)"):
        prepare_cache(celeba_root, out, image_size=8, crop="dcgan", **QUIET)
    other = make_official(tmp_path / "other", NUMBERS[:4])
    with pytest.raises(FileExistsError, match="source=") as info:
        prepare_cache(other, out, image_size=8, **QUIET)
    assert "files_sha256" in str(info.value)
    rebuilt = prepare_cache(other, out, image_size=8, overwrite=True, **QUIET)
    assert len(rebuilt) == 4 and torch.equal(rebuilt.tensor(), _direct(other, 8))


def test_foreign_file_at_out_raises(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    np.save(out, np.zeros(3))
    with pytest.raises(FileExistsError, match=re.escape(str(out)) + ".*not a readable"):
        prepare_cache(celeba_root, out, image_size=8, **QUIET)
    assert len(prepare_cache(celeba_root, out, image_size=8, overwrite=True, **QUIET)) == 12


def test_sidecar_without_array_counts_as_unfinished(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    (tmp_path / "c.npy.json").write_text("{}")
    assert len(prepare_cache(celeba_root, out, image_size=8, **QUIET)) == 12


def test_interrupted_build_resumes(
    celeba_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "c.npy"
    original = cache_module._build_chunk
    calls: list[list[str]] = []

    def flaky(image_dir: str, files: list[str], *args: Any) -> int:
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(files)
        return original(image_dir, files, *args)

    monkeypatch.setattr(cache_module, "_build_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        prepare_cache(celeba_root, out, image_size=8, chunk_size=5, **QUIET)
    assert not out.exists()
    partial = tmp_path / "c.npy.partial"
    assert sorted(p.name for p in partial.glob("*.npz")) == ["chunk_000000.npz", "chunk_000001.npz"]

    calls.clear()
    monkeypatch.setattr(cache_module, "_build_chunk", _recording(original, calls))
    cache = prepare_cache(celeba_root, out, image_size=8, chunk_size=5, **QUIET)
    assert calls == [[f"{n:06d}.jpg" for n in NUMBERS[10:]]]  # only the missing chunk
    assert torch.equal(cache.tensor(), _direct(celeba_root, 8))
    assert not partial.exists()


def _recording(original: Any, calls: list[list[str]]) -> Any:
    def record(image_dir: str, files: list[str], *args: Any) -> int:
        calls.append(files)
        result: int = original(image_dir, files, *args)
        return result

    return record


def test_stale_partial_build_is_discarded(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    partial = tmp_path / "c.npy.partial"
    partial.mkdir()
    (partial / "build.json").write_text(json.dumps({"image_size": 99}))
    np.savez(partial / "chunk_000000.npz", images=np.zeros((1, 3, 99, 99), np.uint8))
    with pytest.warns(UserWarning, match="discarding stale partial build"):
        cache = prepare_cache(celeba_root, out, image_size=8, **QUIET)
    assert torch.equal(cache.tensor(), _direct(celeba_root, 8))


def test_corrupt_images_are_skipped_and_listed(tmp_path: Path) -> None:
    root = make_official(tmp_path / "celeba")
    corrupt(root / "img_align_celeba" / "000002.jpg")
    corrupt(root / "img_align_celeba" / "182639.jpg", "truncated")
    with pytest.warns(CorruptImageWarning) as record:
        cache = prepare_cache(root, tmp_path / "c.npy", image_size=8, chunk_size=4, **QUIET)
    message = " ".join(str(w.message) for w in record)
    assert "skipped 2 unreadable image(s)" in message
    assert "000002.jpg" in message and "182639.jpg" in message
    assert len(cache) == 10 and cache.meta["skipped"] == ["000002.jpg", "182639.jpg"]
    assert "000002.jpg" not in cache.files
    folder = ImageFolder(root / "img_align_celeba", 8, raw=True, files=cache.files)
    assert torch.equal(cache.tensor(), torch.stack([folder[i] for i in range(len(folder))]))
    with pytest.raises(UnreadableImageError, match=r"000002\.jpg"):
        prepare_cache(root, tmp_path / "s.npy", image_size=8, strict=True, **QUIET)


def test_process_pool_build(tmp_path: Path) -> None:
    root = make_official(tmp_path / "celeba")
    corrupt(root / "img_align_celeba" / "000004.jpg")
    with pytest.warns(CorruptImageWarning, match=r"000004\.jpg"):
        cache = prepare_cache(
            root, tmp_path / "c.npy", image_size=8, workers=2, chunk_size=3, progress=False
        )
    assert len(cache) == 11
    folder = ImageFolder(root / "img_align_celeba", 8, raw=True, files=cache.files)
    assert torch.equal(cache.tensor(), torch.stack([folder[i] for i in range(len(folder))]))


def test_generic_folder_and_grayscale(tmp_path: Path) -> None:
    write_images(tmp_path / "imgs" / "nested", NUMBERS[:3], ext=".png")
    cache = prepare_cache(tmp_path / "imgs", tmp_path / "g.npy", image_size=6, channels=1, **QUIET)
    assert cache.array.shape == (3, 1, 6, 6)
    assert cache.files[0] == "nested/000001.png"


def test_argument_errors(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    with pytest.raises(ValueError, match=r"workers must be None or an int in \[1, 1024\], got 0"):
        prepare_cache(celeba_root, out, workers=0)
    with pytest.raises(ValueError, match="chunk_size must be an int >= 1, got 0"):
        prepare_cache(celeba_root, out, chunk_size=0)
    with pytest.raises(ValueError, match="split must be one of"):
        prepare_cache(celeba_root, out, split="dev")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="CelebA not found"):
        prepare_cache(tmp_path / "none", out)


def test_cached_images_dataset(tmp_path: Path) -> None:
    path = tmp_path / "x.npy"
    data = np.random.default_rng(0).integers(0, 256, (5, 3, 4, 4), dtype=np.uint8)
    np.save(path, data)
    ds = CachedImages(path)
    assert len(ds) == 5 and ds.files == [] and ds.meta == {}
    assert torch.equal(ds[2], uint8_to_float(torch.from_numpy(data[2])))
    assert ds[2].dtype == torch.float32
    assert CachedImages(path, dtype=torch.float64)[0].dtype == torch.float64
    assert torch.equal(CachedImages(path, raw=True)[-1], torch.from_numpy(data[-1]))
    block = ds.tensor()
    block[0] = 0  # a writable copy, the file is untouched
    assert np.array_equal(np.load(path), data)
    clone = pickle.loads(pickle.dumps(ds))
    assert isinstance(clone.array, np.memmap) and torch.equal(clone[1], ds[1])
    assert len(pickle.dumps(ds)) < data.nbytes  # the map is re-opened, not pickled


def test_cached_images_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="prepare_cache"):
        CachedImages(tmp_path / "missing.npy")
    np.save(tmp_path / "f.npy", np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"uint8 array of shape \(N, C, H, W\), got float32"):
        CachedImages(tmp_path / "f.npy")


@pytest.mark.parametrize("torn", ['{"image_size": 8, "cr', "", "\x00\x00\x00"])
def test_a_torn_build_json_is_discarded_not_fatal(
    celeba_root: Path, tmp_path: Path, torn: str
) -> None:
    """A kill during the (then non-atomic) write of build.json blocked every rerun."""
    out = tmp_path / "c.npy"
    partial = tmp_path / "c.npy.partial"
    partial.mkdir()
    (partial / "build.json").write_text(torn)
    with pytest.warns(UserWarning, match="missing or torn"):
        cache = prepare_cache(celeba_root, out, image_size=8, **QUIET)
    assert torch.equal(cache.tensor(), _direct(celeba_root, 8))


def test_build_json_is_written_atomically(
    celeba_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[tuple[str, str]] = []
    real_replace = cache_module.os.replace

    def replace(src: Any, dst: Any) -> None:
        written.append((Path(src).name, Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(cache_module.os, "replace", replace)
    prepare_cache(celeba_root, tmp_path / "c.npy", image_size=8, **QUIET)
    assert any(dst == "build.json" and src.startswith("build.json.tmp-") for src, dst in written)


def test_stale_temporaries_of_a_killed_build_are_removed(celeba_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.npy"
    partial = tmp_path / "c.npy.partial"
    partial.mkdir()
    stale = [tmp_path / ".c.npy.tmp-4242", tmp_path / ".c.npy.json.tmp-4242",
             partial / "chunk_000000.npz.tmp-4242", partial / "build.json.tmp-4242"]  # fmt: skip
    kept = [tmp_path / ".other.npy.tmp-4242", tmp_path / "notes.txt"]
    for p in [*stale, *kept]:
        p.write_bytes(b"x")
    with pytest.warns(UserWarning, match="discarding stale partial build"):  # no build.json
        prepare_cache(celeba_root, out, image_size=8, **QUIET)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)


def test_out_under_a_file_is_refused(celeba_root: Path, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("user data")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        prepare_cache(celeba_root, tmp_path / "file.txt" / "o.npy", image_size=8, **QUIET)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        prepare_cache(celeba_root, tmp_path, image_size=8, **QUIET)


_SLOW_BUILD = """
import sys, time
import gankit.data.cache as c

_load = c.load_image


def slow(*args, **kwargs):  # spawned workers re-import this file, so they decode slowly too
    time.sleep(0.5)
    return _load(*args, **kwargs)


c.load_image = slow
if __name__ == "__main__":
    c.prepare_cache(sys.argv[1], sys.argv[2], image_size=8, workers=2, chunk_size=1,
                    progress=False)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_pool_workers_exit_when_the_parent_is_killed(celeba_root: Path, tmp_path: Path) -> None:
    """After kill -9 of prepare-celeba, its workers and resource tracker lived on (30 s+)."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "slow_build.py"
    script.write_text(_SLOW_BUILD)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(celeba_root), str(tmp_path / "c.npy")],
        cwd=Path(__file__).resolve().parents[2],
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and parent.poll() is None:
            children = _children(parent.pid)
            if len(children) >= 3 and any((tmp_path / "c.npy.partial").glob("chunk_*.npz")):
                break  # the resource tracker and two workers, one chunk done
            time.sleep(0.1)
        assert parent.poll() is None, "the build finished before it could be killed"
        assert len(children) >= 3, children
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in children):
            time.sleep(0.1)
        assert not [p for p in children if _alive(p)]
    finally:
        parent.kill()
        for p in children | _children(parent.pid):
            if _alive(p):
                os.kill(p, signal.SIGKILL)
