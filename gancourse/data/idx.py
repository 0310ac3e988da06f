"""Reading and writing the IDX format that MNIST and Fashion-MNIST are distributed in.

An IDX file is a header followed by the raw array, row-major and big-endian::

    bytes 0-1   0x00 0x00          (magic: two zero bytes)
    byte  2     dtype code         (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                    0x0D float32, 0x0E float64)
    byte  3     ndim               (1 for labels, 3 for images)
    ndim x 4    the dimensions     (big-endian uint32 each, e.g. 60000, 28, 28)
    ...         prod(dims) * itemsize bytes of data

MNIST's ``train-images-idx3-ubyte`` is therefore ``00 00 08 03`` then ``60000 28 28`` then
47,040,000 bytes of pixels. Files are usually gzip-compressed; both functions here handle ``.gz``
transparently.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["IDX_DTYPES", "read_idx", "write_idx"]

#: IDX dtype code -> big-endian NumPy dtype of the data section.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF_KIND = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _describe_dtypes() -> str:
    return ", ".join(f"0x{code:02X} {dt.newbyteorder('=').name}" for code, dt in IDX_DTYPES.items())


def _read_bytes(path: Path) -> bytes:
    """The file's content, decompressed if it is gzip (recognised by its magic bytes)."""
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise ValueError(
            f"{path}: not a valid gzip file ({err}); the download was probably cut short, "
            "delete the file and download it again"
        ) from err


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        An array with the shape stored in the header (MNIST images: ``(N, 28, 28)`` uint8 in 0..255,
        labels: ``(N,)`` uint8) and the native byte order of this machine.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not IDX, naming the file and the problem: a bad magic number, an
            unknown dtype code, a header or data section shorter than the header promises
            (truncated), or bytes left over after the data.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{path}: truncated IDX file: {len(data)} bytes, too short for the 4-byte magic number"
        )
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise ValueError(
            f"{path}: bad magic number {data[:4].hex(' ')}: an IDX file starts with two zero bytes "
            "(e.g. 00 00 08 03 for MNIST images); is this an IDX file?"
        )
    if code not in IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX dtype code 0x{code:02X} in the magic number; "
            f"known codes: {_describe_dtypes()}"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {header_size} header bytes, "
            f"the file has {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_size
    if actual < expected:
        raise ValueError(
            f"{path}: truncated IDX file: the header promises shape {shape} of "
            f"{dtype.newbyteorder('=').name} ({expected} data bytes) but only {actual} follow; "
            "delete the file and download it again"
        )
    if actual > expected:
        raise ValueError(
            f"{path}: {actual - expected} unexpected bytes after the data: the header promises "
            f"shape {shape} ({expected} data bytes) but {actual} follow"
        )
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header_size)
    # A writable, native-endian copy (frombuffer on bytes is read-only).
    return array.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file; gzip-compressed if ``path`` ends in ``.gz``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (the ones IDX defines). The gzip
    header carries no file name or time stamp, so the same array always gives the same bytes (and
    the same md5). Returns the path written.

    Raises:
        ValueError: a dtype IDX cannot store (e.g. int64: convert with ``array.astype(np.int32)``),
            a 0-d array, or a dimension too large for the header.
    """
    path = Path(path)
    array = np.asarray(array)
    code = _CODE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(
            f"IDX cannot store dtype {array.dtype}; supported: {_describe_dtypes()}; convert the "
            "array first, e.g. array.astype(np.int32)"
        )
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores arrays with 1 to 255 dimensions, got {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"IDX dimensions must be below 2**32, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if path.name.endswith(".gz"):
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f,
        ):
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path
