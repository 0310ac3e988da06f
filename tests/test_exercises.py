"""The graded exercises' graders, proved: otter's autograder run on real submissions.

For each exercise (``exercises/<name>/solution/<name>.ipynb``, built by ``exercises/build.py``):

* the committed student notebook and the public tests shipped in ``gancourse/grading/tests/`` are
  what ``otter assign`` makes of the solution now (else: run ``make exercises``);
* graded by ``otter run`` with a freshly built autograder zip, the solution scores full marks, the
  blank student notebook zero on every question, and each wrong submission kept in
  ``tests/exercises/<name>/`` less than full on its question, for the right reason (the feedback
  names the mistake), while the other questions keep full marks;
* ``grader.check`` works in a plain kernel with no tests folder beside the notebook (as on Colab).

A wrong submission is a small file of student code: the answer cell(s) it replaces, with a header
line ``# expect <question>: <phrase>`` giving the question it must lose points on and a phrase the
failure message must contain. The submission notebook is assembled at test time from the committed
student notebook, every other answer cell filled with the solution, so the files stay readable and
follow the student notebook when it changes.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
WRONG_DIR = Path(__file__).resolve().parent / "exercises"
ANSWER_TAG = "otter_answer_cell"
GRADE_TIMEOUT = 300  # seconds for one `otter run` (a kernel, the notebook, the tests)


def _load_build():
    spec = importlib.util.spec_from_file_location(
        "exercises_build", ROOT / "exercises" / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build = _load_build()
EXERCISES = build.exercise_names()


@dataclass(frozen=True)
class Wrong:
    """A wrong submission: student code, the question it must fail and a phrase of the feedback."""

    path: Path
    question: str
    phrase: str

    @property
    def exercise(self) -> str:
        return self.path.parent.name

    @property
    def id(self) -> str:
        return f"{self.exercise}/{self.path.stem}"

    @classmethod
    def read(cls, path: Path) -> Wrong:
        match = re.search(
            r"^# expect (\w+): (.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE
        )
        if match is None:
            raise ValueError(f"{path}: no `# expect <question>: <phrase>` line")
        return cls(path, match.group(1), match.group(2).strip())


WRONG = [Wrong.read(p) for name in EXERCISES for p in sorted((WRONG_DIR / name).glob("*.py"))]


def test_every_exercise_has_its_wrong_submissions():
    assert EXERCISES, "no exercise found in exercises/*/solution/"
    for name in EXERCISES:
        kept = [w for w in WRONG if w.exercise == name]
        assert len(kept) >= 3, f"tests/exercises/{name}/ should keep at least 3 wrong submissions"


# ------------------------------------------------------------------ assembling submissions


def defined_names(source: str) -> set[str]:
    """Top-level functions and variables a cell defines."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def solution_answers(name: str) -> list[str]:
    """The solution notebook's answer cells, with otter's solution markers removed."""
    nb = nbformat.read(build.solution_notebook(name), as_version=4)
    answers = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "BEGIN TEST CONFIG" in cell.source:
            continue
        if "# BEGIN SOLUTION" in cell.source or re.search(
            r"# SOLUTION$", cell.source, flags=re.MULTILINE
        ):
            lines = [
                re.sub(r"\s*# SOLUTION$", "", line)
                for line in cell.source.splitlines()
                if line.strip() not in ("# BEGIN SOLUTION", "# END SOLUTION")
            ]
            answers.append("\n".join(lines))
    return answers


def fill(name: str, overrides: list[str] = ()) -> nbformat.NotebookNode:
    """The committed student notebook of ``name`` with every answer cell filled in.

    A cell gets the override that defines one of its names, else the solution's answer.
    """
    nb = nbformat.read(build.student_notebook(name), as_version=4)
    solutions = solution_answers(name)
    used = set()
    for cell in nb.cells:
        if ANSWER_TAG not in cell.metadata.get("tags", []):
            continue
        wanted = defined_names(cell.source)
        for i, source in enumerate(overrides):
            if defined_names(source) & wanted:
                cell.source, used = source, used | {i}
                break
        else:
            matches = [s for s in solutions if defined_names(s) & wanted]
            assert len(matches) == 1, f"{name}: no single solution cell defines {sorted(wanted)}"
            cell.source = matches[0]
    assert used == set(range(len(overrides))), f"{name}: an override matches no answer cell"
    return nb


# ------------------------------------------------------------------ grading with `otter run`


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("GANCOURSE_PROFILE", "smoke")
    # Two graders run at once on two cores: one thread each, no oversubscription.
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@dataclass
class Graded:
    """What ``otter run`` said about one submission."""

    questions: dict[str, dict]  # name -> {"score", "max_score", "output"}
    seconds: float
    log: str

    def score(self, q: str) -> float:
        return float(self.questions[q]["score"])

    def max_score(self, q: str) -> float:
        return float(self.questions[q]["max_score"])

    def failure_lines(self, q: str) -> list[str]:
        """The ``AssertionError: ...`` lines of the question's failed test cases (the feedback)."""
        return [
            line.strip() for line in self.questions[q]["output"].splitlines() if "Error:" in line
        ]


