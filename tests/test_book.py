"""The built book: it builds without warnings, and its pages render in a real browser.

Once per session the book is built like `make book` does (``jupyter-book build --warningiserror
--keep-going``) in the ``smoke`` profile into a temporary folder, unless ``GANCOURSE_BOOK_HTML``
names an already built ``_build/html``. Then every chapter page is opened in headless Chromium:
MathJax typeset its equations (from the book's own copy, no CDN), its figures are real PNGs, its
animation plays, and its Colab button opens the chapter's notebook in this repository. Without
Chromium the browser checks are skipped, unless ``GANCOURSE_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urljoin

import browser
import pytest
import yaml

bs4 = pytest.importorskip("bs4")
Image = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parents[1]
HTML_ENV = "GANCOURSE_BOOK_HTML"
SHOTS_ENV = "GANCOURSE_BOOK_SCREENSHOTS"  # keep the screenshots in this folder
COLAB = re.compile(
    r"^https://colab\.research\.google\.com/github/(?P<org>[^/]+)/(?P<repo>[^/]+)/blob/"
    r"(?P<branch>[^/]+)/(?P<path>.+\.ipynb)$"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = [pytest.mark.slow, pytest.mark.book]


# --------------------------------------------------------------------------------------- helpers


def jupyter_book() -> list[str]:
    """The command that runs Jupyter Book with this interpreter's environment."""
    script = Path(sys.executable).with_name("jupyter-book")
    if script.exists():
        return [str(script)]
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed (pip install -e '.[book]')")
    return [found]


def build_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Kernels must start from this environment's python, as the Makefile arranges with PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    env.update(extra)
    return env


