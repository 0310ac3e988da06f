"""Helpers for the graded exercises (otter-grader tests), and the public tests students run.

The exercise notebooks in ``exercises/`` are graded by otter-grader. Their test cells are short
because the work is done here:

* :func:`call` runs student code as untrusted code: with a time limit, and with any exception it
  raises turned into an ``AssertionError`` whose message names the question and the function, so
  that one broken answer fails its own test cases and never the grader.
* :func:`check_close` compares an answer with a reference computed independently of any solution
  (``torch.distributions``, numerical integration, a value worked out by hand) and, when it
  disagrees, with the values that the *common mistakes* would give, so that the feedback says what
  is wrong ("you divided by n-1 ...") instead of only that something is.
* :func:`tests_dir` is where the public tests of an exercise are installed with the package
  (``gancourse/grading/tests/<exercise>/<question>.py``, written by ``make exercises``), so that
  ``grader.check("q1")`` works on Colab, where no tests folder sits beside the notebook.

Nothing here imports otter: the tests import these helpers, not the other way round.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "DEFAULT_TIMEOUT",
    "call",
    "check_close",
    "check_shape",
    "expect_tensor",
    "normal_kl",
    "normal_log_density",
    "tests_dir",
    "unpack",
]

#: Seconds a single call of student code may take. The exercises' functions take milliseconds on
#: small tensors; the limit only catches code that never returns (an endless loop).
DEFAULT_TIMEOUT = 10.0

_TESTS_ROOT = Path(__file__).resolve().parent / "tests"

# Functions that already ran past their time limit: later calls fail at once instead of waiting
# out the limit again (a notebook redefining the function makes a new object, which runs again).
_TIMED_OUT: set[int] = set()


def tests_dir(exercise: str) -> str:
    """The folder of public otter tests installed with the package for ``exercise``
    (``"ex01_mle"``).

    The exercise notebooks create their grader with
    ``otter.Notebook(tests_dir=gancourse.grading.tests_dir("ex01_mle"))``; otter's autograder
    overrides the folder with its own tests (public and hidden) when it grades a submission. The
    folder need not exist yet (``make exercises`` writes it): otter then falls back to the tests in
    the notebook's metadata, and on Colab says that the folder is missing.
    """
    path = _TESTS_ROOT / exercise
    return str(path)


class _TimeLimit(BaseException):
    """Raised inside student code when its time is up.

    A ``BaseException`` so that a student's ``except Exception:`` cannot swallow it.
    """


def _prefix(question: str | None) -> str:
    return f"{question}: " if question else ""


def _describe_args(args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, torch.Tensor):
            return f"tensor of shape {tuple(v.shape)}" if v.dim() else f"tensor({v.item():.4g})"
        text = repr(v)
        return text if len(text) <= 30 else text[:27] + "..."

    parts = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _student_location(exc: BaseException) -> str:
    """``' (line 3 of your cell)'``-style pointer to the innermost frame of the traceback."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    code = last.tb_frame.f_code
    return f" in {code.co_name}, line {last.tb_lineno}"


