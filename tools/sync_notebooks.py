"""Regenerate the chapter notebooks ``book/*.ipynb`` from their MyST twins ``book/md/*.md``.

The MyST file is the source a reviewer reads; the notebook is what Colab opens and what the book
builds from. A notebook keeps no outputs except those of cells marked ``# NBVAL_CHECK_OUTPUT``:
their outputs, computed here in the ``smoke`` profile, are what nbval compares against.

    python tools/sync_notebooks.py            # rewrite every notebook (executes checked cells)
    python tools/sync_notebooks.py --check    # exit 1 if any notebook is out of date
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
MD_DIR = BOOK / "md"
CHECK_MARK = "NBVAL_CHECK_OUTPUT"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def repository_url() -> str:
    """The repository URL: it lives in one place, ``_config.yml``."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return str(config["repository"]["url"]).rstrip("/")


def package_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise RuntimeError("no version in pyproject.toml")
    return match.group(1)


def install_cell_source(extras: str = "") -> str:
    """The first code cell of every chapter and exercise: installs gancourse on Colab only."""
    spec = f"gancourse{extras} @ git+{repository_url()}@v{package_version()}"
    return (
        "# On Colab, install the course package "
        "(elsewhere `make book` or `pip install -e .` did).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{spec}"], check=True)'
    )


def first_code_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            return cell
    raise ValueError("notebook has no code cell")


def notebook_from_md(md_path: Path) -> nbformat.NotebookNode:
    """Read a MyST twin into a notebook with clean metadata and no outputs."""
    nb = jupytext.read(md_path, fmt="md:myst")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def is_checked(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and CHECK_MARK in cell.source


def keep_checked_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop every output but the text outputs of checked cells.

    Checked cells keep an execution count (numbered 1, 2, ...): nbval treats a cell with outputs
    and no count as never run and fails it. Every other cell has none.
    """
    nb = copy.deepcopy(nb)
    # Execution adds kernel details and widget state (progress bars) to the metadata: drop them.
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's timestamps: churn in every diff
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = []
        if is_checked(cell):
            count += 1
            cell.execution_count = count
            for out in cell.get("outputs", []):
                if out.output_type == "stream" and out.name == "stdout":
                    kept.append(out)
                elif out.output_type == "execute_result":
                    out.execution_count = count
                    out.data = {k: v for k, v in out.data.items() if k == "text/plain"}
                    out.metadata = {}
                    kept.append(out)
        cell.outputs = kept
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    os.environ.setdefault("GANCOURSE_PROFILE", "smoke")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("TQDM_DISABLE", "1")
    nb = copy.deepcopy(nb)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return nb


def cell_signature(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What must agree between a notebook and its twin: cell types, sources and tags."""
    return [
        (c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", [])))
        for c in nb.cells
    ]


def out_of_date(md_path: Path) -> str | None:
    """Why ``book/<stem>.ipynb`` disagrees with ``md_path``, or None if it is in sync."""
    ipynb = BOOK / f"{md_path.stem}.ipynb"
    if not ipynb.exists():
        return f"{ipynb.relative_to(ROOT)} does not exist"
    expected = cell_signature(notebook_from_md(md_path))
    actual = cell_signature(nbformat.read(ipynb, as_version=4))
    if expected != actual:
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            if e != a:
                return f"{ipynb.relative_to(ROOT)} differs from its twin at cell {i}"
        return f"{ipynb.relative_to(ROOT)} has {len(actual)} cells, its twin {len(expected)}"
    return None


def sync(md_path: Path) -> Path:
    nb = notebook_from_md(md_path)
    want = install_cell_source()
    if first_code_cell(nb).source.strip() != want:
        raise SystemExit(
            f"{md_path.relative_to(ROOT)}: the first code cell must be the Colab install cell:\n"
            f"{want}"
        )
    if any(is_checked(c) for c in nb.cells):
        nb = keep_checked_outputs(execute(nb, cwd=BOOK))
    out = BOOK / f"{md_path.stem}.ipynb"
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only report notebooks out of date")
    parser.add_argument("names", nargs="*", help="stems to sync, e.g. 01_mle (default: all)")
    args = parser.parse_args(argv)
    sources = sorted(MD_DIR.glob("*.md"))
    if args.names:
        unknown = sorted(set(args.names) - {s.stem for s in sources})
        if unknown:
            known = ", ".join(s.stem for s in sources)
            parser.error(f"no MyST twin for {', '.join(unknown)} in book/md/ (known: {known})")
        sources = [s for s in sources if s.stem in args.names]
    if args.check:
        problems = [p for p in map(out_of_date, sources) if p]
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("run `make notebooks` to regenerate them", file=sys.stderr)
        return 1 if problems else 0
    for src in sources:
        print("wrote", sync(src).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
