"""The versioned model store: ``<root>/<name>/<N>/`` bundles and a champion pointer.

Versions are immutable. A new one is assembled in a hidden staging directory and renamed
into place under an exclusive file lock, so a crash or Ctrl-C never leaves a partial
version and two concurrent runs never get the same number. The champion is named by
``<root>/<name>/champion.json``, replaced atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stance.bundle import MANIFEST_FILE, Bundle, Manifest, load_bundle, read_manifest
from stance.errors import StoreConflict, StoreError, VersionNotFound

CHAMPION_FILE = "champion.json"
_STAGING_PREFIX = ".tmp-"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class ChampionPointer:
    """The champion version and the id of the promotion that set it.

    A re-promotion of the same version gets a new id, so watchers see every promotion.
    """

    version: int
    promotion_id: str


class ModelStore:
    """One model family (``name``) inside a store root directory."""

    def __init__(self, root: Path, name: str) -> None:
        if not name or "/" in name or name.startswith("."):
            raise StoreError(f"invalid model name {name!r}")
        self.root = root
        self.name = name
        self.family_dir = root / name

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r}, {self.name!r})"

    # -- reading -----------------------------------------------------------------

    def versions(self) -> list[int]:
        """Committed versions, oldest first."""
        if not self.family_dir.is_dir():
            return []
        found = [int(p.name) for p in self.family_dir.iterdir() if p.name.isdigit() and (p / MANIFEST_FILE).is_file()]
        return sorted(found)

    def path(self, version: int) -> Path:
        return self.family_dir / str(version)

    def manifest(self, version: int) -> Manifest:
        self._require(version)
        return read_manifest(self.path(version))

    def champion(self) -> int | None:
        """The champion version named by the pointer file, or None when unset."""
        pointer = self.champion_pointer()
        return pointer.version if pointer else None

    def champion_pointer(self) -> ChampionPointer | None:
        """The whole pointer, including the id that changes with every promotion."""
        path = self.family_dir / CHAMPION_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreError(f"unreadable champion pointer {path}: {exc}") from None
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            raise StoreError(f"champion pointer {path} has no integer 'version'")
        return ChampionPointer(version=version, promotion_id=str(data.get("promotion_id", data.get("promoted", ""))))

    def resolve(self, ref: str | int) -> int:
        """Turn ``"champion"``, ``"latest"`` or a number into an existing version."""
        if isinstance(ref, int):
            version = ref
        elif ref == "champion":
            champion = self.champion()
            if champion is None:
                raise VersionNotFound(f"model {self.name!r} has no champion in {self.root}")
            version = champion
        elif ref == "latest":
            versions = self.versions()
            if not versions:
                raise VersionNotFound(f"model {self.name!r} has no versions in {self.root}")
            version = versions[-1]
        elif ref.strip().isdigit():
            version = int(ref)
        else:
            raise VersionNotFound(f"version must be a number, 'champion' or 'latest', not {ref!r}")
        self._require(version)
        return version

    def load(self, ref: str | int = "champion", *, pipeline: bool = False) -> Bundle:
        """Resolve ``ref`` and load that bundle through :func:`load_bundle`."""
        return load_bundle(self.path(self.resolve(ref)), pipeline=pipeline)

    def _require(self, version: int) -> None:
        if not (self.path(version) / MANIFEST_FILE).is_file():
            known = ", ".join(map(str, self.versions())) or "none"
            raise VersionNotFound(f"model {self.name!r} has no version {version} in {self.root} (versions: {known})")

    # -- writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.family_dir.mkdir(parents=True, exist_ok=True)
        with (self.family_dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A private directory to assemble a bundle in; removed unless committed."""
        self.family_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=self.family_dir))
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def commit(self, staged: Path, finalize: Callable[[int, Path], None]) -> int:
        """Number and publish a staged bundle.

        Under the store lock, picks ``N = max(versions) + 1``, calls ``finalize(N, staged)``
        to write the version-dependent files (manifest, card), makes every file read-only
        and renames the directory to ``N``. If ``finalize`` raises, nothing is published.
        """
        with self._locked():
            version = max(self.versions(), default=0) + 1
            finalize(version, staged)
            for item in staged.iterdir():
                item.chmod(0o444)
            staged.chmod(0o755)
            target = self.path(version)
            if target.exists():  # only if someone bypassed the lock
                raise StoreConflict(f"{target} appeared while committing; not overwriting it")
            os.rename(staged, target)
        return version

    def set_champion(self, version: int, *, note: str = "") -> int | None:
        """Point the champion at ``version`` atomically; returns the previous champion."""
        self._require(version)
        with self._locked():
            previous = self.champion()
            body: dict[str, object] = {
                "version": version,
                "promoted": utc_now(),
                "previous": previous,
                "promotion_id": uuid.uuid4().hex,
            }
            if note:
                body["note"] = note
            fd, tmp = tempfile.mkstemp(prefix=".champion-", dir=self.family_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(body, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.family_dir / CHAMPION_FILE)
        return previous
