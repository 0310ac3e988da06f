"""Downloading a file from a list of mirrors, verified by md5 and written atomically.

The guarantees, in order:

1. A file already at ``dest`` with the right md5 is used as it is: no network at all.
2. Mirrors are tried in order. Each download streams into a temporary file beside ``dest`` (so
   the final rename never crosses file systems), the md5 is computed on the way, and only a file
   with the right md5 is renamed to ``dest`` with :func:`os.replace`, which is atomic.
3. Whatever goes wrong (HTTP error, timeout, wrong checksum, Ctrl-C), the temporary file is
   deleted, so ``dest`` only ever holds a complete, verified file or nothing.
4. When every mirror fails, :class:`DownloadError` lists each mirror with its failure and says
   which file to fetch by hand and where to put it.

Only the standard library's ``urllib`` is used; ``file://`` addresses work too.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DATA_ENV", "DownloadError", "cache_dir", "download", "md5sum"]

#: Environment variable naming the cache folder (default ``~/.cache/gancourse``).
DATA_ENV = "GANCOURSE_DATA"
_MD5_RE = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 16
_USER_AGENT = "gancourse (+https://pypi.org/project/gancourse/)"


class DownloadError(RuntimeError):
    """No mirror delivered the file with the right checksum.

    Attributes:
        dest: where the file should have been written.
        md5: the checksum it should have.
        attempts: ``(url, what went wrong)`` for each mirror tried, in order.
    """

    def __init__(self, message: str, *, dest: Path, md5: str, attempts: Sequence[tuple[str, str]]):
        super().__init__(message)
        self.dest = dest
        self.md5 = md5
        self.attempts = list(attempts)


def cache_dir() -> Path:
    """The folder downloaded data sets are kept in.

    ``$GANCOURSE_DATA`` if set (``~`` expanded), otherwise ``~/.cache/gancourse``. The folder is
    not created here; :func:`download` creates it when it first writes a file.
    """
    configured = os.environ.get(DATA_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "gancourse"


def md5sum(path: str | os.PathLike[str]) -> str:
    """The md5 of a file's bytes, as 32 lower-case hex digits."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, tmp: Path, md5: str, *, timeout: float, progress: bool, label: str) -> None:
    """Stream ``url`` into ``tmp``; raise ``ValueError`` on a checksum mismatch."""
    from tqdm.auto import tqdm  # imported on first download: importing gancourse.data stays light

    digest = hashlib.md5(usedforsecurity=False)
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, tmp.open("wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        # `disable` is passed only to switch the bar off: left out, TQDM_DISABLE=1 still works.
        switch = {} if progress else {"disable": True}
        received = 0
        with tqdm(
            total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label, leave=False,
            **switch,
        ) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        out.flush()
        os.fsync(out.fileno())
    if total is not None and received != total:
        raise ValueError(f"connection closed after {received} of {total} bytes")
    got = digest.hexdigest()
    if got != md5:
        size = tmp.stat().st_size
        raise ValueError(f"md5 mismatch: got {got} ({size} bytes), expected {md5}")


def _describe(err: BaseException) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"cannot connect: {err.reason}"
    if isinstance(err, TimeoutError):
        return f"timed out ({err})"
    return f"{type(err).__name__}: {err}" if not isinstance(err, ValueError) else str(err)


def download(
    urls: str | Sequence[str],
    dest: str | os.PathLike[str],
    md5: str,
    *,
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Make sure ``dest`` holds the file with checksum ``md5``, downloading it if needed.

    Args:
        urls: the file's address, or several (mirrors), tried in order until one delivers the
            right bytes. ``http(s)://`` and ``file://`` addresses work.
        dest: where the file goes; its folder is created if missing.
        md5: the expected checksum, 32 hex digits.
        timeout: seconds to wait for a connection or for the next chunk of data, per mirror.
        progress: show a ``tqdm`` progress bar (``TQDM_DISABLE=1`` hides it too).

    Returns:
        ``dest`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: no address given, or ``md5`` is not 32 hex digits.
        DownloadError: every mirror failed; the message lists each with its failure and says
            where to put the file by hand. ``dest`` is then left without a file.

    An existing ``dest`` with the right checksum is returned without any network access; one with
    a wrong checksum is reported with a warning, deleted and downloaded again.
    """
    mirrors = [urls] if isinstance(urls, str) else list(urls)
    if not mirrors:
        raise ValueError("download() needs at least one URL")
    md5 = md5.lower()
    if not _MD5_RE.match(md5):
        raise ValueError(f"md5 must be 32 hex digits, got {md5!r}")
    dest = Path(dest).expanduser()

    if dest.is_file():
        found = md5sum(dest)
        if found == md5:
            return dest
        warnings.warn(
            f"{dest} exists but its md5 is {found}, expected {md5}: the file is incomplete or "
            "corrupt; deleting it and downloading it again",
            stacklevel=2,
        )
        dest.unlink()

    dest.parent.mkdir(parents=True, exist_ok=True)
    attempts: list[tuple[str, str]] = []
    for url in mirrors:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _fetch(url, tmp, md5, timeout=timeout, progress=progress, label=dest.name)
            tmp.chmod(0o644)  # mkstemp makes the file private to its owner
            os.replace(tmp, dest)
            return dest
        # URLError, HTTPError and timeouts are OSErrors; a connection closed mid-file is an
        # http.client.IncompleteRead; a checksum mismatch is a ValueError from _fetch.
        except (OSError, ValueError, http.client.HTTPException) as err:
            attempts.append((url, _describe(err)))
        finally:
            tmp.unlink(missing_ok=True)  # gone already after a successful os.replace

    tried = "\n".join(f"  - {url}: {why}" for url, why in attempts)
    in_cache = dest.parent.resolve().is_relative_to(cache_dir().expanduser().resolve())
    where = (
        f"The cache folder is {cache_dir()}; set the environment variable {DATA_ENV} to use "
        "another one."
        if in_cache
        else f"The folder is {dest.parent}."
    )
    raise DownloadError(
        f"could not download {dest.name} (md5 {md5}); every mirror failed:\n{tried}\n"
        f"To install it by hand, download {dest.name} from any of these addresses on a machine "
        f"with a network and save it as\n  {dest}\n(its md5 must be {md5}). {where}",
        dest=dest,
        md5=md5,
        attempts=attempts,
    )
