r"""Training the semi-supervised GAN (Salimans et al. 2016, section 5) and its supervised baseline.

The discriminator :class:`~gancourse.models.ssgan.SSGANDiscriminator` outputs ``K`` class logits;
the fake class has the fixed logit 0 (see :mod:`gancourse.losses.ssgan`). One training step is

- :func:`ssgan_d_step`: a step down :math:`L_D = L_\text{sup} + w\,L_\text{unsup}`, the
  cross-entropy over the ``K`` real classes on a labelled batch plus the GAN loss on an unlabelled
  real batch and on (detached) fakes;
- :func:`ssgan_g_step`: a step of the generator, by default down the feature-matching loss
  (match the batch mean of the discriminator's last hidden layer on real unlabelled data);
- an update of an exponential moving average (EMA) of the classifier's parameters
  (:func:`ema_model`), the model whose test error is reported.

:func:`ssgan_step_fn` strings them into the ``step_fn`` of :class:`gancourse.training.Trainer`;
:func:`supervised_step_fn` is the baseline: the *same* network trained on the labelled batch
alone. :func:`stratified_subset` draws the labelled digits (``n`` per class, reproducibly) and
:func:`error_rate` evaluates a classifier in eval mode (noise layers off).
:func:`data_dependent_init` is the paper's initialisation of the weight-normalised layers.

Every step returns 0-d detached tensors: no ``.item()``, so no host-device sync per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from gancourse.data.digitset import DigitSet
from gancourse.losses.ssgan import (
    feature_matching_loss,
    log_d,
    nonsaturating_generator_loss,
    supervised_loss,
    unsupervised_discriminator_loss,
)
from gancourse.models._common import check_positive_int
from gancourse.training.gan import _frozen, check_players

__all__ = [
    "SSGAN_GENERATOR_LOSSES",
    "SSGANConfig",
    "SSGANDStepStats",
    "SSGANGStepStats",
    "SSGANGeneratorLoss",
    "SupervisedConfig",
    "ema_model",
    "data_dependent_init",
    "error_rate",
    "labelled_batches",
    "make_optimizers",
    "ssgan_d_step",
    "ssgan_g_step",
    "ssgan_step_fn",
    "stratified_indices",
    "stratified_subset",
    "supervised_step_fn",
]

SSGANGeneratorLoss = Literal["feature_matching", "nonsaturating"]
SSGAN_GENERATOR_LOSSES: tuple[str, ...] = ("feature_matching", "nonsaturating")


def _positive_float(owner: str, name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{owner}.{name} must be a finite number > 0, got {value!r}")


def _check_betas(owner: str, betas: object) -> None:
    ok = (
        isinstance(betas, tuple)
        and len(betas) == 2
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in betas)
        and all(0.0 <= b < 1.0 for b in betas)  # type: ignore[operator]
    )
    if not ok:
        raise ValueError(f"{owner}.betas must be a pair of floats in [0, 1), got {betas!r}")


def _check_decay(owner: str, decay: object) -> None:
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 <= decay < 1.0:
        raise ValueError(
            f"{owner}.ema_decay must be a float in [0, 1) (e.g. 0.999; 0 keeps only the latest "
            f"parameters), got {decay!r}"
        )


@dataclass(frozen=True)
class SSGANConfig:
    r"""What one semi-supervised GAN step does.

    Attributes:
        labelled_batch: labelled real samples per discriminator step (the supervised loss).
        unlabelled_batch: unlabelled real samples per step, and fakes per D and per G step.
        lr_d, lr_g: Adam learning rates (the paper's MNIST code: 0.003 for both).
        betas: Adam's ``(beta1, beta2)`` (the paper's code: ``(0.5, 0.999)``).
        g_loss: ``"feature_matching"`` (the paper's choice for classification) or
            ``"nonsaturating"`` (:math:`-\log D(G(z))`).
        unlabelled_weight: :math:`w` in :math:`L_D = L_\text{sup} + w L_\text{unsup}`; the
            released MNIST code uses 0.5 (it halves the unsupervised loss).
        ema_decay: decay of the moving average of the classifier's parameters,
            :math:`\bar\theta \leftarrow \beta \bar\theta + (1 - \beta)\theta`.
    """

    labelled_batch: int = 100
    unlabelled_batch: int = 100
    lr_d: float = 3e-3
    lr_g: float = 3e-3
    betas: tuple[float, float] = (0.5, 0.999)
    g_loss: SSGANGeneratorLoss = "feature_matching"
    unlabelled_weight: float = 0.5
    ema_decay: float = 0.999

    def __post_init__(self) -> None:
        owner = "SSGANConfig"
        check_positive_int(owner, "labelled_batch", self.labelled_batch)
        check_positive_int(owner, "unlabelled_batch", self.unlabelled_batch)
        _positive_float(owner, "lr_d", self.lr_d)
        _positive_float(owner, "lr_g", self.lr_g)
        _check_betas(owner, self.betas)
        if self.g_loss not in SSGAN_GENERATOR_LOSSES:
            raise ValueError(
                f"{owner}.g_loss must be one of {SSGAN_GENERATOR_LOSSES}, got {self.g_loss!r}"
            )
        _positive_float(owner, "unlabelled_weight", self.unlabelled_weight)
        _check_decay(owner, self.ema_decay)


@dataclass(frozen=True)
class SupervisedConfig:
    """The supervised-only baseline: the classifier trained on the labelled batch alone.

    Attributes:
        batch: labelled samples per step (drawn with replacement from the labelled set).
        lr: Adam learning rate; ``betas``: Adam's moments; ``ema_decay``: as in
            :class:`SSGANConfig`.
    """

    batch: int = 100
    lr: float = 3e-3
    betas: tuple[float, float] = (0.5, 0.999)
    ema_decay: float = 0.999

    def __post_init__(self) -> None:
        owner = "SupervisedConfig"
        check_positive_int(owner, "batch", self.batch)
        _positive_float(owner, "lr", self.lr)
        _check_betas(owner, self.betas)
        _check_decay(owner, self.ema_decay)


def make_optimizers(
    generator: nn.Module, discriminator: nn.Module, config: SSGANConfig
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """``(opt_g, opt_d)``: Adam over each network's own parameters, with the config's settings."""
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas)
    return opt_g, opt_d


# ------------------------------------------------------------------------------ the two steps


@dataclass(frozen=True)
class SSGANDStepStats:
    """What a discriminator step saw, before its update: 0-d detached tensors.

    Attributes:
        loss: :math:`L_\\text{sup} + w L_\\text{unsup}`.
        loss_sup: the cross-entropy on the labelled batch.
        loss_unsup: the GAN loss on the unlabelled real batch and the fakes.
        d_real, d_fake: mean :math:`D(x)` on the unlabelled real batch and on the fakes.
        accuracy: the share of the labelled batch classified correctly.
    """

    loss: Tensor
    loss_sup: Tensor
    loss_unsup: Tensor
    d_real: Tensor
    d_fake: Tensor
    accuracy: Tensor


@dataclass(frozen=True)
class SSGANGStepStats:
    """What a generator step saw, before its update: the loss and mean :math:`D(G(z))`."""

    loss: Tensor
    d_fake: Tensor


def _mean_d(logits: Tensor) -> Tensor:
    return log_d(logits.detach()).exp().mean()  # mean D(x) = Z / (Z + 1), via logsumexp


def ssgan_d_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_d: torch.optim.Optimizer,
    x_labelled: Tensor,
    y_labelled: Tensor,
    x_unlabelled: Tensor,
    z: Tensor,
    *,
    unlabelled_weight: float = 0.5,
) -> SSGANDStepStats:
    r"""One update of the :math:`K+1`-class discriminator, a step down

    .. math::

        L_D = \underbrace{\frac1{B_l}\sum_i \bigl(\operatorname{lse} l(x^l_i)
              - l_{y_i}(x^l_i)\bigr)}_{L_\text{sup}}
            + w \Bigl(\underbrace{\frac1{B_u}\sum_i \operatorname{softplus}
              \bigl(-\operatorname{lse} l(x^u_i)\bigr)
            + \frac1{B'}\sum_j \operatorname{softplus}\bigl(\operatorname{lse}
              l(G(z_j))\bigr)}_{L_\text{unsup}}\Bigr),

    with :math:`\operatorname{lse} l = \log\sum_k e^{l_k}`. The fakes are ``G(z).detach()``:
    the update changes D only and leaves G's parameters and ``.grad`` as they were. The three
    batches go through D in separate calls (each with its own noise draw).

    Args:
        x_labelled: ``(B_l, *data_shape)`` labelled real samples; ``y_labelled``: ``(B_l,)``
            their classes in ``0 .. K-1``.
        x_unlabelled: ``(B_u, *data_shape)`` real samples whose labels are not used.
        z: ``(B', latent_dim)`` noise for the fakes.
        unlabelled_weight: :math:`w`.
    """
    fake = generator(z).detach()  # (B', *data_shape), cut from G's graph
    logits_lab = discriminator(x_labelled)  # (B_l, *data_shape) -> (B_l, K)
    logits_unl = discriminator(x_unlabelled)  # (B_u, *data_shape) -> (B_u, K)
    logits_fake = discriminator(fake)  # (B', *data_shape) -> (B', K)
    loss_sup = supervised_loss(logits_lab, y_labelled)
    loss_unsup = unsupervised_discriminator_loss(logits_unl, logits_fake)
    loss = loss_sup + unlabelled_weight * loss_unsup
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    accuracy = (logits_lab.detach().argmax(1) == y_labelled).to(logits_lab.dtype).mean()
    return SSGANDStepStats(
        loss.detach(),
        loss_sup.detach(),
        loss_unsup.detach(),
        _mean_d(logits_unl),
        _mean_d(logits_fake),
        accuracy,
    )


def ssgan_g_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    x_unlabelled: Tensor,
    z: Tensor,
    loss: SSGANGeneratorLoss = "feature_matching",
) -> SSGANGStepStats:
    r"""One update of the generator against the current discriminator.

    ``"feature_matching"`` (default): with :math:`f` the discriminator's last hidden layer,

    .. math::

        L_\text{FM} = \frac1F\Bigl\| \frac1{B_u}\sum_i f(x^u_i)
                      - \frac1{B'}\sum_j f(G(z_j)) \Bigr\|_2^2

    (``feature_matching_loss(..., reduction="mean")``, as the released MNIST code). The real
    features are computed without a graph. ``"nonsaturating"``:
    :math:`\frac1{B'}\sum_j \operatorname{softplus}(-\operatorname{lse} l(G(z_j)))`;
    ``x_unlabelled`` is then unused.

    The discriminator's parameters are frozen for the step: the gradient flows through D into
    G, but D's ``.grad`` is left as it was and only ``opt_g`` changes anything.
    """
    if loss not in SSGAN_GENERATOR_LOSSES:
        raise ValueError(f"loss must be one of {SSGAN_GENERATOR_LOSSES}, got {loss!r}")
    with _frozen(discriminator):
        fake = generator(z)  # (B', latent_dim) -> (B', *data_shape)
        logits_fake, feats_fake = discriminator(fake, return_features=True)  # (B', K), (B', F)
        if loss == "feature_matching":
            with torch.no_grad():
                feats_real = discriminator.features(x_unlabelled)  # (B_u, F)
            value = feature_matching_loss(feats_real, feats_fake, reduction="mean")
        else:
            value = nonsaturating_generator_loss(logits_fake)
        opt_g.zero_grad(set_to_none=True)
        value.backward()
    opt_g.step()
    return SSGANGStepStats(value.detach(), _mean_d(logits_fake))


# ------------------------------------------------------------------------------ moving average


def ema_model(model: nn.Module, decay: float) -> AveragedModel:
    r"""An exponential moving average of ``model``'s parameters (a deep copy that starts equal).

    Call ``ema.update_parameters(model)`` after each optimiser step. The first call copies the
    parameters; each later one sets :math:`\bar\theta \leftarrow \beta\bar\theta +
    (1-\beta)\theta`, so after updates with :math:`\theta_1, \dots, \theta_t`,

    .. math::

        \bar\theta_t = \beta^{t-1}\theta_1 + (1-\beta)\sum_{s=2}^{t} \beta^{t-s}\theta_s.

    Evaluate ``ema.module`` (in eval mode) as the classifier. Buffers are not averaged (the
    SSGAN discriminator has none).
    """
    _check_decay("ema_model", decay)
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))


# ------------------------------------------------------------------------------ step functions


def labelled_batches(images: Tensor, labels: Tensor) -> Callable[[int], tuple[Tensor, Tensor]]:
    """A sampler ``n -> (images[idx], labels[idx])`` with ``n`` indices drawn with replacement
    from torch's global generator (so :func:`gancourse.seed.seed_everything` repeats them)."""
    if not isinstance(images, Tensor) or not isinstance(labels, Tensor):
        raise TypeError("labelled_batches takes two tensors: images and labels")
    if images.shape[0] == 0 or images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"labelled_batches needs as many labels as images (at least one), got "
            f"{images.shape[0]} images and {labels.shape[0]} labels"
        )

    def sample(n: int) -> tuple[Tensor, Tensor]:
        index = torch.randint(images.shape[0], (n,), device=images.device)  # (n,)
        return images[index], labels[index]  # (n, *shape), (n,)

    return sample


def ssgan_step_fn(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    sample_labelled: Callable[[int], tuple[Tensor, Tensor]],
    sample_unlabelled: Callable[[int], Tensor],
    config: SSGANConfig,
    *,
    ema: AveragedModel | None = None,
) -> Callable[[int], dict[str, Tensor]]:
    """The Trainer ``step_fn`` of the semi-supervised GAN: one D step, one G step, EMA update.

    Returns, as 0-d tensors: ``"loss_D"``, ``"loss_sup"``, ``"loss_unsup"``, ``"loss_G"``,
    ``"D(x)"``, ``"D(G(z))"`` (on the D step's batches) and ``"acc_lab"`` (accuracy on the
    labelled batch). The G step uses a fresh unlabelled batch and fresh noise.
    """
    if not isinstance(config, SSGANConfig):
        raise ValueError(f"config must be an SSGANConfig, got {type(config).__name__}")
    check_players(
        generator, discriminator, opt_g, opt_d, opponent_name="discriminator", opt_o_name="opt_d"
    )
    b_lab, b_unl = config.labelled_batch, config.unlabelled_batch

    def step_fn(step: int) -> dict[str, Tensor]:
        x_lab, y_lab = sample_labelled(b_lab)
        d = ssgan_d_step(
            generator,
            discriminator,
            opt_d,
            x_lab,
            y_lab,
            sample_unlabelled(b_unl),
            generator.sample_noise(b_unl),
            unlabelled_weight=config.unlabelled_weight,
        )
        if ema is not None:
            ema.update_parameters(discriminator)
        g = ssgan_g_step(
            generator,
            discriminator,
            opt_g,
            sample_unlabelled(b_unl),
            generator.sample_noise(b_unl),
            config.g_loss,
        )
        return {
            "loss_D": d.loss,
            "loss_sup": d.loss_sup,
            "loss_unsup": d.loss_unsup,
            "loss_G": g.loss,
            "D(x)": d.d_real,
            "D(G(z))": d.d_fake,
            "acc_lab": d.accuracy,
        }

    return step_fn


def supervised_step_fn(
    classifier: nn.Module,
    optimizer: torch.optim.Optimizer,
    sample_labelled: Callable[[int], tuple[Tensor, Tensor]],
    config: SupervisedConfig,
    *,
    ema: AveragedModel | None = None,
) -> Callable[[int], dict[str, Tensor]]:
    """The Trainer ``step_fn`` of the supervised-only baseline: a step down the cross-entropy
    :math:`L_\\text{sup}` on a labelled batch (no fakes, no unlabelled data), then the EMA update.

    Returns ``"loss_sup"`` and ``"acc_lab"`` as 0-d tensors.
    """
    if not isinstance(config, SupervisedConfig):
        raise ValueError(f"config must be a SupervisedConfig, got {type(config).__name__}")

    def step_fn(step: int) -> dict[str, Tensor]:
        x, y = sample_labelled(config.batch)
        logits = classifier(x)  # (B, *data_shape) -> (B, K)
        loss = supervised_loss(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if ema is not None:
            ema.update_parameters(classifier)
        accuracy = (logits.detach().argmax(1) == y).to(logits.dtype).mean()
        return {"loss_sup": loss.detach(), "acc_lab": accuracy}

    return step_fn


# ------------------------------------------------------------------------------ data, evaluation


def stratified_indices(labels: Tensor, per_class: int, *, seed: int) -> Tensor:
    """Indices of exactly ``per_class`` samples of every class in ``labels``, drawn without
    replacement with a generator seeded by ``seed`` (the same seed gives the same indices).
    Sorted by class, then by draw; on the CPU."""
    check_positive_int("stratified_indices", "per_class", per_class)
    if not isinstance(labels, Tensor) or labels.dim() != 1 or labels.is_floating_point():
        raise ValueError("labels must be a 1-d integer tensor of class indices")
    gen = torch.Generator().manual_seed(seed)
    labels = labels.cpu()
    chosen = []
    for k in torch.unique(labels).tolist():
        members = torch.nonzero(labels == k).flatten()  # (N_k,)
        if members.numel() < per_class:
            raise ValueError(
                f"class {k} has only {members.numel()} samples, fewer than per_class={per_class}"
            )
        chosen.append(members[torch.randperm(members.numel(), generator=gen)[:per_class]])
    return torch.cat(chosen)  # (K * per_class,)


def stratified_subset(digits: DigitSet, per_class: int, *, seed: int) -> DigitSet:
    """The labelled set of the semi-supervised experiment: ``per_class`` digits of each class
    drawn from ``digits`` with ``seed`` (see :func:`stratified_indices`), on their device."""
    index = stratified_indices(digits.labels, per_class, seed=seed).to(digits.labels.device)
    return DigitSet(
        images=digits.images[index],
        labels=digits.labels[index],
        name=f"{digits.name}[{per_class}/class, seed {seed}]",
        scale=digits.scale,
        class_names=digits.class_names,
    )


@torch.no_grad()
def error_rate(model: nn.Module, digits: DigitSet, *, batch_size: int = 500) -> float:
    """The share of ``digits`` that ``model`` (logits ``(B, K)``) misclassifies, in eval mode
    (noise layers and dropout off); the model's train/eval mode is restored afterwards.

    Pass ``ema.module`` to evaluate the moving average. Multiply by ``len(digits)`` (and round)
    for the count of errors.
    """
    check_positive_int("error_rate", "batch_size", batch_size)
    if len(digits) == 0:
        raise ValueError("error_rate needs a non-empty DigitSet")
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        wrong = 0
        for start in range(0, len(digits), batch_size):
            x = digits.images[start : start + batch_size].to(device)  # (b, 1, 28, 28)
            y = digits.labels[start : start + batch_size].to(device)  # (b,)
            wrong += int((model(x).argmax(1) != y).sum())  # (b, K) -> (b,)
    finally:
        model.train(was_training)
    return wrong / len(digits)


# ------------------------------------------------------------------------------ initialisation


def _weight_normed_linears(model: nn.Module) -> list[nn.Linear]:
    return [
        m
        for m in model.modules()
        if isinstance(m, nn.Linear)
        and parametrize.is_parametrized(m, "weight")
        and len(m.parametrizations.weight) == 1  # type: ignore[union-attr]
        and hasattr(m.parametrizations.weight, "original0")  # type: ignore[union-attr]
    ]


@torch.no_grad()
def data_dependent_init(model: nn.Module, *inputs: Tensor, scale: float = 1.0) -> int:
    r"""Salimans and Kingma's (2016) initialisation of weight-normalised layers, from data.

    One forward pass of ``inputs`` through ``model``; every weight-normalised linear layer, in the
    order the pass reaches it, rescales its gains :math:`g` and sets its bias so that its outputs
    on this batch have mean 0 and standard deviation ``scale`` per unit:

    .. math::

        y = \frac{g}{\lVert v\rVert} v^\top x + b,\quad
        g \leftarrow \frac{\text{scale}\; g}{\operatorname{std}(y)},\quad
        b \leftarrow \frac{\text{scale}\,(b - \operatorname{mean}(y))}{\operatorname{std}(y)},

    and passes the normalised outputs on, so later layers are initialised on what they will
    see. The paper's code does this before training; without it the default initialisation
    gives hidden activations of about 0.1, which the discriminator's Gaussian noise (0.5)
    drowns. Returns the number of layers initialised.
    """
    _positive_float("data_dependent_init", "scale", scale)
    layers = _weight_normed_linears(model)
    if not layers:
        raise ValueError(
            f"{type(model).__name__} has no weight-normalised linear layer to initialise "
            "(build it with weight_norm=True)"
        )

    def hook(layer: nn.Module, args: tuple[Tensor, ...], out: Tensor) -> Tensor:
        flat = out.flatten(0, -2)  # (..., h) -> (N, h)
        mean, std = flat.mean(0), flat.std(0).clamp_min(1e-6)  # (h,), (h,)
        gain = layer.parametrizations.weight.original0  # (h, 1): g per output unit
        gain.mul_(scale / std[:, None])
        layer.bias.sub_(mean).mul_(scale / std)
        return (out - mean) * (scale / std)  # (..., h): what the rescaled layer now outputs

    handles = [layer.register_forward_hook(hook) for layer in layers]
    try:
        model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return len(layers)
