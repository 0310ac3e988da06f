"""Downloads from mirrors (a local HTTP server stands in for them) and full MNIST end to end."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from gancourse.data import DownloadError, cache_dir, download, load_dataset, load_mnist, write_idx
from gancourse.data import mnist as mnist_module

GOOD = b"the real file\n" * 1000
GOOD_MD5 = hashlib.md5(GOOD).hexdigest()


@dataclass
class Server:
    """A local HTTP server: ``routes`` maps a path to a status and a body (or a delay)."""

    url: str
    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    slow: dict[str, float] = field(default_factory=dict)
    cut: set[str] = field(default_factory=set)  # paths whose body stops half-way


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server wants)
            state.requests.append(self.path)
            time.sleep(state.slow.get(self.path, 0.0))
            status, body = state.routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body[: len(body) // 2] if self.path in state.cut else body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """An address nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.bin"


def _leftovers(folder: Path, keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


# --- download() ------------------------------------------------------------------------------


def test_404_then_corrupt_then_good_mirror_succeeds(server, tmp_path):
    server.routes["/corrupt/file.bin"] = (200, GOOD[:-5] + b"XXXXX")
    server.routes["/good/file.bin"] = (200, GOOD)
    mirrors = [f"{server.url}/{m}/file.bin" for m in ("missing", "corrupt", "good")]
    dest = tmp_path / "cache" / "file.bin"  # the folder does not exist yet

    assert download(mirrors, dest, GOOD_MD5, progress=False) == dest

    assert dest.read_bytes() == GOOD
    assert server.requests == ["/missing/file.bin", "/corrupt/file.bin", "/good/file.bin"]
    assert _leftovers(dest.parent, keep="file.bin") == []  # no temporary files


def test_all_mirrors_fail_lists_each_and_says_what_to_do(server, tmp_path, closed_port_url):
    server.routes["/corrupt/file.bin"] = (200, b"garbage")
    mirrors = [f"{server.url}/missing/file.bin", f"{server.url}/corrupt/file.bin", closed_port_url]
    dest = tmp_path / "file.bin"

    with pytest.raises(DownloadError) as caught:
        download(mirrors, dest, GOOD_MD5, progress=False, timeout=5)

    err = caught.value
    message = str(err)
    assert isinstance(err, RuntimeError)
    for url in mirrors:
        assert url in message
    assert "HTTP 404" in message
    assert "md5 mismatch" in message and hashlib.md5(b"garbage").hexdigest() in message
    assert "file.bin" in message and GOOD_MD5 in message and str(dest) in message
    assert str(tmp_path) in message  # the cache folder
    assert [url for url, _ in err.attempts] == mirrors
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_a_corrupt_download_never_appears_at_dest(server, tmp_path):
    server.routes["/file.bin"] = (200, GOOD + b"one byte too many")
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="md5 mismatch"):
        download(f"{server.url}/file.bin", dest, GOOD_MD5, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_connection_closed_mid_file_is_a_failed_mirror(server, tmp_path):
    server.routes["/cut"] = (200, GOOD)
    server.cut.add("/cut")
    server.routes["/whole"] = (200, GOOD)
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="closed after 7000 of 14000 bytes"):
        download(f"{server.url}/cut", dest, GOOD_MD5, progress=False)
    assert list(tmp_path.iterdir()) == []
    download([f"{server.url}/cut", f"{server.url}/whole"], dest, GOOD_MD5, progress=False)
    assert dest.read_bytes() == GOOD and _leftovers(tmp_path, keep="file.bin") == []


