r"""One discriminator step, one generator step, and the Trainer step function built from them.

Algorithm 1 of Goodfellow et al. (2014) alternates ``k`` updates of the discriminator with one
update of the generator. Here the two updates are explicit functions, :func:`d_step` and
:func:`g_step`, so a chapter can call them one at a time and a test can check each in isolation;
:func:`gan_step_fn` strings them together into the ``step_fn`` that
:class:`gancourse.training.Trainer` runs (``k = GANStepConfig.d_steps``).

Both steps return their statistics as *detached tensors* on the models' device (the loss, the
mean of :math:`D(x)` and of :math:`D(G(z))`): calling ``.item()`` here would make the CPU wait for
the GPU at every step. The Trainer moves them to the host once per ``log_every`` steps.

Example (the pattern of chapters 3, 5 and 7)::

    G, D = MLPGenerator(g_config), MLPDiscriminator(d_config)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    step_fn = gan_step_fn(G, D, opt_g, opt_d, random_batches(images), GANStepConfig(64))
    history = Trainer(step_fn, {"G": G, "D": D}, {"G": opt_g, "D": opt_d},
                      TrainConfig(steps=3000)).fit()
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import torch
from torch import Tensor, nn

from gancourse.losses.gan import (
    discriminator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)
from gancourse.training.fast import (
    Precision,
    autocast,
    check_precision,
    full_precision,
    resolve_amp,
)

__all__ = [
    "GENERATOR_LOSSES",
    "STAT_NAMES",
    "DStepStats",
    "GANStepConfig",
    "GStepStats",
    "GeneratorLoss",
    "Snapshots",
    "d_step",
    "g_step",
    "gan_step_fn",
    "generator_loss",
    "random_batches",
]

GeneratorLoss = Literal["nonsaturating", "minimax"]
#: The generator losses by name (both take the discriminator's logits on fakes).
GENERATOR_LOSSES: dict[str, Callable[[Tensor], Tensor]] = {
    "nonsaturating": nonsaturating_generator_loss,
    "minimax": minimax_generator_loss,
}
#: The names :func:`gan_step_fn`'s step function returns, in order.
STAT_NAMES: tuple[str, ...] = ("loss_D", "loss_G", "D(x)", "D(G(z))")

T = TypeVar("T")


def generator_loss(fake_logits: Tensor, kind: GeneratorLoss = "nonsaturating") -> Tensor:
    r"""The generator loss named ``kind`` on the discriminator's logits for fakes.

    ``"nonsaturating"``: :math:`\operatorname{mean}\operatorname{softplus}(-l)
    = -\operatorname{mean}\log D(G(z))`; ``"minimax"``:
    :math:`-\operatorname{mean}\operatorname{softplus}(l) = \operatorname{mean}\log(1 - D(G(z)))`
    (see :mod:`gancourse.losses.gan`).
    """
    try:
        loss_fn = GENERATOR_LOSSES[kind]
    except (KeyError, TypeError):
        raise ValueError(
            f"generator loss must be one of {sorted(GENERATOR_LOSSES)}, got {kind!r}"
        ) from None
    return loss_fn(fake_logits)


@dataclass(frozen=True)
class GANStepConfig:
    """What one training step of a GAN does.

    Attributes:
        batch_size: real samples per discriminator step, and fakes per D and per G step.
        d_steps: discriminator updates per generator update (``k`` in Algorithm 1 of Goodfellow
            et al. 2014, who used ``k = 1``); each draws a fresh real batch and fresh noise.
        g_loss: ``"nonsaturating"`` (:math:`-\\log D(G(z))`, what everybody uses) or
            ``"minimax"`` (:math:`\\log(1 - D(G(z)))`, the saturating loss of the minimax game).
        precision: ``"auto"`` (bfloat16 autocast for convolutional networks on hardware with
            native bfloat16, float32 otherwise; see :mod:`gancourse.training.fast`),
            ``"float32"`` or ``"bfloat16"``. The losses are computed in float32 either way.
    """

    batch_size: int
    d_steps: int = 1
    g_loss: GeneratorLoss = "nonsaturating"
    precision: Precision = "auto"

    def __post_init__(self) -> None:
        for name in ("batch_size", "d_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GANStepConfig.{name} must be a positive int, got {value!r}")
        if self.g_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"GANStepConfig.g_loss must be one of {sorted(GENERATOR_LOSSES)}, "
                f"got {self.g_loss!r}"
            )
        check_precision("GANStepConfig.precision", self.precision)


@dataclass(frozen=True)
class DStepStats:
    """What a discriminator step saw: 0-d detached tensors on the models' device.

    Attributes:
        loss: the discriminator loss before the update.
        d_real: the mean of :math:`D(x)` on the real batch (the discriminator wants 1).
        d_fake: the mean of :math:`D(G(z))` on the fake batch (the discriminator wants 0).
    """

    loss: Tensor
    d_real: Tensor
    d_fake: Tensor


@dataclass(frozen=True)
class GStepStats:
    """What a generator step saw: 0-d detached tensors on the models' device.

    Attributes:
        loss: the generator loss before the update.
        d_fake: the mean of :math:`D(G(z))` on the generator's batch (the generator wants 1).
    """

    loss: Tensor
    d_fake: Tensor


@contextlib.contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    """Turn off ``requires_grad`` of ``module``'s parameters; restore each flag afterwards."""
    params = list(module.parameters())
    flags = [p.requires_grad for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        yield
    finally:
        for p, flag in zip(params, flags, strict=True):
            p.requires_grad_(flag)


def _mean_sigmoid(logits: Tensor) -> Tensor:
    return torch.sigmoid(logits.detach()).mean()


def d_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_d: torch.optim.Optimizer,
    real: Tensor,
    z: Tensor,
    *,
    amp: torch.dtype | None = None,
) -> DStepStats:
    r"""One update of the discriminator, a step down its loss (``discriminator_loss``):

    .. math::

        L_D = -\frac1B \sum_i \log D(x_i) - \frac1{B'} \sum_j \log\bigl(1 - D(G(z_j))\bigr),

    computed from logits. Real and fake samples go through the discriminator in two separate
    calls, so a discriminator with batch norm normalises each batch by its own statistics (the
    DCGAN practice) instead of mixing them.

    **Why the fakes are detached.** The discriminator's loss depends on the generator's parameters
    through the fakes, so without the detach ``loss.backward()`` would carry on into the
    generator: a backward pass through G, as costly as the generator's own, computed for
    nothing, whose result is *accumulated* into G's ``.grad``. It does harm as soon as those
    gradients are not zeroed before the generator's update (code that zeroes once per iteration,
    or accumulates over micro-batches): G would then also descend D's loss, i.e. help the
    discriminator. Detaching cuts the graph at the fakes, so this update changes D only and
    leaves G's parameters and ``.grad`` exactly as they were. The fakes are computed under
    ``torch.no_grad()``: the same values as ``G(z).detach()``, without first recording the graph
    that the detach would throw away.

    Args:
        real: a batch of real samples, shape ``(B, *data_shape)``.
        z: noise for the fakes, shape ``(B', latent_dim)``.
        opt_d: an optimiser over the discriminator's parameters only.
        amp: run the networks under autocast in this dtype (``None``: float32); the loss is
            computed in float32 from the logits.

    Returns:
        :class:`DStepStats` (loss, mean :math:`D(x)`, mean :math:`D(G(z))`), detached tensors.
    """
    with autocast(real.device, amp):
        with torch.no_grad():  # = G(z).detach(): see the docstring
            fake = generator(z)  # (B', *data_shape)
        real_logits = full_precision(discriminator(real))  # (B,)
        fake_logits = full_precision(discriminator(fake))  # (B',)
    loss = discriminator_loss(real_logits, fake_logits)
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return DStepStats(loss.detach(), _mean_sigmoid(real_logits), _mean_sigmoid(fake_logits))


