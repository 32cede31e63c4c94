"""The versioned store: atomic, immutable versions and the champion pointer."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from stance.errors import StoreError, VersionNotFound
from stance.store import ModelStore


def _publish(store: ModelStore, payload: str) -> int:
    def finalize(version: int, staged: Path) -> None:
        (staged / "manifest.json").write_text(f'{{"version": {version}}}')

    with store.staging() as staged:
        (staged / "model.joblib").write_text(payload)
        return store.commit(staged, finalize)


def test_versions_count_up_and_are_read_only(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")
    assert store.versions() == []
    assert [_publish(store, "a"), _publish(store, "b")] == [1, 2]
    assert store.versions() == [1, 2]
    assert (store.path(2) / "model.joblib").stat().st_mode & 0o222 == 0


def test_failed_finalize_leaves_no_version_and_no_staging(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")

    def explode(version: int, staged: Path) -> None:
        raise RuntimeError("disk full")

    with store.staging() as staged:
        (staged / "model.joblib").write_text("x")
        with pytest.raises(RuntimeError, match="disk full"):
            store.commit(staged, explode)
    assert store.versions() == []
    assert [p.name for p in store.family_dir.iterdir() if p.name != ".lock"] == []


def test_interrupt_while_staging_leaves_nothing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")

    def interrupted() -> None:
        with store.staging() as staged:
            (staged / "model.joblib").write_text("half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert store.versions() == []
    assert not any(p.name.startswith(".tmp-") for p in store.family_dir.iterdir())


def _worker(root: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = ModelStore(Path(root), "m")
    results.put([_publish(store, str(i)) for i in range(5)])


def test_concurrent_publishers_never_share_a_number(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), results)) for _ in range(3)]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in results.get(timeout=60)]
    for p in procs:
        p.join(timeout=60)
    assert sorted(numbers) == list(range(1, 16))
    assert ModelStore(tmp_path, "m").versions() == list(range(1, 16))


def test_champion_pointer(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")
    assert store.champion() is None
    with pytest.raises(VersionNotFound, match="has no champion"):
        store.resolve("champion")
    _publish(store, "a")
    _publish(store, "b")
    assert store.set_champion(1) is None
    assert store.set_champion(2) == 1
    assert store.resolve("champion") == 2
    assert store.resolve("latest") == 2
    assert store.resolve("1") == 1


def test_unknown_versions_are_named(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")
    _publish(store, "a")
    with pytest.raises(VersionNotFound, match=r"no version 9 .*\(versions: 1\)"):
        store.resolve(9)
    with pytest.raises(VersionNotFound, match="must be a number, 'champion' or 'latest'"):
        store.resolve("best")
    with pytest.raises(VersionNotFound):
        store.set_champion(9)


def test_corrupt_pointer_is_reported(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, "m")
    _publish(store, "a")
    (store.family_dir / "champion.json").write_text("{not json")
    with pytest.raises(StoreError, match="unreadable champion pointer"):
        store.champion()


@pytest.mark.parametrize("name", ["", "../x", ".hidden"])
def test_bad_model_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="invalid model name"):
        ModelStore(tmp_path, name)
