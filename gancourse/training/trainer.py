"""A training loop that knows nothing about the model (the idea of minGPT's ``trainer.py``).

The chapter supplies ``step_fn(step)``, which does one optimisation step -- for a GAN a
discriminator step and then a generator step -- and returns named scalars (losses, and anything
else worth a curve, such as the mean of D(x) and of D(G(z))). The :class:`Trainer` calls it
``config.steps`` times and adds what every chapter needs: a progress bar, a history of the
values, a stop with a clear message at the first NaN/inf, and checkpoints that resume a run
exactly, random numbers included.

Step numbers are 0-based everywhere: ``step_fn`` receives 0, 1, ..., ``steps - 1``,
``History.steps`` lists the same numbers, and a checkpoint records how many steps are done.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Union

import torch
from torch import nn

from gancourse.progress import progress_bar
from gancourse.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gancourse.training.rng import get_rng_state, set_rng_state

__all__ = ["History", "NonFiniteLossError", "StepFn", "TrainConfig", "Trainer"]

CHECKPOINT_FORMAT = 1

Scalar = Union[torch.Tensor, float, int]
StepFn = Callable[[int], Mapping[str, Scalar]]
Callback = Callable[["Trainer", int], None]


class _Stateful(Protocol):
    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: dict[str, Any]) -> Any: ...


ExtraState = Union[torch.Tensor, torch.Generator, _Stateful]


class NonFiniteLossError(FloatingPointError):
    """A value returned by ``step_fn`` became NaN or infinite.

    ``name``, ``step`` (the first step where it was not finite) and ``value`` say which;
    ``history`` holds every value up to, not including, that step.
    """

    def __init__(self, name: str, step: int, value: float, history: History) -> None:
        self.name, self.step, self.value, self.history = name, step, value, history
        super().__init__(
            f"{name!r} is {value} at step {step} (the first step where it is not finite); "
            "training stopped. Things to try: a lower learning rate (or Adam betas=(0.5, 0.999) "
            "for GANs), check that the data is scaled to what the generator outputs (e.g. "
            "[-1, 1] for tanh), losses computed from logits (BCEWithLogitsLoss, not "
            "log(sigmoid)), gradient clipping or a gradient penalty, and mixed precision off. "
            "Resume from the last checkpoint once fixed."
        )


@dataclass
class TrainConfig:
    """How long to train and how often to log and checkpoint.

    ``checkpoint_every=0`` saves no periodic checkpoints; with a ``checkpoint_path`` it still
    saves one at the end, so re-running a finished notebook cell only loads the result.
    Progress bars are also off when the environment sets ``TQDM_DISABLE=1``.
    """

    steps: int
    log_every: int = 10
    checkpoint_every: int = 0  # 0: only at the end, and only with a checkpoint_path
    checkpoint_path: str | Path | None = None
    desc: str = "training"
    progress: bool = True

    def __post_init__(self) -> None:
        for name, minimum in (("steps", 1), ("log_every", 1), ("checkpoint_every", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be an int, got {value!r}")
            if value < minimum:
                raise ValueError(f"{name} must be >= {minimum}, got {value}")
        if self.checkpoint_every > 0 and self.checkpoint_path is None:
            raise ValueError(
                f"checkpoint_every={self.checkpoint_every} needs a checkpoint_path to write to"
            )
        if self.checkpoint_path is not None:
            self.checkpoint_path = Path(self.checkpoint_path)


@dataclass
class History:
    """Every step's values: ``values[name][i]`` was returned by ``step_fn(steps[i])``."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[float]:
        return self.values[name]

    def __len__(self) -> int:
        return len(self.steps)

    def last(self) -> dict[str, float]:
        """The most recent value of each name (empty before the first log)."""
        return {name: vals[-1] for name, vals in self.values.items() if vals}

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "values": {k: list(v) for k, v in self.values.items()}}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> History:
        return cls(list(state["steps"]), {k: list(v) for k, v in state["values"].items()})


