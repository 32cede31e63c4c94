"""The one exception tree of the project.

Every error a user can cause or meet is a :class:`StanceError`; the CLI maps the tree to
exit codes in one place (``stance.cli``) and the API to HTTP statuses in one place
(``service.errors``)::

    StanceError
    ├── DataError               bad training / scoring input file (names file and row)
    ├── InvalidText             one passage is empty, whitespace only or too long
    ├── StoreError              the versioned model store
    │   ├── VersionNotFound     no such version, or no champion set
    │   └── StoreConflict       a concurrent writer got there first
    ├── BundleError             a bundle cannot be trusted or used
    │   ├── IntegrityError      model file missing or SHA-256 differs from the manifest
    │   └── IncompatibleBundle  other scikit-learn minor version, labels or pipeline shape
    ├── TrackingError           MLflow could not record or find a run
    ├── PromotionRefused        the candidate scores lower than the champion
    └── ConfigError             an environment variable has an unusable value
"""

from __future__ import annotations


class StanceError(Exception):
    """Base of every error this project raises on purpose."""

    #: Exit status for the CLI: 2 for problems with the user's input, 1 otherwise.
    exit_code: int = 1


class DataError(StanceError):
    """A labelled or unlabelled data file is unusable; the message names file and row."""

    exit_code = 2


class InvalidText(StanceError):
    """A passage to score is empty, whitespace only, or over the character limit."""

    exit_code = 2


class ConfigError(StanceError):
    """An environment variable or option has a value that cannot be used."""

    exit_code = 2


class StoreError(StanceError):
    """The model store is missing, unreadable or inconsistent."""


class VersionNotFound(StoreError):
    """The requested model version (or the champion pointer) does not exist."""

    exit_code = 2


class StoreConflict(StoreError):
    """Another process changed the store in a way that stops this operation."""


class BundleError(StanceError):
    """A model bundle cannot be trusted or used; the message names the bundle."""


class IntegrityError(BundleError):
    """The model file does not match the SHA-256 recorded in its manifest."""


class IncompatibleBundle(BundleError):
    """The bundle was built for another environment or does not have the expected shape."""


class TrackingError(StanceError):
    """MLflow tracking or the model registry failed."""


class PromotionRefused(StanceError):
    """A promotion was refused because the candidate scores below the champion."""

    exit_code = 2