def test_existing_good_file_is_reused_without_any_request(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(GOOD)
    server.routes["/file.bin"] = (200, b"something else")
    assert download(f"{server.url}/file.bin", dest, GOOD_MD5, progress=False) == dest
    assert server.requests == []
    assert dest.read_bytes() == GOOD


def test_existing_corrupt_file_is_reported_and_downloaded_again(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(GOOD[:100])  # an earlier download cut short
    server.routes["/file.bin"] = (200, GOOD)
    with pytest.warns(UserWarning, match="md5 is .* expected .*downloading it again"):
        download(f"{server.url}/file.bin", dest, GOOD_MD5, progress=False)
    assert dest.read_bytes() == GOOD
    assert server.requests == ["/file.bin"]


def test_existing_corrupt_file_is_removed_even_when_the_download_fails(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"corrupt")
    with pytest.warns(UserWarning), pytest.raises(DownloadError):
        download(f"{server.url}/missing", dest, GOOD_MD5, progress=False)
    assert not dest.exists()


def test_a_stalled_mirror_times_out_and_the_next_is_tried(server, tmp_path):
    server.routes["/slow"] = (200, GOOD)
    server.slow["/slow"] = 2.0
    server.routes["/fast"] = (200, GOOD)
    dest = tmp_path / "file.bin"
    download([f"{server.url}/slow", f"{server.url}/fast"], dest, GOOD_MD5, timeout=0.3,
             progress=False)
    assert dest.read_bytes() == GOOD


def test_timeout_is_reported(server, tmp_path):
    server.routes["/slow"] = (200, GOOD)
    server.slow["/slow"] = 2.0
    with pytest.raises(DownloadError, match="timed out"):
        download(f"{server.url}/slow", tmp_path / "f", GOOD_MD5, timeout=0.3, progress=False)


def test_file_urls_work(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(GOOD)
    dest = tmp_path / "out" / "file.bin"
    download(source.as_uri(), dest, GOOD_MD5.upper(), progress=False)
    assert dest.read_bytes() == GOOD


def test_progress_bar_does_not_break_the_download(server, tmp_path):
    server.routes["/file.bin"] = (200, GOOD)
    download(f"{server.url}/file.bin", tmp_path / "f", GOOD_MD5, progress=True)
    assert (tmp_path / "f").read_bytes() == GOOD


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="32 hex digits"):
        download("http://127.0.0.1/x", tmp_path / "x", "not-an-md5")
    with pytest.raises(ValueError, match="at least one URL"):
        download([], tmp_path / "x", GOOD_MD5)


def test_cache_folder_follows_gancourse_data(monkeypatch, tmp_path):
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data"
    monkeypatch.delenv("GANCOURSE_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "gancourse"


# --- load_mnist() end to end, from small fake IDX files ------------------------------------------


@pytest.fixture
def fake_mnist(server, tmp_path, monkeypatch):
    """Four small IDX .gz files served at ``<server>/mirror/``, their md5s patched in, and an
    empty cache folder in ``GANCOURSE_DATA``. Returns the arrays by split."""
    rng = np.random.default_rng(0)
    arrays = {
        "train": (
            rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
            np.arange(30, dtype=np.uint8) % 10,
        ),
        "test": (
            rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
            np.arange(12, dtype=np.uint8) % 10,
        ),
    }
    arrays["train"][0][0] = 0
    arrays["train"][0][1] = 255  # make the extremes of the range appear
    md5 = {}
    for split, names in mnist_module.FILES.items():
        for name, array in zip(names, arrays[split], strict=True):
            body = write_idx(tmp_path / name, array).read_bytes()
            server.routes[f"/mirror/{name}"] = (200, body)
            md5[name] = hashlib.md5(body).hexdigest()
    monkeypatch.setitem(mnist_module.MD5, "mnist", md5)
    monkeypatch.setitem(mnist_module.MD5, "fashion-mnist", md5)
    monkeypatch.setenv("GANCOURSE_DATA", str(tmp_path / "cache"))
    return arrays


def test_load_mnist_downloads_verifies_and_reads(server, fake_mnist, tmp_path):
    mirrors = (f"{server.url}/gone", f"{server.url}/mirror")  # no trailing slash: added
    train = load_mnist("train", mirrors=mirrors, progress=False)

    assert train.name == "mnist/train" and len(train) == 30
    assert train.images.shape == (30, 1, 28, 28) and train.images.dtype == torch.float32
    expected = torch.from_numpy(fake_mnist["train"][0]).float().unsqueeze(1) / 127.5 - 1
    torch.testing.assert_close(train.images, expected)
    assert train.labels.tolist() == (np.arange(30) % 10).tolist()
    assert train.labels.dtype == torch.int64
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    ]
    # Cached now: a second load makes no request at all.
    requests_so_far = len(server.requests)
    raw = load_mnist("train", scale="raw", mirrors=mirrors, progress=False)
    assert len(server.requests) == requests_so_far
    assert raw.images.max() == 255 and raw.images.min() == 0

    test = load_mnist("test", scale="unit", mirrors=mirrors, progress=False)
    assert len(test) == 12 and 0 <= test.images.min() and test.images.max() <= 1
    everything = load_mnist("all", mirrors=mirrors, progress=False)
    assert len(everything) == 42


def test_fashion_mnist_has_its_own_folder_and_class_names(server, fake_mnist, tmp_path):
    fashion = load_dataset("Fashion_MNIST", "test", mirrors=[f"{server.url}/mirror/"],
                           progress=False)
    assert fashion.name == "fashion-mnist/test" and fashion.class_names[9] == "Ankle boot"
    assert (tmp_path / "cache" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not (tmp_path / "cache" / "mnist").exists()


def test_load_mnist_offline_error_names_files_md5s_and_folder(server, fake_mnist, tmp_path):
    with pytest.raises(DownloadError) as caught:
        load_mnist("train", mirrors=[f"{server.url}/nowhere/"], progress=False)
    message = str(caught.value)
    folder = tmp_path / "cache" / "mnist"
    assert str(folder) in message and "GANCOURSE_DATA" in message
    for name, md5 in mnist_module.MD5["mnist"].items():
        assert name in message and md5 in message  # all four files, for a by-hand install
    assert f"{server.url}/nowhere/train-images-idx3-ubyte.gz" in message
    assert not any(folder.iterdir())  # nothing half-written


def test_load_mnist_without_download_and_files_missing(fake_mnist, tmp_path):
    with pytest.raises(FileNotFoundError, match="download=False") as caught:
        load_mnist("test", download=False)
    message = str(caught.value)
    assert str(tmp_path / "cache" / "mnist") in message
    assert mnist_module.MD5["mnist"]["t10k-images-idx3-ubyte.gz"] in message


def test_load_mnist_without_download_reads_files_put_there_by_hand(fake_mnist, tmp_path):
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    for name in mnist_module.FILES["test"]:
        (folder / name).write_bytes((tmp_path / name).read_bytes())
    assert len(load_mnist("test", download=False)) == 12
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"broken")
    with pytest.raises(ValueError, match="md5"):
        load_mnist("test", download=False)


def test_load_mnist_rejects_unknown_names():
    with pytest.raises(ValueError, match="'mnist', 'fashion-mnist'"):
        load_mnist("train", dataset="kmnist")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="split"):
        load_mnist("validation")  # type: ignore[arg-type]


def test_mirror_and_checksum_tables_are_complete():
    for dataset, table in mnist_module.MD5.items():
        assert set(table) == {n for names in mnist_module.FILES.values() for n in names}
        assert all(len(md5) == 32 and int(md5, 16) >= 0 for md5 in table.values())
        assert mnist_module.MIRRORS[dataset] and isinstance(mnist_module.MIRRORS[dataset], tuple)
    assert (
        mnist_module.MD5["mnist"]["train-images-idx3-ubyte.gz"]
        == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    )
