"""The model and layer files under ``DATA_DIR/models``: written atomically, read back only
when whole, of this format and trained from the expected key (otherwise removed, to be
rebuilt)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings

from cospiral.coding.suggestions.sources import FORMAT
from cospiral.domain import suggest as domain
from cospiral.domain import suggest_layer

log = logging.getLogger(__name__)


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def _base_path(key: str) -> Path:
    return models_dir() / f"base-{key[:32]}.joblib"


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _save_model(path: Path, key: str, model: domain.Model) -> None:
    import joblib

    _write_atomic(path, lambda tmp: joblib.dump({"format": FORMAT, "key": key, "model": model}, tmp))


def _load_model(path: Path, key: str) -> domain.Model | None:
    """The model in ``path`` if it is whole, of this format and trained from ``key``;
    otherwise the file is removed (it will be rebuilt) and None returned."""
    if not path.is_file():
        return None
    try:
        import joblib

        payload = joblib.load(path)
        if (isinstance(payload, dict) and payload.get("format") == FORMAT
                and payload.get("key") == key and isinstance(payload.get("model"), domain.Model)):
            return payload["model"]
        log.warning("The suggestion model %s is stale; it will be rebuilt.", path)
    except Exception:  # noqa: BLE001 - a corrupt or incompatible file is rebuilt, never served
        log.warning("The suggestion model %s is unreadable; it will be rebuilt.", path, exc_info=True)
    path.unlink(missing_ok=True)
    return None


def _save_layer(path: Path, key: str, matrix, ids: list[int], codes: list[str]) -> None:
    from scipy import sparse

    matrix = sparse.csr_matrix(matrix, dtype=np.float32)

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            np.savez(handle, format=np.array([FORMAT]), key=np.array([key]),
                     shape=np.array(matrix.shape), data=matrix.data, indices=matrix.indices,
                     indptr=matrix.indptr, ids=np.asarray(ids, dtype=np.int64),
                     codes=np.asarray(codes, dtype=str))

    _write_atomic(path, write)


def _load_layer(path: Path, key: str) -> suggest_layer.Layer | None:
    if not path.is_file():
        return None
    try:
        from scipy import sparse

        with np.load(path, allow_pickle=False) as data:
            if int(data["format"][0]) != FORMAT or str(data["key"][0]) != key:
                raise ValueError("stale layer")
            matrix = sparse.csr_matrix((data["data"], data["indices"], data["indptr"]),
                                       shape=tuple(int(n) for n in data["shape"]))
            return suggest_layer.Layer.from_rows(matrix, data["ids"].tolist(), data["codes"].tolist())
    except Exception:  # noqa: BLE001 - rebuilt from the database instead
        log.warning("The suggestion layer %s is stale or unreadable; it will be rebuilt.", path,
                    exc_info=True)
        path.unlink(missing_ok=True)
        return None
