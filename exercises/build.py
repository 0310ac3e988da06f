"""Build the graded exercises with otter-grader: ``make exercises`` runs this script.

For every exercise ``exercises/<name>/`` whose solution notebook is ``solution/<name>.ipynb``
(the otter-assign source, with solutions and tests), ``otter assign`` writes:

* the student notebook, normalised and committed as ``exercises/<name>/<name>.ipynb`` (the page
  Colab opens: solutions replaced by ``...``, a ``grader.check`` cell after each question);
* the public tests, committed into the package as ``gancourse/grading/tests/<name>/q*.py``, so
  that ``grader.check`` finds them wherever ``gancourse`` is installed (Colab included);
* the Gradescope autograder zip, ``exercises/<name>/dist/<name>-autograder.zip`` (not committed,
  with the hidden tests), and otter's whole output beside it in ``dist/``.

    python exercises/build.py                # build every exercise (runs the tests on the solution)
    python exercises/build.py ex01_mle       # only these
    python exercises/build.py --check        # exit 1 if a committed notebook or test is stale

The autograder installs the course package from the repository tag of this version
(``requirements.txt`` is written here, next to a temporary copy of the solution notebook).
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

EXERCISES = Path(__file__).resolve().parent
ROOT = EXERCISES.parent
SHIPPED_TESTS = ROOT / "gancourse" / "grading" / "tests"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

sys.path.insert(0, str(ROOT / "tools"))
from sync_notebooks import install_cell_source, package_version, repository_url  # noqa: E402


def exercise_names() -> list[str]:
    """Every exercise: a folder ``exercises/<name>/`` holding ``solution/<name>.ipynb``."""
    return sorted(
        p.parent.parent.name
        for p in EXERCISES.glob("*/solution/*.ipynb")
        if p.stem == p.parent.parent.name
    )


def solution_notebook(name: str) -> Path:
    return EXERCISES / name / "solution" / f"{name}.ipynb"


def student_notebook(name: str) -> Path:
    return EXERCISES / name / f"{name}.ipynb"


def shipped_tests(name: str) -> Path:
    return SHIPPED_TESTS / name


def dist_dir(name: str) -> Path:
    return EXERCISES / name / "dist"


def autograder_zip(name: str) -> Path:
    return dist_dir(name) / f"{name}-autograder.zip"


def autograder_requirements() -> str:
    """What the Gradescope autograder pip-installs besides otter: the course package, this
    version."""
    return f"gancourse @ git+{repository_url()}@v{package_version()}\n"


@dataclass
class Assigned:
    """What ``otter assign`` made of one solution notebook (inside ``out``)."""

    out: Path
    student: nbformat.NotebookNode  # normalised, as committed
    tests: dict[str, str]  # public test files: name -> text
    autograder_zip: Path


def normalise_student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook as committed: no outputs, stable cell ids, minimal metadata.

    otter gives the cells it adds random ids; numbering them keeps a rebuild byte-identical, so a
    diff shows only real changes and the stale check can compare whole files.
    """
    nb = copy.deepcopy(nb)
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "otter": nb.metadata.get("otter", {}),
    }
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(nb)
    return nb


def check_install_cell(name: str) -> None:
    nb = nbformat.read(solution_notebook(name), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    want = install_cell_source("[grade]")
    if first.source.strip() != want:
        raise SystemExit(
            f"{solution_notebook(name).relative_to(ROOT)}: the first code cell must be the Colab "
            f"install cell:\n{want}"
        )


def assign(name: str, out: Path, *, run_tests: bool = False) -> Assigned:
    """Run ``otter assign`` on a copy of the solution notebook of ``name``, into ``out``."""
    check_install_cell(name)
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix=f"{name}-src-") as tmp:
        src = Path(tmp) / f"{name}.ipynb"
        shutil.copyfile(solution_notebook(name), src)
        (Path(tmp) / "requirements.txt").write_text(autograder_requirements(), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        cmd = [sys.executable, "-m", "otter", "assign", str(src), str(out)]
        if not run_tests:
            cmd.append("--no-run-tests")
        env = dict(os.environ)
        # Kernels otter starts must be this environment's python (the Makefile does the same).
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("GANCOURSE_PROFILE", "smoke")
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        # With tests run, otter assign exits non-zero unless the solution scores full marks.
        if proc.returncode != 0:
            raise RuntimeError(f"otter assign failed for {name}:\n{proc.stdout}\n{proc.stderr}")
    student = normalise_student(nbformat.read(out / "student" / f"{name}.ipynb", as_version=4))
    tests = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted((out / "student" / "tests").glob("*.py"))
    }
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {out / 'autograder'}, found {zips}")
    return Assigned(out=out, student=student, tests=tests, autograder_zip=zips[0])


def build(name: str) -> Assigned:
    """Regenerate the committed student notebook and shipped tests of ``name``, and its dist/."""
    result = assign(name, dist_dir(name), run_tests=True)
    nbformat.write(result.student, student_notebook(name))
    tests = shipped_tests(name)
    if tests.exists():
        shutil.rmtree(tests)
    tests.mkdir(parents=True)
    for fname, text in result.tests.items():
        (tests / fname).write_text(text, encoding="utf-8")
    shutil.copyfile(result.autograder_zip, autograder_zip(name))
    return result


def stale(name: str, fresh: Assigned) -> list[str]:
    """Why the committed student notebook or shipped tests of ``name`` differ from ``fresh``.

    ``fresh`` is what :func:`assign` makes of the solution notebook now (into a scratch folder).
    """
    problems = []
    nb_path = student_notebook(name)
    if not nb_path.exists():
        problems.append(f"{nb_path.relative_to(ROOT)} does not exist")
    elif nbformat.writes(fresh.student) != nbformat.writes(nbformat.read(nb_path, as_version=4)):
        problems.append(
            f"{nb_path.relative_to(ROOT)} differs from what `otter assign` makes of the solution"
        )
    tests = shipped_tests(name)
    have = (
        {p.name: p.read_text(encoding="utf-8") for p in sorted(tests.glob("*.py"))}
        if tests.is_dir()
        else {}
    )
    for fname in sorted(set(have) | set(fresh.tests)):
        rel = (tests / fname).relative_to(ROOT)
        if fname not in have:
            problems.append(f"{rel} is missing")
        elif fname not in fresh.tests:
            problems.append(f"{rel} is no longer generated")
        elif have[fname] != fresh.tests[fname]:
            problems.append(f"{rel} differs from the tests in the solution notebook")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="only report stale student notebooks or tests"
    )
    parser.add_argument("names", nargs="*", help="exercises to build, e.g. ex01_mle (default: all)")
    args = parser.parse_args(argv)
    names = args.names or exercise_names()
    unknown = sorted(set(names) - set(exercise_names()))
    if unknown:
        parser.error(
            f"no such exercise: {', '.join(unknown)} (known: {', '.join(exercise_names())})"
        )
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            problems = [p for name in names for p in stale(name, assign(name, Path(tmp) / name))]
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("run `make exercises` to regenerate them", file=sys.stderr)
        return 1 if problems else 0
    for name in names:
        result = build(name)
        print(f"{name}: wrote {student_notebook(name).relative_to(ROOT)}, "
              f"{shipped_tests(name).relative_to(ROOT)}/ ({len(result.tests)} test files), "
              f"{autograder_zip(name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
