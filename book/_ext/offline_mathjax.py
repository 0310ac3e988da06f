"""Serve MathJax 3 from the built book itself instead of a CDN.

Sphinx loads MathJax from cdn.jsdelivr.net by default, which an offline reader (or a browser test
with no network) cannot reach. This extension makes the HTML build use a local copy of MathJax
3.2.2's ``tex-svg.js`` (self-contained: the SVG output needs no font files):

1. on ``builder-inited`` it makes sure the files are in a cache folder, downloading the npm
   tarball and checking its integrity hash if they are not;
2. it points ``mathjax_path`` at ``_static/mathjax/tex-svg.js``;
3. on ``build-finished`` it copies the cached files into the output's ``_static/mathjax/``.

Environment variables:

``GANCOURSE_MATHJAX_DIR``  the cache folder (default ``~/.cache/gancourse/mathjax-3.2.2``);
``GANCOURSE_MATHJAX_CDN``  set to ``1`` to skip all this and load MathJax from the CDN.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

VERSION = "3.2.2"
TARBALL_URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{VERSION}.tgz"
# The npm registry's "integrity" field for mathjax@3.2.2 (sha512 of the tarball, base64).
INTEGRITY = (
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
DIR_ENV = "GANCOURSE_MATHJAX_DIR"
CDN_ENV = "GANCOURSE_MATHJAX_CDN"
ENTRY = "tex-svg.js"
# What the page needs from the tarball's es5/ folder: the combined component, the TeX extensions
# that `autoload` fetches on first use (\boldsymbol, \cancel, ...) and the assistive-MathML module
# that the MathJax menu loads. The speech engine (a11y/sre, several MB) is left out.
WANTED = (ENTRY, "input/tex/extensions/", "a11y/assistive-mml.js")
STATIC_SUBDIR = "mathjax"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "gancourse" / f"mathjax-{VERSION}"
    return Path(os.environ.get(DIR_ENV) or default).expanduser()


def _wanted(member: tarfile.TarInfo) -> str | None:
    """The path below es5/ if the tarball member is one we keep, else None."""
    prefix = "package/es5/"
    if not member.isfile() or not member.name.startswith(prefix):
        return None
    rel = member.name[len(prefix):]
    if ".." in Path(rel).parts:
        return None
    return rel if any(rel == w or (w.endswith("/") and rel.startswith(w)) for w in WANTED) else None


def check_integrity(data: bytes) -> None:
    algorithm, _, expected = INTEGRITY.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise ExtensionError(
            f"{TARBALL_URL} does not match its npm integrity hash ({INTEGRITY}); got "
            f"{algorithm}-{actual}. Refusing to use it."
        )


def extract(data: bytes, dest: Path) -> None:
    """Unpack the wanted files into ``dest``, atomically: a temporary folder, then a rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = _wanted(member)
                if rel is None:
                    continue
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
        if not (tmp / ENTRY).is_file():
            raise ExtensionError(f"{TARBALL_URL} has no es5/{ENTRY}")
        try:
            tmp.rename(dest)
        except OSError:  # another build finished first: keep its copy
            if not (dest / ENTRY).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ensure_mathjax() -> Path:
    """The cache folder holding ``tex-svg.js``; downloads it once if it is missing."""
    dest = cache_dir()
    if (dest / ENTRY).is_file():
        return dest
    logger.info(f"offline_mathjax: downloading MathJax {VERSION} from {TARBALL_URL}")
    try:
        with urllib.request.urlopen(TARBALL_URL, timeout=60) as response:
            data = response.read()
    except OSError as err:
        raise ExtensionError(
            f"MathJax {VERSION} is not in {dest} and could not be downloaded ({err}).\n"
            f"Download {TARBALL_URL} on a machine with a network and unpack its "
            f"package/es5/ folder (at least {ENTRY} and input/tex/extensions/) into {dest}, "
            f"or set {DIR_ENV} to a folder that has them, "
            f"or set {CDN_ENV}=1 to load MathJax from the CDN instead."
        ) from err
    check_integrity(data)
    extract(data, dest)
    return dest


def on_builder_inited(app: Sphinx) -> None:
    if app.builder.format != "html" or os.environ.get(CDN_ENV, "").strip() in {"1", "true", "yes"}:
        return
    app.offline_mathjax_src = ensure_mathjax()  # type: ignore[attr-defined]
    app.config.mathjax_path = f"{STATIC_SUBDIR}/{ENTRY}"


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    src = getattr(app, "offline_mathjax_src", None)
    if exception is not None or src is None:
        return
    dest = Path(app.outdir) / "_static" / STATIC_SUBDIR
    shutil.copytree(src, dest, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
