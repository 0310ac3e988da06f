"""pytest (nbval) in exercises/: run the solution notebooks, never the student versions.

nbval executes ``exercises/<name>/solution/<name>.ipynb``: its test cells call the tests on the
solution, so a solution that fails its own tests fails CI. The student notebooks
``exercises/<name>/<name>.ipynb`` hold unanswered ``...`` and otter's output in ``dist/`` is a
build product: neither is collected. (The grading of student notebooks is tested in
tests/test_exercises.py.)
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

collect_ignore_glob = [
    "*/dist/*",
    *(f"{d.name}/{d.name}.ipynb" for d in sorted(HERE.iterdir()) if (d / "solution").is_dir()),
]