def g_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    z: Tensor,
    loss: GeneratorLoss = "nonsaturating",
    *,
    amp: torch.dtype | None = None,
) -> GStepStats:
    r"""One update of the generator against the current discriminator.

    The gradient of the generator loss (``"nonsaturating"``: :math:`-\frac1B\sum_j \log D(G(z_j))`;
    ``"minimax"``: :math:`\frac1B\sum_j \log(1 - D(G(z_j)))`) flows *through* the discriminator
    to the fakes and on into the generator. The discriminator's parameters need no gradient of
    their own, so they are frozen (``requires_grad=False``) for the duration of the step: the
    backward pass skips their weight gradients, their ``.grad`` is left as it was, and only
    ``opt_g`` (which must hold the generator's parameters only) changes anything.

    ``amp``: as in :func:`d_step`.

    Returns:
        :class:`GStepStats` (loss, mean :math:`D(G(z))` before the update), detached tensors.
    """
    with _frozen(discriminator):
        with autocast(z.device, amp):
            # (B, latent) -> (B, *data) -> (B,)
            fake_logits = full_precision(discriminator(generator(z)))
        value = generator_loss(fake_logits, loss)
        opt_g.zero_grad(set_to_none=True)
        value.backward()
    opt_g.step()
    return GStepStats(value.detach(), _mean_sigmoid(fake_logits))


