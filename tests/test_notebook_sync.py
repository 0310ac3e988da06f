"""The notebooks in the repository are what the book, Colab and the graders expect.

- every MyST twin ``book/md/<stem>.md`` has a notebook ``book/<stem>.ipynb`` with the same cells
  (`make notebooks` regenerates them);
- notebooks carry no outputs (except the text outputs of cells marked ``# NBVAL_CHECK_OUTPUT``,
  which nbval compares against), no execution counts and no widget state;
- the first code cell of every chapter and exercise notebook is the Colab install cell, which
  names the repository URL of _config.yml;
- _toc.yml and the notebooks agree: every notebook in the toc exists, every chapter notebook is in
  the toc, and the exercise notebooks in the toc are excluded from execution.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import nbformat
import pytest
import sync_notebooks  # tools/, put on sys.path by conftest.py
import yaml
from sync_notebooks import CHECK_MARK, install_cell_source, out_of_date

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EXERCISES = ROOT / "exercises"
# Generated or local folders, not part of the repository (.gitignore).
SKIP_PARTS = {"dist", ".ipynb_checkpoints", "_build", ".venv"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def twins() -> list[Path]:
    return sorted((BOOK / "md").glob("*.md"))


def chapter_notebooks() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def exercise_notebooks() -> list[Path]:
    return sorted(
        p for p in EXERCISES.rglob("*.ipynb") if not SKIP_PARTS & set(p.relative_to(ROOT).parts)
    )


def load_yaml(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def toc_entries() -> list[str]:
    """Every ``file:`` of _toc.yml (the root included), as written there."""
    toc = load_yaml("_toc.yml")
    found = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return found


# ------------------------------------------------------------------------------- the checks
# Plain functions returning a list of problems, so that they can be tried on broken notebooks.


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What a committed notebook must not carry: outputs, execution counts, widget state."""
    problems = []
    if "widgets" in nb.metadata:
        problems.append("notebook metadata holds widget state ('widgets')")
    for i, cell in enumerate(nb.cells):
        if "execution" in cell.get("metadata", {}):
            problems.append(f"cell {i} keeps execution timestamps in its metadata")
        if cell.cell_type != "code":
            continue
        checked = CHECK_MARK in cell.source
        # nbval needs a count on cells with stored outputs; no other cell may carry one.
        if cell.get("execution_count") is not None and not (checked and cell.get("outputs")):
            problems.append(f"cell {i} has an execution count")
        for out in cell.get("outputs", []):
            if not checked:
                problems.append(f"cell {i} has an output but is not marked # {CHECK_MARK}")
            elif out.output_type == "stream":
                if out.get("name") != "stdout":
                    problems.append(f"cell {i} keeps a {out.get('name')} stream output")
            elif out.output_type == "execute_result":
                if set(out.get("data", {})) - {"text/plain"}:
                    problems.append(f"cell {i} keeps a non-text output {sorted(out['data'])}")
            else:
                problems.append(f"cell {i} keeps a {out.output_type} output")
    return problems


def install_cell_problems(nb: nbformat.NotebookNode, allowed: list[str]) -> list[str]:
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code:
        return ["no code cell"]
    first = code[0].source.strip()
    if first not in [a.strip() for a in allowed]:
        return [
            f"the first code cell is not the Colab install cell:\n{first}\n---\n"
            f"expected:\n{allowed[0]}"
        ]
    url = sync_notebooks.repository_url()
    if url not in first:  # implied by the above; stated for the reader of a failure
        return [f"the install cell does not name the repository {url}"]
    return []


# -------------------------------------------------------------------------------- the tests


def test_repository_url_is_in_config_once():
    url = sync_notebooks.repository_url()
    assert url.startswith("https://github.com/"), f"repository.url is {url!r}"
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert text.count("github.com/") == 1, "_config.yml names the repository URL more than once"


@pytest.mark.parametrize("md", twins(), ids=lambda p: p.stem)
def test_notebook_matches_its_twin(md: Path):
    problem = out_of_date(md)
    assert problem is None, f"{problem}: run `make notebooks`"