def _run_with_time_limit(fn: Callable[..., Any], args: tuple, kwargs: dict, timeout: float) -> Any:
    """Run ``fn(*args, **kwargs)``, raising :class:`_TimeLimit` after ``timeout`` seconds.

    In the main thread of a POSIX process (a Jupyter kernel, otter's grading kernel) a SIGALRM
    interval timer interrupts the call between two bytecodes. Elsewhere (Windows, another thread)
    the call runs in a daemon thread that is abandoned when time is up: the test still fails in
    time, though the thread may go on using a CPU until the process ends.
    """
    if timeout is None or timeout <= 0:
        return fn(*args, **kwargs)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():

        def on_alarm(signum: int, frame: Any) -> None:
            raise _TimeLimit()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _TimeLimit()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def call(
    fn: Any,
    *args: Any,
    name: str,
    question: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allow_none: bool = False,
    **kwargs: Any,
) -> Any:
    """Call the student's ``fn(*args, **kwargs)`` as untrusted code and return its result.

    Every way the call can go wrong becomes an ``AssertionError`` with a message for the student:
    ``fn`` undefined (``None``: the test function received no such global) or not callable, an
    exception raised inside it, running past ``timeout`` seconds, or returning ``None`` (a body
    still ``...`` or a missing ``return``) unless ``allow_none``.
    """
    where = _prefix(question)
    if fn is None:
        raise AssertionError(
            f"{where}`{name}` is not defined: run the cell that defines it, then check again."
        )
    if not callable(fn):
        raise AssertionError(
            f"{where}`{name}` should be a function, but it is a {type(fn).__name__}."
        )
    if id(fn) in _TIMED_OUT:
        raise AssertionError(
            f"{where}not run: `{name}` already ran past the {timeout:g} s time limit in an "
            "earlier test case."
        )
    try:
        result = _run_with_time_limit(fn, args, kwargs, timeout)
    except _TimeLimit:
        _TIMED_OUT.add(id(fn))
        raise AssertionError(
            f"{where}`{name}({_describe_args(args, kwargs)})` did not return within {timeout:g} s: "
            "look for a loop that never ends."
        ) from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, even SystemExit
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AssertionError(
            f"{where}`{name}({_describe_args(args, kwargs)})` raised {type(exc).__name__}"
            f"{_student_location(exc)}" + (f": {message}" if message else "")
        ) from None
    if not allow_none and (result is None or result is Ellipsis):
        raise AssertionError(
            f"{where}`{name}` returned {result!r}: fill in its body (replace the `...`) and make "
            "sure it ends with a `return`."
        )
    return result


def expect_tensor(value: Any, *, what: str, question: str | None = None) -> torch.Tensor:
    """``value`` itself if it is a ``torch.Tensor``, else an ``AssertionError`` saying what it
    is."""
    if isinstance(value, torch.Tensor):
        return value
    hint = ""
    if isinstance(value, (int, float)):
        hint = " (did you call `.item()` or `float()`? keep the result a tensor)"
    elif type(value).__module__.startswith("numpy"):
        hint = " (did you compute it with NumPy? use torch operations)"
    raise AssertionError(
        f"{_prefix(question)}{what} should be a torch.Tensor, got {type(value).__name__}{hint}."
    )


def unpack(value: Any, n: int, *, what: str, question: str | None = None) -> tuple[Any, ...]:
    """Check that ``value`` is a tuple or list of ``n`` items and return it as a tuple."""
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = (
            f"a {type(value).__name__} of length {len(value)}"
            if isinstance(value, (tuple, list))
            else f"a {type(value).__name__}"
        )
        raise AssertionError(
            f"{_prefix(question)}{what} should return a tuple of {n} values, got {got}."
        )
    return tuple(value)


def check_shape(
    value: torch.Tensor,
    shape: Sequence[int],
    *,
    what: str,
    question: str | None = None,
    mistakes: Mapping[tuple[int, ...], str] | None = None,
) -> None:
    """Fail unless ``value.shape == shape``; ``mistakes`` maps tell-tale wrong shapes to
    messages."""
    got, want = tuple(value.shape), tuple(shape)
    if got == want:
        return
    for wrong, message in (mistakes or {}).items():
        if got == tuple(wrong):
            raise AssertionError(f"{_prefix(question)}{message}")
    raise AssertionError(f"{_prefix(question)}{what} has shape {got}, expected {want}.")


def _as_float64(value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64)
    return torch.as_tensor(value, dtype=torch.float64)


def _close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    try:
        a, b = torch.broadcast_tensors(a, b)
    except RuntimeError:
        return False
    return bool(torch.allclose(a, b, rtol=rtol, atol=atol))


def _fmt(t: torch.Tensor) -> str:
    if t.dim() == 0:
        return f"{t.item():.6g}"
    if t.numel() <= 6:
        return "[" + ", ".join(f"{v:.6g}" for v in t.flatten().tolist()) + "]"
    return f"a tensor of shape {tuple(t.shape)}"