def random_batches(data: Tensor) -> Callable[[int], Tensor]:
    """A sampler ``n -> data[random indices]`` that draws ``n`` rows with replacement.

    The indices come from torch's global generator on ``data``'s device, so
    :func:`gancourse.seed.seed_everything` makes the batches repeatable and a Trainer checkpoint
    (which saves the global RNG states) resumes them exactly. Sampling with replacement instead
    of shuffled epochs keeps a GAN step independent of where an epoch ends.
    """
    if not isinstance(data, Tensor) or data.dim() < 1 or data.shape[0] == 0:
        shape = tuple(data.shape) if isinstance(data, Tensor) else type(data).__name__
        raise ValueError(f"random_batches needs a non-empty tensor of samples, got {shape}")

    def sample(n: int) -> Tensor:
        index = torch.randint(data.shape[0], (n,), device=data.device)  # (n,)
        return data[index]  # (n, *sample_shape)

    return sample


def _params_of(module: nn.Module) -> set[int]:
    return {id(p) for p in module.parameters()}


def _optimised(optimizer: torch.optim.Optimizer) -> set[int]:
    return {id(p) for group in optimizer.param_groups for p in group["params"]}


def check_players(
    generator: nn.Module,
    opponent: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_o: torch.optim.Optimizer,
    *,
    opponent_name: str,
    opt_o_name: str,
    sample_noise: Callable[[int], Tensor] | None = None,
) -> Callable[[int], Tensor]:
    """Check that each optimiser holds its own network's parameters only, and return the noise
    sampler (``sample_noise``, else ``generator.sample_noise``). Shared by the step functions of
    the GAN, WGAN and SSGAN."""
    if _optimised(opt_g) & _params_of(opponent):
        raise ValueError(
            f"opt_g optimises parameters of the {opponent_name}; build it from "
            f"generator.parameters() only, or the generator step would also move the "
            f"{opponent_name}"
        )
    if _optimised(opt_o) & _params_of(generator):
        raise ValueError(
            f"{opt_o_name} optimises parameters of the generator; build it from "
            f"{opponent_name}.parameters() only"
        )
    if sample_noise is None:
        sample_noise = getattr(generator, "sample_noise", None)
        if not callable(sample_noise):
            raise ValueError(
                f"{type(generator).__name__} has no sample_noise(n) method; pass "
                "sample_noise=lambda n: torch.randn(n, latent_dim, device=device)"
            )
    return sample_noise


