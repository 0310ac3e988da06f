r"""Critics for the Wasserstein GAN (chapter 7): one score :math:`f(x) \in \mathbb{R}` per sample.

:class:`MLPCritic` is the WGAN-GP critic for 2-D toy sets and digits, optionally with layer norm.
It has **no batch-norm option**: the gradient penalty is a per-sample constraint on
:math:`\nabla_x f(x)`, and batch norm makes each sample's score depend on the other samples in the
batch, so :math:`f` is no longer a function of one sample and the penalised gradient is not the
gradient of that function (Gulrajani et al. 2017, section 4).

:class:`DeepReLUCritic` is a plain deep ReLU MLP, no normalisation, of configurable depth: the
critic of the weight-clipping experiment, where the gradient norm reaching each layer shrinks or
grows geometrically with depth; :func:`layer_gradient_norms` measures it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from gancourse.models._common import check_dims

__all__ = [
    "CriticNorm",
    "DeepReLUCritic",
    "DeepReLUCriticConfig",
    "MLPCritic",
    "MLPCriticConfig",
    "layer_gradient_norms",
    "layer_output_gradient_norms",
]

CriticNorm = Literal["none", "layer"]
_NORMS = ("none", "layer")
_BATCH_NORM_ERROR = (
    "MLPCriticConfig.norm={norm!r}: batch norm is not allowed in a WGAN-GP critic. It normalises "
    "each sample by statistics of the whole batch, so a sample's score depends on the other "
    "samples and the per-sample gradient penalty no longer constrains the gradient of one "
    "function of one sample. Use norm='layer' (per-sample normalisation) or norm='none'."
)


def _check_input(owner: str, shape: tuple[int, ...], x: Tensor) -> None:
    if tuple(x.shape[1:]) != shape and not (x.dim() == 2 and x.shape[1] == math.prod(shape)):
        raise ValueError(
            f"the {owner} takes samples of shape (batch, {', '.join(map(str, shape))}), got "
            f"{tuple(x.shape)}"
        )


@dataclass(frozen=True)
class MLPCriticConfig:
    """Sizes of an :class:`MLPCritic` (LeakyReLU hidden layers, one score out).

    ``norm="layer"`` puts a ``LayerNorm`` after each hidden linear layer (what Gulrajani et al.
    recommend in place of batch norm); ``"batch"`` is refused with an explanation.
    """

    data_shape: tuple[int, ...] = (1, 28, 28)
    hidden: tuple[int, ...] = (512, 256)
    norm: CriticNorm = "none"
    negative_slope: float = 0.2

    def __post_init__(self) -> None:
        check_dims("MLPCriticConfig", "data_shape", self.data_shape, allow_empty=False)
        check_dims("MLPCriticConfig", "hidden", self.hidden, allow_empty=True)
        if isinstance(self.norm, str) and "batch" in self.norm.lower():
            raise ValueError(_BATCH_NORM_ERROR.format(norm=self.norm))
        if self.norm not in _NORMS:
            raise ValueError(f"MLPCriticConfig.norm must be one of {_NORMS}, got {self.norm!r}")
        if not 0.0 <= self.negative_slope < 1.0:
            raise ValueError(f"negative_slope must be in [0, 1), got {self.negative_slope!r}")

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)


class MLPCritic(nn.Module):
    """``x -> f(x)``: one unbounded score per sample, shape ``(B,)``."""

    def __init__(self, config: MLPCriticConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or MLPCriticConfig()
        layers: list[nn.Module] = [nn.Flatten()]  # (B, *data_shape) -> (B, data_dim)
        width = config.data_dim
        for h in config.hidden:
            layers.append(nn.Linear(width, h))  # (B, width) -> (B, h)
            if config.norm == "layer":
                layers.append(nn.LayerNorm(h))  # (B, h) -> (B, h), per sample
            layers.append(nn.LeakyReLU(config.negative_slope))
            width = h
        layers.append(nn.Linear(width, 1))  # (B, width) -> (B, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        _check_input("critic", self.config.data_shape, x)
        return self.net(x).squeeze(1)  # (B, 1) -> (B,)


@dataclass(frozen=True)
class DeepReLUCriticConfig:
    """Sizes of a :class:`DeepReLUCritic`: ``depth`` hidden ReLU layers of ``width`` units."""

    data_shape: tuple[int, ...] = (2,)
    width: int = 128
    depth: int = 12

    def __post_init__(self) -> None:
        check_dims("DeepReLUCriticConfig", "data_shape", self.data_shape, allow_empty=False)
        for name in ("width", "depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"DeepReLUCriticConfig.{name} must be a positive int, got {value!r}"
                )

    @property
    def data_dim(self) -> int:
        return math.prod(self.data_shape)


class DeepReLUCritic(nn.Module):
    """A deep ReLU MLP critic without normalisation, ``(B, *data_shape) -> (B,)``.

    It has ``depth + 1`` linear layers (``depth`` hidden, one output), listed input to output in
    :attr:`linears`.
    """

    def __init__(self, config: DeepReLUCriticConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or DeepReLUCriticConfig()
        layers: list[nn.Module] = [nn.Flatten()]  # (B, *data_shape) -> (B, data_dim)
        width = config.data_dim
        for _ in range(config.depth):
            layers.append(nn.Linear(width, config.width))  # (B, width) -> (B, config.width)
            layers.append(nn.ReLU())
            width = config.width
        layers.append(nn.Linear(width, 1))  # (B, width) -> (B, 1)
        self.net = nn.Sequential(*layers)

    @property
    def linears(self) -> list[nn.Linear]:
        """The linear layers, input to output."""
        return [m for m in self.net if isinstance(m, nn.Linear)]

    def forward(self, x: Tensor) -> Tensor:
        _check_input("critic", self.config.data_shape, x)
        return self.net(x).squeeze(1)  # (B, 1) -> (B,)


def layer_gradient_norms(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    r"""The norm of the critic loss's gradient with respect to each linear layer's weight.

    .. math::

        g_l = \Bigl\|\frac{\partial L_f}{\partial W_l}\Bigr\|_F, \qquad
        L_f = \operatorname{mean} f(\tilde x) - \operatorname{mean} f(x),

    for the ``nn.Linear`` layers of ``critic`` in the order they were registered (input to output
    for the critics here). Computed with ``torch.autograd.grad``: the critic's ``.grad`` is left
    untouched. With weight clipping these norms change geometrically from layer to layer
    (vanishing or exploding gradients); plot them on a log scale against the layer index.

    Returns:
        A detached tensor of shape ``(L,)``, one norm per linear layer.
    """
    linears = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(critic).__name__} has no nn.Linear layer to measure")
    weights = [m.weight for m in linears]
    if not all(w.requires_grad for w in weights):
        raise ValueError("every linear weight of the critic must require grad to be measured")
    loss = critic(fake).mean() - critic(real).mean()  # the WGAN critic loss, no penalty
    grads = torch.autograd.grad(loss, weights)
    return torch.stack([g.norm() for g in grads]).detach()  # (L,)


def layer_output_gradient_norms(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    r"""The norm of the critic loss's gradient with respect to each linear layer's *output*.

    .. math::

        \delta_l = \Bigl\|\frac{\partial L_f}{\partial h_l}\Bigr\|_F, \qquad
        h_l = W_l a_{l-1} + b_l, \qquad
        L_f = \operatorname{mean} f(\tilde x) - \operatorname{mean} f(x),

    with the Frobenius norm over the batch of real and fake samples together. This is the signal
    that backpropagation carries down to layer :math:`l`, before it is multiplied by the layer's
    input: :math:`\partial L_f / \partial W_l = \delta_l^\top a_{l-1}` summed over samples. With
    weights clipped to :math:`\pm c`, :math:`\delta_l` changes by about the same factor at every
    layer, so on a log scale against the layer index it is a straight line that falls towards the
    input (vanishing) or rises (exploding); the weight gradients of
    :func:`layer_gradient_norms` hide part of this, since the activations :math:`a_{l-1}` shrink
    or grow in the forward pass by the opposite factor.

    Layers are the ``nn.Linear`` modules of ``critic`` in registration order (input to output
    for the critics here); a layer called more than once is refused. Use float64 for deep
    clipped critics: the smallest norms fall below float32's range.

    Returns:
        A detached tensor of shape ``(L,)``, one norm per linear layer.
    """
    linears = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(critic).__name__} has no nn.Linear layer to measure")
    batch = torch.cat([fake, real])  # (B' + B, *data_shape): one pass records every output once
    outputs: dict[int, Tensor] = {}

    def record(index: int):  # a hook that stores layer `index`'s output h_l
        def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            if index in outputs:
                raise ValueError("a linear layer of the critic was called twice in one pass")
            outputs[index] = output

        return hook

    handles = [m.register_forward_hook(record(i)) for i, m in enumerate(linears)]
    try:
        scores = critic(batch)  # (B' + B,)
    finally:
        for handle in handles:
            handle.remove()
    n_fake = fake.shape[0]
    loss = scores[:n_fake].mean() - scores[n_fake:].mean()  # the WGAN critic loss, no penalty
    grads = torch.autograd.grad(loss, [outputs[i] for i in range(len(linears))])
    return torch.stack([g.norm() for g in grads]).detach()  # (L,)