def check_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    question: str | None = None,
    mistakes: Mapping[str, Any] | None = None,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> None:
    """Fail unless ``actual`` is close to ``expected``, naming the mistake when one explains it.

    ``actual`` must be a tensor (see :func:`expect_tensor`) of ``expected``'s shape. When it is not
    close, each ``mistakes`` entry (message -> the value that mistake gives) is tried in order, and
    the first that ``actual`` matches is the message; otherwise the message gives both values.
    Tests choose inputs on which every listed mistake gives a value different from the answer.
    """
    where = _prefix(question)
    tensor = expect_tensor(actual, what=what, question=question)
    got, want = _as_float64(tensor), _as_float64(expected)
    if tuple(got.shape) != tuple(want.shape):
        raise AssertionError(
            f"{where}{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}."
        )
    if not bool(torch.isfinite(got).all()):
        raise AssertionError(
            f"{where}{what} is not finite: got {_fmt(got)}, expected {_fmt(want)}."
        )
    if _close(got, want, rtol, atol):
        return
    for message, wrong in (mistakes or {}).items():
        if _close(got, _as_float64(wrong), rtol, atol):
            raise AssertionError(f"{where}{message}")
    if got.numel() <= 6:
        raise AssertionError(f"{where}{what} is wrong: got {_fmt(got)}, expected {_fmt(want)}.")
    bad = ~torch.isclose(got, want, rtol=rtol, atol=atol)
    first = tuple(int(i) for i in bad.nonzero()[0])
    raise AssertionError(
        f"{where}{what} is wrong at {int(bad.sum())} of {got.numel()} entries, "
        f"e.g. at index {first}: "
        f"got {got[first].item():.6g}, expected {want[first].item():.6g}."
    )


def normal_log_density(x: Any, mean: Any, var: Any) -> torch.Tensor:
    """log N(x; mean, var) in float64, from ``torch.distributions`` (a reference for the tests)."""
    x, mean, var = (_as_float64(v) for v in (x, mean, var))
    return torch.distributions.Normal(mean, var.sqrt()).log_prob(x)


def normal_kl(mu_p: Any, var_p: Any, mu_q: Any, var_q: Any) -> torch.Tensor:
    """KL(N(mu_p, var_p) || N(mu_q, var_q)) in float64, from
    ``torch.distributions.kl_divergence``."""
    mu_p, var_p, mu_q, var_q = (_as_float64(v) for v in (mu_p, var_p, mu_q, var_q))
    p = torch.distributions.Normal(mu_p, var_p.sqrt())
    q = torch.distributions.Normal(mu_q, var_q.sqrt())
    return torch.distributions.kl_divergence(p, q)



