"""The IDX reader and writer: round trips, byte order, gzip, and clear errors on bad files."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from gancourse.data import read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_dtype_plain_and_gzip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        array = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True).astype(dtype)
    else:
        array = rng.standard_normal((3, 4, 5)).astype(dtype)
    path = write_idx(tmp_path / f"a-idx3{suffix}", array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)  # native byte order, same kind and size
    assert back.dtype.isnative
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


@pytest.mark.parametrize("shape", [(7,), (2, 3), (2, 1, 3, 2)])
def test_round_trip_any_number_of_dimensions(tmp_path, shape):
    array = np.arange(np.prod(shape), dtype=np.int32).reshape(shape)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a.gz", array)), array)


def test_reads_mnist_style_header_big_endian(tmp_path):
    # Written by hand exactly as the MNIST page describes: 00 00 08 03, then 2 x 2 x 3 big-endian.
    pixels = bytes(range(12))
    (tmp_path / "images").write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 2, 3) + pixels)
    images = read_idx(tmp_path / "images")
    assert images.dtype == np.uint8 and images.shape == (2, 2, 3)
    assert images[1, 1, 2] == 11
    # int16 256 is stored as 01 00 (big-endian), which must not be read as 1.
    (tmp_path / "shorts").write_bytes(
        b"\x00\x00\x0b\x01" + struct.pack(">I", 2) + b"\x01\x00\xff\xfe"
    )
    np.testing.assert_array_equal(read_idx(tmp_path / "shorts"), [256, -2])


def test_gzip_recognised_by_content_not_name(tmp_path):
    array = np.arange(6, dtype=np.uint8)
    write_idx(tmp_path / "x.gz", array)
    (tmp_path / "x.gz").rename(tmp_path / "renamed-without-suffix")
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed-without-suffix"), array)


def test_gzip_output_is_reproducible(tmp_path):
    array = np.arange(100, dtype=np.uint8).reshape(10, 10)
    first = write_idx(tmp_path / "one.gz", array).read_bytes()
    second = write_idx(tmp_path / "two.gz", array).read_bytes()
    assert hashlib.md5(first).hexdigest() == hashlib.md5(second).hexdigest()


def test_truncated_data_is_rejected_with_file_name(tmp_path):
    path = write_idx(tmp_path / "short-idx3-ubyte", np.zeros((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated") as err:
        read_idx(path)
    assert str(path) in str(err.value)
    assert "(4, 28, 28)" in str(err.value)


def test_truncated_gzip_stream_is_rejected(tmp_path):
    path = write_idx(tmp_path / "cut.gz", np.zeros((50, 28, 28), np.uint8) + 7)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="gzip") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_truncated_header_is_rejected(tmp_path):
    path = tmp_path / "header"
    path.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">I", 60000))  # 3 dims promised, 1 given
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_bad_magic_is_rejected(tmp_path):
    path = tmp_path / "not-idx.gz"
    path.write_bytes(gzip.compress(b"PK\x03\x04 this is a zip file, not IDX"))
    with pytest.raises(ValueError, match="bad magic number") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_unknown_dtype_code_is_rejected(tmp_path):
    path = tmp_path / "odd"
    path.write_bytes(b"\x00\x00\x0a\x01" + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(ValueError, match="unknown IDX dtype code 0x0A") as err:
        read_idx(path)
    assert "0x08 uint8" in str(err.value)  # says which codes exist


def test_trailing_bytes_are_rejected(tmp_path):
    path = write_idx(tmp_path / "long", np.zeros(5, np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00\x00")
    with pytest.raises(ValueError, match="2 unexpected bytes"):
        read_idx(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


def test_writer_rejects_dtypes_idx_cannot_store(tmp_path):
    with pytest.raises(ValueError, match="int64.*astype"):
        write_idx(tmp_path / "a", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(tmp_path / "b", np.array(3, np.uint8))
