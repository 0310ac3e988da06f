"""Checkpoints that are written atomically, carry a SHA-256 and load without unpickling code.

Layout on disk, for ``save_checkpoint("run/gan.pt", state)``::

    run/gan.pt          the bytes of ``torch.save(state)``
    run/gan.pt.sha256   "<hex digest>  gan.pt\\n" (the format of ``sha256sum``, so
                        ``cd run && sha256sum -c gan.pt.sha256`` checks it from a shell)

Each file is first written to a temporary file in the same folder, flushed and fsynced, then
moved over the old one with ``os.replace``, which is atomic on POSIX and Windows: a crash or an
exception while writing leaves the previous checkpoint untouched and never a partial file at
``path``. The two files are replaced one after the other, so a crash exactly between the two
renames leaves a new checkpoint beside the old digest; loading then fails loudly with a checksum
mismatch instead of loading something unverified. A sidecar was preferred over a digest inside
the file because the checkpoint stays a plain ``torch.save`` file that ``torch.load`` opens.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

__all__ = ["CheckpointError", "checksum_path", "load_checkpoint", "save_checkpoint"]

_ADVICE = (
    "Delete it (and its .sha256 file) and train again, or restore both files from a backup."
)


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged, or does not fit what it is loaded into."""


def checksum_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar file that holds the SHA-256 of the checkpoint at ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable. Directories cannot be opened on Windows; skip there.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, write: Any) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then move it onto ``path``."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Also on KeyboardInterrupt: never leave half-written temporary files behind.
        tmp.unlink(missing_ok=True)
        raise


def _unpickler_reason(err: Exception) -> str:
    # torch's message also suggests weights_only=False, the opposite of what we want here.
    for line in str(err).splitlines():
        if "WeightsUnpickler error:" in line:
            return line.split("WeightsUnpickler error:", 1)[1].strip()
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(path: str | os.PathLike[str], state: Mapping[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically and record its SHA-256 in ``path.sha256``.

    ``state`` may hold only what ``torch.load(..., weights_only=True)`` accepts: tensors,
    ``state_dict``s, numbers, strings, ``None`` and lists/tuples/dicts of those (no NumPy arrays,
    no custom classes). This is checked before ``path`` is touched, by loading the written bytes
    back, so a bad state fails now and not when a later run tries to resume. Missing parent
    folders are created. Returns ``path`` as a ``Path``.
    """
    path = Path(path)
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, got {type(state).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    digest: dict[str, str] = {}

    def write_state(file: Any) -> None:
        torch.save(dict(state), file)
        file.seek(0)
        data = file.read()  # what is on disk: hashed, and loaded back as a check
        try:
            torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            raise CheckpointError(
                f"refusing to write {path}: the state holds objects that "
                "torch.load(weights_only=True) would not load. Store tensors, numbers, strings, "
                "lists and dicts only (e.g. torch.from_numpy(a) instead of a NumPy array). "
                f"PyTorch says: {_unpickler_reason(err)}"
            ) from err
        digest["sha256"] = hashlib.sha256(data).hexdigest()

    _write_atomic(path, write_state)
    line = f"{digest['sha256']}  {path.name}\n".encode()
    _write_atomic(checksum_path(path), lambda file: file.write(line))
    _fsync_dir(path.parent)
    return path


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device | None = "cpu"
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, after checking its SHA-256.

    Always uses ``torch.load(..., weights_only=True)``, which never runs code from the file.
    Raises :class:`CheckpointError` (naming the file and what to do) when the file or its
    ``.sha256`` is missing, the digest does not match (truncated or changed file), or the bytes
    cannot be loaded.
    """
    path = Path(path)
    sidecar = checksum_path(path)
    if not path.is_file():
        raise CheckpointError(
            f"no checkpoint at {path}. Train without resuming, or restore the file from a backup."
        )
    if not sidecar.is_file():
        raise CheckpointError(
            f"checkpoint {path} has no checksum file {sidecar.name}, so it cannot be verified. "
            + _ADVICE
        )
    recorded = sidecar.read_text(encoding="utf-8").split()
    if not recorded or len(recorded[0]) != 64:
        raise CheckpointError(f"checksum file {sidecar} is malformed. " + _ADVICE)
    actual = _sha256_file(path)
    if actual != recorded[0].lower():
        raise CheckpointError(
            f"checkpoint {path} is damaged: its SHA-256 is {actual[:12]}..., but {sidecar.name} "
            f"records {recorded[0][:12]}... (a truncated or interrupted write, or a changed "
            "file). " + _ADVICE
        )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"checkpoint {path} cannot be loaded: {err}\n" + _ADVICE) from err
    if not isinstance(state, dict):
        raise CheckpointError(
            f"checkpoint {path} holds a {type(state).__name__}, not a dict of state. " + _ADVICE
        )
    return state