class Answer:
    """One student answer (a function or a value) under test, for short otter test cells.

    ``Answer("q1", "gaussian_mle", gaussian_mle)`` binds the question name and the answer's name
    into every message, so a test reads::

        mle = Answer("q1", "gaussian_mle", gaussian_mle)
        mean, var = mle(x, returns=2)              # run it as untrusted code, expect 2 outputs
        mle.close(var, 4.0, what="the variance", mistakes={"you divided by n-1 ...": 32 / 7})
    """

    def __init__(self, question: str, name: str, value: Any, *, timeout: float = DEFAULT_TIMEOUT):
        self.question, self.name, self.value, self.timeout = question, name, value, timeout

    def __call__(self, *args: Any, returns: int | None = None, **kwargs: Any) -> Any:
        result = call(
            self.value, *args, name=self.name, question=self.question, timeout=self.timeout,
            **kwargs,
        )
        if returns is not None:
            result = unpack(result, returns, what=f"`{self.name}`", question=self.question)
        return result

    def fail(self, message: str) -> None:
        raise AssertionError(f"{self.question}: {message}")

    def tensor(self, value: Any, *, what: str) -> torch.Tensor:
        return expect_tensor(value, what=what, question=self.question)

    def shape(self, value: Any, shape: Sequence[int], *, what: str,
              mistakes: Mapping[tuple[int, ...], str] | None = None) -> None:
        check_shape(
            self.tensor(value, what=what), shape, what=what, question=self.question,
            mistakes=mistakes,
        )

    def close(self, actual: Any, expected: Any, *, what: str,
              mistakes: Mapping[str, Any] | None = None,
              rtol: float = 1e-4, atol: float = 1e-6) -> None:
        check_close(
            actual, expected, what=what, question=self.question, mistakes=mistakes,
            rtol=rtol, atol=atol,
        )

    def differentiable(self, value: Any, inputs: Mapping[str, torch.Tensor], *, what: str) -> None:
        """Backpropagate from the scalar ``value`` and check that every input received a gradient.

        ``inputs`` maps the argument names to the leaf tensors (``requires_grad=True``) that were
        passed in; their ``.grad`` is set afterwards, for the test to compare.
        """
        value = self.tensor(value, what=what)
        if value.dim() != 0:
            self.fail(
                f"{what} should be a single number (a 0-dim tensor), "
                f"got shape {tuple(value.shape)}."
            )
        if value.grad_fn is None:
            self.fail(
                f"{what} is not connected to autograd, so gradient descent cannot use it: did you "
                "call `.item()`, `float()`, a `math` function or NumPy? Use torch operations only."
            )
        for leaf in inputs.values():
            leaf.grad = None
        try:
            value.backward()
        except Exception as exc:  # noqa: BLE001 - a broken graph from student code
            self.fail(f"backpropagating through {what} raised {type(exc).__name__}: {exc}")
        for arg, leaf in inputs.items():
            if leaf.grad is None:
                self.fail(
                    f"no gradient reaches `{arg}`: something cut it out of the autograd graph "
                    "(`math.exp`, `float()`, `.item()`, NumPy, `.detach()`); use torch operations "
                    "such as `torch.exp`."
                )
            if not bool(torch.isfinite(leaf.grad).all()):
                self.fail(f"the gradient with respect to `{arg}` is not finite.")

    def choice(self, value: Any, options: Sequence[str], *, correct: str, wrong: str) -> None:
        """A multiple-choice answer: one of ``options`` (case and spaces ignored), ``correct``."""
        listed = " or ".join(f'"{o}"' for o in options)
        if value is None or value is Ellipsis:
            self.fail(f"set `{self.name}` to {listed} (it is still `...`).")
        if not isinstance(value, str) or value.strip().lower() not in options:
            self.fail(f"`{self.name}` should be one of {listed}, got {value!r}.")
        if value.strip().lower() != correct:
            self.fail(f"`{self.name}` = {value!r} is not right. Hint: {wrong}")


__all__ += ["Answer"]


class replaced_globals:  # noqa: N801 - used as a function: `with replaced_globals(f, g=ref):`
    """Within a ``with`` block, the global names of a student's function bound to other objects.

    A later question's function that calls the student's answer to an earlier one (``d_step``
    calling ``discriminator_loss``) is graded with a reference in its place, so a mistake costs
    points in its own question only::

        with replaced_globals(d_step, discriminator_loss=reference):
            step(generator, discriminator, optimizer, real, z)

    The names are rebound in the namespace the function was defined in (the notebook's), and put
    back (or removed, if they were not defined) on leaving the block. Anything without
    ``__globals__`` (``None``, a built-in, a callable object) is left alone.
    """

    _MISSING = object()

    def __init__(self, fn: Any, **names: Any) -> None:
        env = getattr(fn, "__globals__", None)
        self._env: dict[str, Any] | None = env if isinstance(env, dict) else None
        self._names = names
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> None:
        if self._env is not None:
            self._saved = {k: self._env.get(k, self._MISSING) for k in self._names}
            self._env.update(self._names)

    def __exit__(self, *exc: object) -> None:
        if self._env is not None:
            for k, v in self._saved.items():
                if v is self._MISSING:
                    self._env.pop(k, None)
                else:
                    self._env[k] = v


__all__ += ["replaced_globals"]