def gan_step_fn(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    sample_real: Callable[[int], Tensor],
    config: GANStepConfig,
    *,
    sample_noise: Callable[[int], Tensor] | None = None,
) -> Callable[[int], dict[str, Tensor]]:
    r"""The :class:`~gancourse.training.Trainer` step function of a GAN: ``k`` D steps, one G step.

    Each call runs ``config.d_steps`` times :func:`d_step` (a fresh real batch
    ``sample_real(batch_size)`` and fresh noise each time), then :func:`g_step` with fresh noise
    and ``config.g_loss``, and returns, as 0-d tensors (no host sync):

    - ``"loss_D"``, ``"D(x)"``, ``"D(G(z))"``: the averages over the step's D updates, measured
      on each update's batch before that update;
    - ``"loss_G"``: the generator loss before the G update.

    Args:
        sample_real: ``n -> (n, *data_shape)`` real samples on the models' device, e.g.
            :func:`random_batches` of a tensor or ``ring.sample``.
        sample_noise: ``n -> (n, latent_dim)`` noise; default ``generator.sample_noise``.

    Raises:
        ValueError: if ``config`` is not a :class:`GANStepConfig`, if either optimiser holds a
            parameter of the other network (``opt_g`` would then move D in the G step), or if no
            noise sampler can be found.
    """
    if not isinstance(config, GANStepConfig):
        raise ValueError(f"config must be a GANStepConfig, got {type(config).__name__}")
    sample_noise = check_players(
        generator,
        discriminator,
        opt_g,
        opt_d,
        opponent_name="discriminator",
        opt_o_name="opt_d",
        sample_noise=sample_noise,
    )
    batch, k, g_loss = config.batch_size, config.d_steps, config.g_loss
    amp = resolve_amp(config.precision, generator, discriminator)

    def step_fn(step: int) -> dict[str, Tensor]:
        d_stats = [
            d_step(
                generator, discriminator, opt_d, sample_real(batch), sample_noise(batch), amp=amp
            )
            for _ in range(k)
        ]
        g_stats = g_step(generator, discriminator, opt_g, sample_noise(batch), g_loss, amp=amp)
        if k == 1:
            d = d_stats[0]
            loss_d, d_real, d_fake = d.loss, d.d_real, d.d_fake
        else:
            loss_d = torch.stack([s.loss for s in d_stats]).mean()
            d_real = torch.stack([s.d_real for s in d_stats]).mean()
            d_fake = torch.stack([s.d_fake for s in d_stats]).mean()
        return {"loss_D": loss_d, "loss_G": g_stats.loss, "D(x)": d_real, "D(G(z))": d_fake}

    return step_fn


@dataclass
class Snapshots(Generic[T]):
    """A Trainer callback that records ``fn()`` every ``every`` steps, e.g. ``G(fixed_z)``.

    ``steps[i]`` is the number of training steps done when ``values[i]`` was recorded. Call
    :meth:`record` yourself for extra points (e.g. ``record(0)`` before training). ``fn`` runs
    under ``torch.no_grad()``; move what it returns to the CPU (``.cpu()``) if it should not
    hold device memory.

    Example::

        fixed_z = G.sample_noise(64)
        grids = Snapshots(lambda: G(fixed_z).cpu(), every=500)
        grids.record(0)
        Trainer(..., callbacks=[grids]).fit()
    """

    fn: Callable[[], T]
    every: int
    steps: list[int] = field(default_factory=list)
    values: list[T] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"Snapshots.every must be a positive int, got {self.every!r}")

    def record(self, steps_done: int) -> T:
        """Call ``fn`` now and store its value under ``steps_done``."""
        with torch.no_grad():
            value = self.fn()
        self.steps.append(int(steps_done))
        self.values.append(value)
        return value

    def __call__(self, trainer: Any, step: int) -> None:
        if (step + 1) % self.every == 0:
            self.record(step + 1)