def build(source: Path, output: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``jupyter-book build`` with the Makefile's flags; output under ``output/_build/html``."""
    cmd = [*jupyter_book(), "build", str(source), "--path-output", str(output),
           "--warningiserror", "--keep-going"]  # fmt: skip
    return subprocess.run(
        cmd, cwd=source, env=build_env(**env), capture_output=True, text=True, timeout=3600,
        check=False,
    )


def toc_files() -> list[str]:
    """Every document in _toc.yml, root first, without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [str(Path(f).with_suffix("")) if f.endswith((".md", ".ipynb")) else f for f in files]


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


ROOT_DOC = toc_files()[0]
CHAPTERS = [f for f in toc_files()[1:] if f.startswith("book/")]
NOTEBOOK_PAGES = [f for f in toc_files()[1:] if (ROOT / f"{f}.ipynb").exists()]


def soup(html: str):
    return bs4.BeautifulSoup(html, "html.parser")


def page_file(html_dir: Path, doc: str) -> Path:
    path = html_dir / f"{doc}.html"
    assert path.exists(), f"the built book has no page for {doc} ({path})"
    return path


def makes_animation(doc: str) -> bool:
    """Whether the chapter's code makes a jshtml animation (gancourse.plotting.animate does)."""
    nb = json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return re.search(r"\b(animate|to_jshtml|FuncAnimation|ArtistAnimation)\b", code) is not None


def image_bytes(page: Path, src: str) -> bytes:
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        assert header.startswith("data:image/png;base64"), f"unexpected image data {header}"
        return base64.b64decode(payload)
    path = (page.parent / src.split("#")[0].split("?")[0]).resolve()
    assert path.is_file(), f"{page.name}: image {src} is missing ({path})"
    return path.read_bytes()


def assert_png(data: bytes, what: str) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, f"{what} is not a PNG"
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decodes every pixel: a truncated file raises
            width, height = img.size
            extrema = img.convert("L").getextrema()
    except (OSError, SyntaxError) as err:
        pytest.fail(f"{what} does not decode: {err}")
    assert width > 0 and height > 0, f"{what} is empty"
    assert extrema[0] != extrema[1], f"{what} is a blank image"
    return width, height


def output_images(page_soup) -> list:
    """The <img> elements that show notebook outputs (not logos or the animation frames)."""
    return [
        img
        for img in page_soup.select(".cell_output img, .output img")
        if not (img.get("id") or "").startswith("_anim_img")
    ]


# -------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def html_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get(HTML_ENV)
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), f"{HTML_ENV}={given} holds no built book"
        return path
    out = tmp_path_factory.mktemp("book")
    proc = build(ROOT, out, GANCOURSE_PROFILE="smoke")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log[-8000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def chromium() -> str:
    found = browser.find_chromium()
    if found is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if browser.browser_required():
            pytest.fail(f"{message}, and {browser.REQUIRE_ENV} is set")
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def rendered(html_dir: Path, chromium: str, screenshots: Path) -> dict[str, tuple[str, Path]]:
    """doc -> (DOM after JavaScript, screenshot) for the root page and every notebook page."""
    pages = {}
    with browser.serve(html_dir) as base:
        for doc in [ROOT_DOC, *NOTEBOOK_PAGES]:
            page_file(html_dir, doc)
            shot = screenshots / f"{doc.replace('/', '__')}.png"
            pages[doc] = (browser.render(chromium, urljoin(base, f"{doc}.html"), shot), shot)
    return pages


# ----------------------------------------------------------------------------- the static HTML


def test_toc_lists_chapters():
    assert CHAPTERS, "_toc.yml lists no chapter under book/"


def test_mathjax_is_served_locally(html_dir: Path):
    script = html_dir / "_static" / "mathjax" / "tex-svg.js"
    assert script.is_file() and script.stat().st_size > 1_000_000, f"{script} is missing"
    for doc in [ROOT_DOC, *CHAPTERS]:
        page = soup(page_file(html_dir, doc).read_text(encoding="utf-8"))
        sources = [s.get("src", "") for s in page.find_all("script")]
        assert any(s.endswith("_static/mathjax/tex-svg.js") for s in sources), (
            f"{doc}: MathJax is not loaded from the book's _static/mathjax/"
        )
        assert not [s for s in sources if "mathjax" in s.lower() and "://" in s], (
            f"{doc}: MathJax is still loaded from a CDN"
        )


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_figures_are_valid_pngs(html_dir: Path, doc: str):
    page = page_file(html_dir, doc)
    images = output_images(soup(page.read_text(encoding="utf-8")))
    assert images, f"{doc}: no figure from the notebook's outputs"
    for img in images:
        assert_png(image_bytes(page, img["src"]), f"{doc}: figure {img['src'][:80]}")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_animation_markup(html_dir: Path, doc: str):
    if not makes_animation(doc):
        pytest.skip(f"{doc} makes no animation")
    html = page_file(html_dir, doc).read_text(encoding="utf-8")
    page = soup(html)
    assert page.select("div.animation img[id^=_anim_img]"), f"{doc}: no jshtml animation markup"
    assert "new Animation(" in html, f"{doc}: the animation's JavaScript is missing"
    # frames[i] = "data:image/png;base64,...": base64 broken into lines ending in a backslash
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,([A-Za-z0-9+/=\\\s]+)"', html)
    assert len(frames) >= 2, f"{doc}: the animation has fewer than two frames"
    for frame in frames:
        assert_png(base64.b64decode(re.sub(r"[\\\s]", "", frame)), f"{doc}: animation frame")


@pytest.mark.parametrize("doc", NOTEBOOK_PAGES)
def test_colab_button_opens_this_notebook(html_dir: Path, doc: str):
    page = soup(page_file(html_dir, doc).read_text(encoding="utf-8"))
    links = [
        a["href"] for a in page.find_all("a", href=True) if "colab.research.google.com" in a["href"]
    ]
    assert links, f"{doc}: no Colab launch button"
    repo = config()["repository"]
    org, name = repo["url"].rstrip("/").split("/")[-2:]
    for href in links:
        match = COLAB.match(href)
        assert match, (
            f"{doc}: Colab link {href} is not .../github/<org>/<repo>/blob/<branch>/<path>.ipynb"
        )
        assert (match["org"], match["repo"]) == (org, name), f"{doc}: {href} is not {repo['url']}"
        assert match["branch"] == repo["branch"], f"{doc}: {href} is not on branch {repo['branch']}"
        assert match["path"] == f"{doc}.ipynb", f"{doc}: {href} opens another notebook"
        assert (ROOT / match["path"]).is_file(), f"{doc}: {match['path']} is not in the repository"


# ------------------------------------------------------------------------------- in the browser


def _typeset_ok(doc: str, dom: str, *, has_math: bool = True) -> None:
    page = soup(dom)
    maths = page.select(".math")
    containers = page.find_all("mjx-container")
    if has_math or maths:
        assert containers, f"{doc}: MathJax produced no output (no <mjx-container>)"
    untypeset = [m for m in maths if m.find("mjx-container") is None]
    assert not untypeset, f"{doc}: {len(untypeset)} equations were not typeset: {untypeset[0]}"
    errors = page.select('g[data-mml-node="merror"], [data-mjx-error]')
    assert not errors, f"{doc}: MathJax reports errors: {[e.get('data-mjx-error') for e in errors]}"
    article = page.select_one("article") or page.body
    for tag in article.select("pre, script, style, .highlight, .cell_input"):
        tag.decompose()
    assert "$$" not in article.get_text(), f"{doc}: raw $$ left in the text"


def _screenshot_ok(doc: str, shot: Path) -> None:
    assert shot.is_file(), f"{doc}: no screenshot"
    width, height = assert_png(shot.read_bytes(), f"{doc}: screenshot")
    assert width >= 800 and height >= 600


def test_intro_renders(rendered):
    dom, shot = rendered[ROOT_DOC]
    page = soup(dom)
    assert page.find("h1") is not None and "WGAN-GP" in page.find("h1").get_text()
    _typeset_ok(ROOT_DOC, dom)
    _screenshot_ok(ROOT_DOC, shot)
    for doc in CHAPTERS:  # the landing page links every available chapter
        name = Path(doc).name
        assert page.select(f'article a[href$="{name}.html"]'), f"the intro does not link {doc}"


@pytest.mark.parametrize("doc", NOTEBOOK_PAGES)
def test_page_math_typeset(rendered, doc: str):
    """Chapters must have typeset equations; exercise pages, if they have any."""
    dom, shot = rendered[doc]
    _typeset_ok(doc, dom, has_math=doc in CHAPTERS)
    _screenshot_ok(doc, shot)


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_figures_in_dom(rendered, html_dir: Path, doc: str):
    dom, _ = rendered[doc]
    page = page_file(html_dir, doc)
    images = output_images(soup(dom))
    assert images, f"{doc}: no figure in the rendered page"
    for img in images:
        assert_png(image_bytes(page, img["src"]), f"{doc}: figure {img['src'][:80]}")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_animation_runs(rendered, doc: str):
    if not makes_animation(doc):
        pytest.skip(f"{doc} makes no animation")
    page = soup(rendered[doc][0])
    frames = page.select("div.animation img[id^=_anim_img]")
    assert frames, f"{doc}: no animation in the rendered page"
    for img in frames:  # the script has put a frame into the <img>
        src = img.get("src", "")
        assert src.startswith("data:image/png;base64,"), f"{doc}: the animation shows no frame"
        assert_png(base64.b64decode(src.split(",", 1)[1]), f"{doc}: animation frame")
    assert page.select("div.animation input[type=range]"), f"{doc}: the animation has no slider"


# --------------------------------------------------------------------- the build fails when it must

_TINY_PAGES = {
    "raising cell": {
        "broken.ipynb": {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "# Broken\n\nMath: $x^2$."},
                {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                 "source": "raise RuntimeError('deliberately broken cell')"},
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5,
        },
    },
    "sphinx warning": {
        "broken.md": "# Broken\n\nA link to {doc}`a page that does not exist <nowhere>`.\n",
    },
}  # fmt: skip


@pytest.mark.parametrize("fault", list(_TINY_PAGES))
def test_build_fails_on(fault: str, tmp_path: Path):
    """A tiny book with the real _config.yml and one broken page must not build."""
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", src / "book" / "_ext")
    (src / "book" / "intro.md").write_text("# Tiny book\n", encoding="utf-8")
    for name, content in _TINY_PAGES[fault].items():
        text = content if isinstance(content, str) else json.dumps(content)
        (src / "book" / name).write_text(text, encoding="utf-8")
    (src / "_toc.yml").write_text(
        textwrap.dedent(
            """\
            format: jb-book
            root: book/intro
            chapters:
              - file: book/broken
            """
        ),
        encoding="utf-8",
    )
    proc = build(src, tmp_path / "out", GANCOURSE_MATHJAX_CDN="1")
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the build of a book with a {fault} succeeded:\n{log[-4000:]}"
    expected = "deliberately broken cell" if fault == "raising cell" else "nowhere"
    assert expected in log, f"the build failed, but not because of the {fault}:\n{log[-4000:]}"