@pytest.mark.parametrize("path", chapter_notebooks() + exercise_notebooks(), ids=_rel)
def test_notebook_has_no_outputs(path: Path):
    problems = output_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", chapter_notebooks(), ids=_rel)
def test_chapter_starts_with_install_cell(path: Path):
    problems = install_cell_problems(nbformat.read(path, as_version=4), [install_cell_source()])
    assert not problems, f"{_rel(path)}: " + "\n".join(problems)


@pytest.mark.parametrize("path", exercise_notebooks(), ids=_rel)
def test_exercise_starts_with_install_cell(path: Path):
    allowed = [install_cell_source("[grade]"), install_cell_source()]
    problems = install_cell_problems(nbformat.read(path, as_version=4), allowed)
    assert not problems, f"{_rel(path)}: " + "\n".join(problems)


def test_every_twin_has_a_notebook_and_vice_versa():
    stems_md = {p.stem for p in twins()}
    stems_nb = {p.stem for p in chapter_notebooks()}
    assert stems_nb - stems_md == set(), f"notebooks without a MyST twin: {stems_nb - stems_md}"
    assert stems_md - stems_nb == set(), f"twins without a notebook: {stems_md - stems_nb}"


def test_toc_entries_exist():
    missing = []
    for entry in toc_entries():
        stem = ROOT / entry
        candidates = [stem] if stem.suffix in {".md", ".ipynb"} else [
            stem.with_name(stem.name + ".ipynb"), stem.with_name(stem.name + ".md")]  # fmt: skip
        if not any(c.is_file() for c in candidates):
            missing.append(entry)
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_toc_chapters_and_exercises_are_notebooks():
    """Colab buttons only work on .ipynb pages: chapters and exercises must be notebooks."""
    toc = load_yaml("_toc.yml")
    for entry in toc_entries():
        if entry == toc["root"]:
            continue
        stem = (
            str(PurePosixPath(entry).with_suffix(""))
            if entry.endswith((".md", ".ipynb"))
            else entry
        )
        assert (ROOT / f"{stem}.ipynb").is_file(), f"_toc.yml: {entry} is not a notebook"
        assert not (ROOT / f"{stem}.md").exists(), (
            f"_toc.yml: {entry} is ambiguous, both {stem}.ipynb and {stem}.md exist"
        )


def test_every_chapter_notebook_is_in_the_toc():
    listed = {
        str(PurePosixPath(e).with_suffix("")) if e.endswith(".ipynb") else e
        for e in toc_entries()
    }
    notebooks = sorted(BOOK.rglob("*.ipynb"))
    notebooks = [p for p in notebooks if not SKIP_PARTS & set(p.relative_to(ROOT).parts)]
    unlisted = [_rel(p) for p in notebooks if _rel(p.with_suffix("")) not in listed]
    assert not unlisted, f"notebooks in book/ missing from _toc.yml: {unlisted}"


def test_toc_exercises_are_not_executed():
    """Student notebooks hold unanswered `...` cells: the book shows them without running them."""
    patterns = load_yaml("_config.yml").get("execute", {}).get("exclude_patterns", [])
    for entry in toc_entries():
        if entry.startswith("exercises/"):
            path = PurePosixPath((ROOT / entry).as_posix()).with_suffix(".ipynb")
            assert any(path.match(p) for p in patterns), (
                f"_toc.yml: {entry} is executed by the build; add it to execute.exclude_patterns"
            )


def test_every_exercise_in_the_toc():
    """Each exercise folder's student notebook exercises/exNN_name/exNN_name.ipynb is in the toc."""
    listed = set(toc_entries())
    for folder in sorted(p for p in EXERCISES.glob("ex*") if p.is_dir()):
        student = folder / f"{folder.name}.ipynb"
        if student.is_file():
            assert _rel(student.with_suffix("")) in listed or _rel(student) in listed, (
                f"{_rel(student)} is not in _toc.yml"
            )