class Trainer:
    """Runs ``step_fn`` for ``config.steps`` steps; logs, checks for NaN, checkpoints, resumes.

    Args:
        step_fn: ``step_fn(step) -> {name: scalar}``, one optimisation step. Return the values
            as 0-d (or 1-element) tensors, left on their device; python numbers also work.
        modules: the networks, e.g. ``{"G": G, "D": D}``; their ``state_dict`` is checkpointed.
        optimizers: e.g. ``{"G": opt_g, "D": opt_d}``; checkpointed with the modules.
        config: a :class:`TrainConfig`.
        extra_state: more state to checkpoint and restore in place: tensors (e.g. the fixed
            noise for sample grids, copied back with ``copy_``), ``torch.Generator``s (their
            state is restored, so noise drawn from them continues exactly) and objects with
            ``state_dict``/``load_state_dict`` (LR schedulers, ``GradScaler``, an EMA model).
        callbacks: ``callback(trainer, step)`` after every step (and after its checkpoint);
            e.g. to draw a sample grid every 500 steps. ``trainer.history`` is current at
            logging steps.

    The global RNGs (Python, NumPy, torch CPU and CUDA) are always checkpointed.
    """

    def __init__(
        self,
        step_fn: StepFn,
        modules: Mapping[str, nn.Module],
        optimizers: Mapping[str, torch.optim.Optimizer],
        config: TrainConfig,
        *,
        extra_state: Mapping[str, ExtraState] | None = None,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        for name, obj in (extra_state or {}).items():
            if not isinstance(obj, (torch.Tensor, torch.Generator)) and not (
                hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict")
            ):
                raise ValueError(
                    f"extra_state[{name!r}] is a {type(obj).__name__}; use a tensor, a "
                    "torch.Generator, or an object with state_dict()/load_state_dict()"
                )
        self.step_fn = step_fn
        self.modules = dict(modules)
        self.optimizers = dict(optimizers)
        self.config = config
        self.extra_state = dict(extra_state or {})
        self.callbacks = list(callbacks)
        self.step = 0  # steps completed so far
        self.history = History()
        # Values of the steps since the last log, still on their device: (step, {name: value}).
        self._window: list[tuple[int, dict[str, Scalar]]] = []

    # ---------------------------------------------------------------- checkpoint state

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the run exactly; loads with ``weights_only=True``."""
        extra: dict[str, Any] = {}
        for name, obj in self.extra_state.items():
            if isinstance(obj, torch.Tensor):
                extra[name] = {"kind": "tensor", "value": obj.detach().cpu()}
            elif isinstance(obj, torch.Generator):
                extra[name] = {"kind": "generator", "value": obj.get_state()}
            else:
                extra[name] = {"kind": "state_dict", "value": obj.state_dict()}
        return {
            "format": CHECKPOINT_FORMAT,
            "step": self.step,
            "modules": {name: m.state_dict() for name, m in self.modules.items()},
            "optimizers": {name: o.state_dict() for name, o in self.optimizers.items()},
            "history": self.history.state_dict(),
            "rng": get_rng_state(),
            "extra": extra,
        }

    def load_state_dict(self, state: Mapping[str, Any], *, source: str = "the state") -> None:
        """Restore a :meth:`state_dict`, after checking that it fits these modules."""

        def mismatch(what: str) -> CheckpointError:
            return CheckpointError(
                f"{source} does not fit this trainer: {what}. It was written by a different "
                "model or setup; delete it to train from scratch, or pass fit(resume=False) "
                "(which overwrites it)."
            )

        if state.get("format") != CHECKPOINT_FORMAT:
            raise mismatch(f"format {state.get('format')!r}, expected {CHECKPOINT_FORMAT}")
        absent = sorted({"step", "modules", "optimizers", "history", "rng", "extra"} - set(state))
        if absent:
            raise mismatch(f"it has no {absent}")
        for group, ours in (
            ("modules", self.modules),
            ("optimizers", self.optimizers),
            ("extra", self.extra_state),
        ):
            if set(state[group]) != set(ours):
                raise mismatch(f"{group} {sorted(state[group])} vs {sorted(ours)} here")
        # Check every module before loading any, so a mismatch leaves nothing half-restored.
        for name, module in self.modules.items():
            saved, here = state["modules"][name], module.state_dict()
            missing, unexpected = sorted(set(here) - set(saved)), sorted(set(saved) - set(here))
            if missing or unexpected:
                raise mismatch(
                    f"module {name!r} is missing keys {missing} and has unexpected keys "
                    f"{unexpected}"
                )
            for key, tensor in here.items():
                if not isinstance(tensor, torch.Tensor):
                    continue  # e.g. a module's get_extra_state(); its own loader checks it
                if tuple(saved[key].shape) != tuple(tensor.shape):
                    raise mismatch(
                        f"module {name!r} parameter {key!r} has shape "
                        f"{tuple(saved[key].shape)} in the checkpoint, {tuple(tensor.shape)} here"
                    )
        for name, module in self.modules.items():
            module.load_state_dict(state["modules"][name])
        for name, optimizer in self.optimizers.items():
            try:
                optimizer.load_state_dict(state["optimizers"][name])
            except (ValueError, KeyError, RuntimeError) as err:
                raise mismatch(f"optimizer {name!r}: {err}") from err
        for name, obj in self.extra_state.items():
            entry = state["extra"][name]
            if isinstance(obj, torch.Tensor):
                with torch.no_grad():
                    obj.copy_(entry["value"])  # in place: closures over the tensor see it
            elif isinstance(obj, torch.Generator):
                obj.set_state(entry["value"])
            else:
                obj.load_state_dict(entry["value"])
        self.step = int(state["step"])
        self.history = History.from_state_dict(state["history"])
        self._window = []
        set_rng_state(state["rng"])  # last: nothing above may draw random numbers after it

    # ---------------------------------------------------------------- the loop

    def fit(self, *, resume: bool = True) -> History:
        """Train from ``self.step`` up to ``config.steps``; return the :class:`History`.

        With ``resume=True`` and an existing ``config.checkpoint_path``, first restore it
        (modules, optimizers, history, RNG states, extra state), so an interrupted run continues
        exactly where its last checkpoint left it. Raises :class:`NonFiniteLossError` at the
        first NaN/inf, found at the next logging step.
        """
        cfg = self.config
        path = cfg.checkpoint_path
        if resume and path is not None and Path(path).exists():
            self.load_state_dict(load_checkpoint(path), source=f"checkpoint {path}")
        start, begin = self.step, time.perf_counter()
        with progress_bar(
            desc=cfg.desc, total=cfg.steps, initial=start, enabled=cfg.progress
        ) as bar:
            for step in range(start, cfg.steps):
                self._record(step, self.step_fn(step))
                self.step = done = step + 1
                periodic = cfg.checkpoint_every > 0 and done % cfg.checkpoint_every == 0
                save = path is not None and (periodic or done == cfg.steps)
                # Flush before saving too, so a NaN is never checkpointed and the saved history
                # is complete.
                if save or done % cfg.log_every == 0 or done == cfg.steps:
                    self._flush()
                    last = self.history.last()
                    bar.set_postfix({k: f"{v:.4g}" for k, v in last.items()}, refresh=False)
                if save:
                    save_checkpoint(path, self.state_dict())
                bar.update(1)
                for callback in self.callbacks:
                    callback(self, step)
        print(self._summary(start, time.perf_counter() - begin))
        return self.history

    def _record(self, step: int, values: Mapping[str, Scalar]) -> None:
        if not isinstance(values, Mapping) or not values:
            raise TypeError(
                f"step_fn must return a non-empty mapping name -> scalar, got {values!r} at "
                f"step {step}"
            )
        names = self._window[0][1].keys() if self._window else self.history.values.keys()
        if names and set(values) != set(names):
            raise ValueError(
                f"step_fn returned {sorted(values)} at step {step} but {sorted(names)} before; "
                "return the same names every step"
            )
        kept: dict[str, Scalar] = {}
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                if value.numel() != 1:
                    raise ValueError(
                        f"step_fn returned {name!r} with shape {tuple(value.shape)} at step "
                        f"{step}; return a scalar (e.g. loss, or x.mean())"
                    )
                # detach: keeping the graph alive until the next log would hold its memory.
                kept[name] = value.detach().reshape(())
            elif isinstance(value, (int, float)):
                kept[name] = float(value)
            else:
                raise TypeError(f"step_fn returned {name!r} as {type(value).__name__}")
        self._window.append((step, kept))

    def _flush(self) -> None:
        """Move the window's values to the host in one transfer; check them; extend history.

        Calling ``.item()`` on each loss every step would make the CPU wait for the GPU every
        step (a host-device sync), so the GPU could never run ahead of Python. Instead the
        values stay on the device and are stacked into one (names x steps) tensor that is
        copied to the host once per ``log_every`` steps.
        """
        if not self._window:
            return
        window, self._window = self._window, []
        names = list(window[0][1])
        tensors = [
            v for _, vals in window for v in vals.values() if isinstance(v, torch.Tensor)
        ]
        device = tensors[0].device if tensors else torch.device("cpu")
        # float32 (MPS has no float64) unless a value already is float64.
        dtype = torch.float64 if any(t.dtype == torch.float64 for t in tensors) else torch.float32
        rows = [
            torch.stack([torch.as_tensor(vals[n], device=device).to(dtype) for _, vals in window])
            for n in names
        ]
        table = torch.stack(rows).cpu().tolist()  # the one device -> host copy: (names, window)
        window_steps = [step for step, _ in window]
        # The first step (then the first name) with a non-finite value, not merely the step at
        # which it was noticed.
        for col, step in enumerate(window_steps):
            for row, name in enumerate(names):
                if not math.isfinite(table[row][col]):
                    self._extend(names, window_steps[:col], [r[:col] for r in table])
                    raise NonFiniteLossError(name, step, table[row][col], self.history)
        self._extend(names, window_steps, table)

    def _extend(self, names: list[str], steps: list[int], table: list[list[float]]) -> None:
        self.history.steps.extend(steps)
        for name, row in zip(names, table, strict=True):
            self.history.values.setdefault(name, []).extend(row)

    def _summary(self, start: int, seconds: float) -> str:
        cfg, ran = self.config, self.step - start
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.history.last().items())
        if ran == 0:
            return f"{cfg.desc}: already at step {self.step} of {cfg.steps}; last {last or '-'}"
        resumed = f" (resumed at {start})" if start else ""
        return (
            f"{cfg.desc}: {ran} steps{resumed} to {self.step}/{cfg.steps} in {seconds:.1f} s "
            f"({1e3 * seconds / ran:.1f} ms/step); last {last or '-'}"
        )