def otter_run(autograder: Path, submission: Path) -> Graded:
    out = submission.parent / "results"
    out.mkdir()
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable, "-m", "otter", "run", "--no-logo",
            "-a", str(autograder), "-o", str(out), str(submission),
        ],
        cwd=submission.parent,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=GRADE_TIMEOUT,
    )
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"otter run crashed on {submission.name}:\n{log}"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    questions = {t["name"]: t for t in results["tests"] if "max_score" in t}
    return Graded(questions, seconds, log)


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """``assigned(name)``: a fresh ``otter assign`` of the exercise into a scratch folder
    (cached)."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = build.assign(name, tmp_path_factory.mktemp(f"{name}-assign") / "out")
        return cache[name]

    return get


@pytest.fixture(scope="module")
def graded(assigned, tmp_path_factory):
    """``graded(name)``: every submission of the exercise graded by ``otter run`` (cached).

    The solution, the blank student notebook and each wrong submission, with the zip just built.
    """
    cache: dict[str, dict[str, Graded]] = {}

    def get(name: str) -> dict[str, Graded]:
        if name in cache:
            return cache[name]
        work = tmp_path_factory.mktemp(f"{name}-graded")
        submissions = {
            "solution": fill(name),
            "blank": nbformat.read(build.student_notebook(name), as_version=4),
        }
        for wrong in WRONG:
            if wrong.exercise == name:
                submissions[wrong.id] = fill(name, [wrong.path.read_text(encoding="utf-8")])
        paths = {}
        for i, (label, nb) in enumerate(submissions.items()):
            folder = work / f"submission-{i:02d}"
            folder.mkdir()
            paths[label] = folder / f"{name}.ipynb"
            nbformat.write(nb, paths[label])
        zip_path = assigned(name).autograder_zip
        # Each run starts its own kernel: two at a time on the two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                label: pool.submit(otter_run, zip_path, path) for label, path in paths.items()
            }
            cache[name] = {label: f.result() for label, f in futures.items()}
        return cache[name]

    return get


@pytest.mark.parametrize("name", EXERCISES)
def test_student_notebook_and_shipped_tests_are_up_to_date(name, assigned):
    problems = build.stale(name, assigned(name))
    assert not problems, "\n".join(problems) + "\nrun `make exercises` to regenerate them"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_solution_scores_full_marks(name, graded):
    result = graded(name)["solution"]
    assert result.questions, result.log
    for q in result.questions:
        assert result.score(q) == result.max_score(q) > 0, f"{q}: {result.questions[q]['output']}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_blank_student_notebook_scores_zero(name, graded):
    solution, blank = graded(name)["solution"], graded(name)["blank"]
    # Every question was graded (grading did not stop at the first unanswered one)...
    assert set(blank.questions) == set(solution.questions)
    for q in blank.questions:
        # ...and none earns a point, with feedback that says why.
        assert blank.score(q) == 0, f"{q}: {blank.questions[q]['output']}"
        assert any("fill in" in line or "still `...`" in line for line in blank.failure_lines(q)), (
            f"{q}: the feedback should say the answer is not filled in:\n"
            f"{blank.questions[q]['output']}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("wrong", WRONG, ids=lambda w: w.id)
def test_wrong_submission_loses_points_for_the_right_reason(wrong, graded):
    result = graded(wrong.exercise)[wrong.id]
    q = wrong.question
    assert result.score(q) < result.max_score(q), f"{wrong.id} scored full marks on {q}"
    assert any(wrong.phrase in line for line in result.failure_lines(q)), (
        f"{wrong.id}: no feedback line on {q} contains {wrong.phrase!r}; the feedback was:\n"
        + result.questions[q]["output"]
    )
    for other in result.questions:
        if other != q:
            assert result.score(other) == result.max_score(other), (
                f"{wrong.id}: the mistake in {q} cost points on {other}:\n"
                f"{result.questions[other]['output']}"
            )


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["q1_raises", "q3_loops_forever"])
def test_student_code_that_raises_or_hangs_is_graded_in_time(stem, graded):
    """The grader survives untrusted code: an exception or an endless loop fails only its question.

    (Which question, and the message, are checked above; here: it is graded, and in time.)
    """
    wrong = next(w for w in WRONG if w.path.stem == stem)
    result = graded(wrong.exercise)[wrong.id]
    # One call's time limit, plus a kernel's start and the other questions.
    assert result.seconds < 120, f"{wrong.id} took {result.seconds:.0f} s to grade"
    assert set(result.questions) == set(graded(wrong.exercise)["solution"].questions)


# ------------------------------------------------------------------ grader.check as on Colab


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_grader_check_works_without_a_tests_folder(name, tmp_path):
    """A plain kernel in a folder holding only the notebook: the tests come from the package."""
    from nbclient import NotebookClient

    nb = fill(name)
    questions = [
        m.group(1) for c in nb.cells for m in re.finditer(r'grader\.check\("(\w+)"\)', c.source)
    ]
    assert questions, "the student notebook has no grader.check cell"
    # A common mistake checked the same way, to see its message reach the student.
    wrong = next((w for w in WRONG if w.exercise == name and "raises" not in w.path.stem
                  and "loops" not in w.path.stem), None)
    if wrong is not None:
        nb.cells.append(nbformat.v4.new_code_cell(wrong.path.read_text(encoding="utf-8")))
        nb.cells.append(nbformat.v4.new_code_cell(f'grader.check("{wrong.question}")'))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env=subprocess_env())
    assert not (tmp_path / "tests").exists()

    def text(cell) -> str:
        return "".join(
            o.get("text", "") + o.get("data", {}).get("text/plain", "")
            for o in cell.get("outputs", [])
        )

    checks = [
        c for c in nb.cells
        if c.cell_type == "code" and re.fullmatch(r'grader\.check\("\w+"\)', c.source.strip())
    ]
    solved = checks[:-1] if wrong is not None else checks
    for cell, q in zip(solved, questions, strict=True):
        assert f"{q} results: All test cases passed!" in text(cell), (
            f"grader.check({q!r}) said:\n{text(cell)}"
        )
    if wrong is not None:
        assert wrong.phrase in text(checks[-1]), (
            f"grader.check on {wrong.id} said:\n{text(checks[-1])}"
        )


# ------------------------------------------------------------------ the helpers, in-process


def test_call_turns_student_failures_into_readable_assertion_errors():
    import threading

    from gancourse.grading import call

    def broken(x):
        return x / 0 if x else {}["missing"]

    with pytest.raises(AssertionError, match=r"^q9: `broken\(0\)` raised KeyError in broken"):
        call(broken, 0, name="broken", question="q9")
    with pytest.raises(AssertionError, match=r"`f` is not defined"):
        call(None, name="f", question="q9")
    with pytest.raises(AssertionError, match=r"returned None: fill in its body"):
        call(lambda: None, name="f", question="q9")
    with pytest.raises(AssertionError, match=r"returned Ellipsis"):
        call(lambda: ..., name="f", question="q9")

    def spin():
        while True:  # an endless loop that even `except Exception` cannot save
            try:
                pass
            except Exception:
                pass

    start = time.monotonic()
    with pytest.raises(AssertionError, match=r"did not return within 0.3 s"):
        call(spin, name="spin", question="q9", timeout=0.3)
    with pytest.raises(AssertionError, match=r"already ran past"):  # fails at once the 2nd time
        call(spin, name="spin", question="q9", timeout=0.3)
    assert time.monotonic() - start < 5

    # Off the main thread (no SIGALRM there) the limit still holds: the call is abandoned.
    stop, box = threading.Event(), {}

    def wait_for_stop():
        while not stop.is_set():
            time.sleep(0.01)
        return 1

    def off_main():
        try:
            call(wait_for_stop, name="wait", timeout=0.3)
        except AssertionError as exc:
            box["error"] = str(exc)

    worker = threading.Thread(target=off_main)
    worker.start()
    worker.join(10)
    stop.set()
    assert "did not return within 0.3 s" in box.get("error", "")


def test_check_close_names_the_mistake_that_explains_the_answer():
    import torch

    from gancourse.grading import check_close

    mistakes = {"you divided by n-1.": 32 / 7, "you returned the standard deviation.": 2.0}
    check_close(torch.tensor(4.0), 4.0, what="the variance", question="q1", mistakes=mistakes)
    with pytest.raises(AssertionError, match=r"^q1: you returned the standard deviation\.$"):
        check_close(torch.tensor(2.0), 4.0, what="the variance", question="q1", mistakes=mistakes)
    with pytest.raises(AssertionError, match=r"^q1: the variance is wrong: got 3, expected 4\.$"):
        check_close(torch.tensor(3.0), 4.0, what="the variance", question="q1", mistakes=mistakes)
    with pytest.raises(
        AssertionError, match=r"should be a torch.Tensor, got float \(did you call `.item\(\)`"
    ):
        check_close(4.0, 4.0, what="the variance", question="q1")
    with pytest.raises(AssertionError, match=r"has shape \(3,\), expected \(\)"):
        check_close(torch.ones(3), 1.0, what="the NLL", question="q2")
    with pytest.raises(AssertionError, match=r"wrong at 1 of 8 entries, e.g. at index \(1, 2\)"):
        want = torch.zeros(2, 4)
        got = want.clone()
        got[1, 2] = 1.0
        check_close(got, want, what="the KL", question="q3")


def test_shipped_tests_are_package_data():
    """pyproject.toml ships ``gancourse/grading/tests/*/*.py``: every shipped test must match it."""
    from gancourse.grading import tests_dir

    for name in EXERCISES:
        folder = Path(tests_dir(name))
        assert folder.is_dir(), f"{folder} is missing: run `make exercises`"
        files = [
            p for p in folder.rglob("*")
            if p.is_file() and p.suffix != ".pyc" and "__pycache__" not in p.parts
        ]
        assert files and all(p.parent == folder and p.suffix == ".py" for p in files), files
