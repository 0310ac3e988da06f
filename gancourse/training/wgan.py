r"""One critic step, one generator step, and the Trainer step function of a Wasserstein GAN.

Algorithm 1 of Gulrajani et al. (2017) makes ``n_critic = 5`` critic updates (each with a fresh
real batch, fresh noise and fresh interpolation weights) per generator update, with
:math:`\lambda = 10`. The original WGAN (Arjovsky et al. 2017) instead clips the critic's
weights to :math:`[-c, c]` after every critic update. :class:`WGANConfig` picks one of
``"gp"`` (gradient penalty), ``"fd"`` (the finite-difference penalty of
:func:`gancourse.losses.wgan.finite_difference_penalty`) or ``"clip"``.

As in :mod:`gancourse.training.gan`, the steps return detached tensors on the models' device and
never call ``.item()``: the Trainer copies them to the host once per ``log_every`` steps.

Example (chapter 7)::

    G, f = MLPGenerator(g_config), MLPCritic(MLPCriticConfig(data_shape=(2,), norm="layer"))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(f.parameters(), lr=1e-4, betas=(0.5, 0.9))
    step_fn = wgan_step_fn(G, f, opt_g, opt_c, ring.sample, WGANConfig(batch_size=256))
    history = Trainer(step_fn, {"G": G, "critic": f}, {"G": opt_g, "critic": opt_c},
                      TrainConfig(steps=2000)).fit()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from gancourse.losses.wgan import (
    clip_weights_,
    finite_difference_penalty_with_slopes,
    gradient_penalty_with_norms,
    wgan_critic_loss,
    wgan_generator_loss,
)
from gancourse.training.fast import (
    Precision,
    autocast,
    check_precision,
    full_precision,
    resolve_amp,
)
from gancourse.training.gan import _frozen, check_players

__all__ = [
    "CriticStepStats",
    "LipschitzMode",
    "WGANConfig",
    "WGenStepStats",
    "critic_step",
    "generator_step",
    "stat_names",
    "wgan_step_fn",
]

LipschitzMode = Literal["gp", "fd", "clip"]
_MODES = ("gp", "fd", "clip")


@dataclass(frozen=True)
class WGANConfig:
    """What one training step of a WGAN does.

    Attributes:
        batch_size: real samples and fakes per critic step, fakes per generator step.
        n_critic: critic updates per generator update (5 in both papers).
        mode: how the critic is kept (roughly) 1-Lipschitz: ``"gp"`` gradient penalty,
            ``"fd"`` finite-difference penalty, ``"clip"`` weight clipping.
        lambda_: the penalty weight :math:`\\lambda` for ``"gp"`` and ``"fd"`` (10 in WGAN-GP).
        clip: the clipping threshold :math:`c` for ``"clip"`` (0.01 in WGAN).
        one_sided: for ``"fd"``, penalise only slopes above 1.
        precision: ``"auto"``, ``"float32"`` or ``"bfloat16"``, as in
            :class:`gancourse.training.gan.GANStepConfig` (losses and penalty norms in float32).
    """

    batch_size: int
    n_critic: int = 5
    mode: LipschitzMode = "gp"
    lambda_: float = 10.0
    clip: float = 0.01
    one_sided: bool = False
    precision: Precision = "auto"

    def __post_init__(self) -> None:
        for name in ("batch_size", "n_critic"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"WGANConfig.{name} must be a positive int, got {value!r}")
        if self.mode not in _MODES:
            raise ValueError(f"WGANConfig.mode must be one of {_MODES}, got {self.mode!r}")
        if isinstance(self.lambda_, bool) or not isinstance(self.lambda_, (int, float)):
            raise ValueError(f"WGANConfig.lambda_ must be a number, got {self.lambda_!r}")
        if self.lambda_ < 0:
            raise ValueError(f"WGANConfig.lambda_ must be >= 0, got {self.lambda_!r}")
        if isinstance(self.clip, bool) or not isinstance(self.clip, (int, float)) or self.clip <= 0:
            raise ValueError(f"WGANConfig.clip must be a positive number, got {self.clip!r}")
        check_precision("WGANConfig.precision", self.precision)


def stat_names(mode: LipschitzMode) -> tuple[str, ...]:
    """The names :func:`wgan_step_fn`'s step function returns for ``mode``, in order.

    ``"gp"`` adds ``"penalty"`` and ``"grad_norm"`` (mean gradient norm at the interpolates),
    ``"fd"`` adds ``"penalty"`` and ``"slope"`` (mean difference-quotient slope).
    """
    base = ("loss_D", "loss_G", "W_estimate")
    return base + {"gp": ("penalty", "grad_norm"), "fd": ("penalty", "slope"), "clip": ()}[mode]


@dataclass(frozen=True)
class CriticStepStats:
    """What a critic step saw, before its update: 0-d detached tensors on the models' device.

    Attributes:
        loss: the critic's total loss (Wasserstein term plus penalty).
        w_estimate: :math:`\\operatorname{mean} f(x) - \\operatorname{mean} f(\\tilde x)`, the
            critic's estimate of the Wasserstein distance (``-`` the Wasserstein term).
        penalty: the penalty (``None`` in ``"clip"`` mode).
        lipschitz: the mean gradient norm at the interpolates (``"gp"``) or mean slope
            (``"fd"``); ``None`` in ``"clip"`` mode.
    """

    loss: Tensor
    w_estimate: Tensor
    penalty: Tensor | None = None
    lipschitz: Tensor | None = None


@dataclass(frozen=True)
class WGenStepStats:
    """What a generator step saw: the loss :math:`-\\operatorname{mean} f(G(z))` before the
    update, a 0-d detached tensor."""

    loss: Tensor


def critic_step(
    generator: nn.Module,
    critic: nn.Module,
    opt_c: torch.optim.Optimizer,
    real: Tensor,
    z: Tensor,
    config: WGANConfig,
    *,
    eps_generator: torch.Generator | None = None,
    amp: torch.dtype | None | Literal["config"] = "config",
) -> CriticStepStats:
    r"""One update of the critic, a step down

    .. math::

        L = \operatorname{mean} f(\tilde x) - \operatorname{mean} f(x) + P,

    with :math:`P` the gradient penalty (``"gp"``), the finite-difference penalty (``"fd"``) or
    0 followed by clipping every critic parameter to :math:`[-c, c]` after the step
    (``"clip"``). The fakes are ``G(z).detach()`` (computed under ``torch.no_grad()``, which
    gives the same values without recording a graph): this update changes the critic only and
    leaves the generator's parameters and ``.grad`` as they were (see
    :func:`gancourse.training.gan.d_step` for why the detach matters).

    Args:
        real: real samples ``(B, *data_shape)``; z: noise ``(B, latent_dim)`` (same ``B``, the
            penalties pair real and fake samples).
        eps_generator: a ``torch.Generator`` for the interpolation weights.
        amp: run the networks under autocast in this dtype (``None``: float32); the losses and
            the penalty's gradient norms are computed in float32. Default: what
            ``config.precision`` gives for these networks
            (:func:`gancourse.training.fast.resolve_amp`; :func:`wgan_step_fn` resolves it once
            and passes it).
    """
    if amp == "config":
        amp = resolve_amp(config.precision, generator, critic)
    # (B, *data_shape), no graph: this update trains the critic only
    with torch.no_grad(), autocast(z.device, amp):
        fake = full_precision(generator(z))
    if fake.shape != real.shape:
        raise ValueError(
            f"critic_step pairs real and fake samples: got real {tuple(real.shape)} and fakes "
            f"{tuple(fake.shape)}; draw as many noise vectors as real samples"
        )

    def scores(x: Tensor) -> Tensor:  # the critic under autocast, scores back in float32
        with autocast(x.device, amp):
            return full_precision(critic(x))

    w_loss = wgan_critic_loss(scores(real), scores(fake))  # (B,), (B,) -> scalar
    penalty = lipschitz = None
    if config.mode == "gp":
        penalty, norms = gradient_penalty_with_norms(
            scores, real, fake, lambda_=config.lambda_, generator=eps_generator
        )
        lipschitz = norms.mean()
        loss = w_loss + penalty
    elif config.mode == "fd":
        penalty, slopes = finite_difference_penalty_with_slopes(
            scores,
            real,
            fake,
            lambda_=config.lambda_,
            one_sided=config.one_sided,
            generator=eps_generator,
        )
        lipschitz = slopes.mean()
        loss = w_loss + penalty
    else:
        loss = w_loss
    opt_c.zero_grad(set_to_none=True)
    loss.backward()
    opt_c.step()
    if config.mode == "clip":
        clip_weights_(critic, config.clip)
    return CriticStepStats(
        loss.detach(),
        -w_loss.detach(),
        None if penalty is None else penalty.detach(),
        lipschitz,
    )


def generator_step(
    generator: nn.Module,
    critic: nn.Module,
    opt_g: torch.optim.Optimizer,
    z: Tensor,
    *,
    amp: torch.dtype | None = None,
) -> WGenStepStats:
    r"""One update of the generator, a step down :math:`L_G = -\frac1B\sum_j f(G(z_j))`.

    The critic's parameters are frozen during the step (their ``.grad`` is left as it was) and
    the gradient flows through the critic into the generator only. ``amp``: as in
    :func:`critic_step`.
    """
    with _frozen(critic):
        with autocast(z.device, amp):
            scores = full_precision(critic(generator(z)))  # (B, latent) -> (B, *data) -> (B,)
        loss = wgan_generator_loss(scores)
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
    opt_g.step()
    return WGenStepStats(loss.detach())


def wgan_step_fn(
    generator: nn.Module,
    critic: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_c: torch.optim.Optimizer,
    sample_real: Callable[[int], Tensor],
    config: WGANConfig,
    *,
    sample_noise: Callable[[int], Tensor] | None = None,
) -> Callable[[int], dict[str, Tensor]]:
    r"""The :class:`~gancourse.training.Trainer` step function of a WGAN: ``n_critic`` critic
    steps, then one generator step.

    Returns per step, as 0-d tensors (no host sync), the names :func:`stat_names` lists:
    ``"loss_D"`` (critic loss with penalty), ``"W_estimate"``, and ``"penalty"`` with
    ``"grad_norm"`` or ``"slope"``, averaged over the step's critic updates, and ``"loss_G"``.

    Raises:
        ValueError: for a config that is not a :class:`WGANConfig`, an optimiser that holds the
            other network's parameters, or a generator without ``sample_noise``.
    """
    if not isinstance(config, WGANConfig):
        raise ValueError(f"config must be a WGANConfig, got {type(config).__name__}")
    sample_noise = check_players(
        generator,
        critic,
        opt_g,
        opt_c,
        opponent_name="critic",
        opt_o_name="opt_c",
        sample_noise=sample_noise,
    )
    batch, n_critic, mode = config.batch_size, config.n_critic, config.mode
    extra = stat_names(mode)[3:]
    amp = resolve_amp(config.precision, generator, critic)

    def step_fn(step: int) -> dict[str, Tensor]:
        c_stats = [
            critic_step(
                generator, critic, opt_c, sample_real(batch), sample_noise(batch), config, amp=amp
            )
            for _ in range(n_critic)
        ]
        g_stats = generator_step(generator, critic, opt_g, sample_noise(batch), amp=amp)
        out = {
            "loss_D": torch.stack([s.loss for s in c_stats]).mean(),
            "loss_G": g_stats.loss,
            "W_estimate": torch.stack([s.w_estimate for s in c_stats]).mean(),
        }
        if extra:  # "gp"/"fd": every critic step returned its penalty and norm/slope
            out[extra[0]] = torch.stack(
                [s.penalty for s in c_stats if s.penalty is not None]
            ).mean()
            out[extra[1]] = torch.stack(
                [s.lipschitz for s in c_stats if s.lipschitz is not None]
            ).mean()
        return out

    return step_fn
