r"""The losses of the Wasserstein GAN and the ways to keep its critic 1-Lipschitz.

The critic :math:`f` outputs an unbounded *score* per sample (no sigmoid, no logit). By the
Kantorovich-Rubinstein duality,

.. math::

    W(p_\text{data}, p_g) = \sup_{\|f\|_L \le 1}
        \mathbb{E}_{x \sim p_\text{data}}[f(x)] - \mathbb{E}_{\tilde x \sim p_g}[f(\tilde x)],

so the critic maximises the score gap and the generator minimises it. Three ways to (roughly)
enforce the constraint :math:`\|f\|_L \le 1` live here:

- :func:`clip_weights_`: clamp every parameter to :math:`[-c, c]` after each critic update
  (Arjovsky et al. 2017);
- :func:`gradient_penalty`: penalise :math:`(\|\nabla f(\hat x)\|_2 - 1)^2` at random points on
  the segments between real and fake samples (Gulrajani et al. 2017, WGAN-GP);
- :func:`finite_difference_penalty`: the same idea with the derivative replaced by a difference
  quotient between two such points, which needs no double backpropagation.

Scores have shape ``(B,)``; every loss averages over the batch and returns a scalar tensor.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

__all__ = [
    "clip_weights_",
    "finite_difference_penalty",
    "finite_difference_penalty_with_slopes",
    "gradient_penalty",
    "gradient_penalty_with_norms",
    "interpolate",
    "wgan_critic_loss",
    "wgan_generator_loss",
]

Critic = Callable[[Tensor], Tensor]


def _check_scores(name: str, scores: Tensor) -> None:
    if not isinstance(scores, Tensor) or not scores.is_floating_point():
        kind = scores.dtype if isinstance(scores, Tensor) else type(scores).__name__
        raise TypeError(f"{name} must be a floating-point tensor of critic scores, got {kind}")
    if scores.numel() == 0:
        raise ValueError(f"{name} is empty: pass the critic's scores for a batch")


def wgan_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    r"""The critic's loss, the negated estimate of the dual objective on a batch:

    .. math::

        L_f = \frac{1}{B'}\sum_j f(\tilde x_j) - \frac{1}{B}\sum_i f(x_i)
            = \operatorname{mean} f(\tilde x) - \operatorname{mean} f(x).

    Minimising it raises the real scores and lowers the fake ones; at a 1-Lipschitz critic,
    :math:`-L_f` is a lower bound on (and at the optimum an estimate of) :math:`W(p_\text{data},
    p_g)`. Add a Lipschitz penalty (:func:`gradient_penalty`) or clip the weights
    (:func:`clip_weights_`): without either the loss is unbounded below.
    """
    _check_scores("real_scores", real_scores)
    _check_scores("fake_scores", fake_scores)
    return fake_scores.mean() - real_scores.mean()


def wgan_generator_loss(fake_scores: Tensor) -> Tensor:
    r"""The generator's loss, :math:`L_G = -\frac{1}{B}\sum_j f(G(z_j)) = -\operatorname{mean}
    f(\tilde x)`.

    The real term of the dual objective does not depend on the generator, so it is left out:
    minimising :math:`L_G` minimises the critic's estimate of the Wasserstein distance.
    """
    _check_scores("fake_scores", fake_scores)
    return -fake_scores.mean()


def _check_pair(real: Tensor, fake: Tensor) -> None:
    for name, x in (("real", real), ("fake", fake)):
        if not isinstance(x, Tensor) or not x.is_floating_point():
            kind = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"{name} must be a floating-point tensor of samples, got {kind}")
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape to be interpolated, got {tuple(real.shape)} "
            f"and {tuple(fake.shape)}; draw as many fakes as real samples"
        )
    if real.dim() < 2 or real.shape[0] == 0:
        raise ValueError(
            f"real and fake must be non-empty batches of shape (B, *data_shape), got "
            f"{tuple(real.shape)}; 1-D samples need a feature axis: x.unsqueeze(1)"
        )


def interpolate(
    real: Tensor, fake: Tensor, *, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    r"""Random points on the segments between paired real and fake samples.

    .. math::

        \hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i, \qquad
        \epsilon_i \sim U[0, 1],

    with **one** :math:`\epsilon_i` per sample, shared by all its coordinates (a separate
    :math:`\epsilon` per pixel would land off the segment).

    Returns:
        ``(x_hat, eps)``: ``x_hat`` of the shape of ``real``, ``eps`` of shape ``(B, 1, ..., 1)``
        (broadcastable against a sample). Both are detached from ``real`` and ``fake``.
    """
    _check_pair(real, fake)
    real, fake = real.detach(), fake.detach()
    # (B, 1, ..., 1): one eps per sample, broadcast over every non-batch dimension.
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, generator=generator, device=real.device, dtype=real.dtype)
    return eps * real + (1 - eps) * fake, eps


def _scores_of(critic: Critic, x: Tensor) -> Tensor:
    scores = critic(x)
    if scores.shape != (x.shape[0],):
        raise ValueError(
            f"the critic must return one score per sample, shape ({x.shape[0]},), got "
            f"{tuple(scores.shape)}; squeeze its last layer's (B, 1) output to (B,)"
        )
    return scores


def _check_lambda(lambda_: float) -> None:
    if isinstance(lambda_, bool) or not isinstance(lambda_, (int, float)) or lambda_ < 0:
        raise ValueError(f"lambda_ must be a non-negative number, got {lambda_!r}")


def gradient_penalty_with_norms(
    critic: Critic,
    real: Tensor,
    fake: Tensor,
    *,
    lambda_: float = 10.0,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    r"""The WGAN-GP penalty and the per-sample gradient norms it was computed from.

    .. math::

        \hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i,\ \epsilon_i \sim U[0, 1], \qquad
        P = \lambda\,\frac{1}{B}\sum_{i=1}^B
            \bigl(\|\nabla_{\hat x} f(\hat x_i)\|_2 - 1\bigr)^2,

    where the norm is the Euclidean norm of sample :math:`i`'s gradient over all its coordinates
    (every non-batch dimension), one norm per sample: a norm of the whole batch's gradient would
    be a different, wrong penalty. The gradient is taken with ``create_graph=True``, so
    ``P.backward()`` differentiates through it (double backpropagation) and the penalty's
    gradient reaches the critic's parameters.

    The interpolates are built from detached samples: the penalty is a term of the critic's loss
    only and never sends gradient into the generator. Because the penalty is per sample, the
    critic must treat samples independently (no batch norm; layer norm is fine).

    Args:
        critic: ``(B, *data_shape) -> (B,)`` scores.
        real, fake: paired batches of the same shape ``(B, *data_shape)``.
        lambda_: the penalty weight :math:`\lambda` (10 in the paper).
        generator: a ``torch.Generator`` for :math:`\epsilon`, for repeatable draws.

    Returns:
        ``(penalty, norms)``: a scalar, and the norms :math:`\|\nabla f(\hat x_i)\|_2` of shape
        ``(B,)``, detached (for logging).
    """
    _check_lambda(lambda_)
    x_hat, _ = interpolate(real, fake, generator=generator)
    x_hat.requires_grad_(True)
    scores = _scores_of(critic, x_hat)  # (B,)
    # Summing is safe: sample i's score depends on x_hat_i only, so d(sum)/d x_hat_i is grad f_i.
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, *data_shape)
    norms = grad.flatten(1).norm(2, dim=1)  # (B, *data_shape) -> (B, data_dim) -> (B,)
    penalty = lambda_ * ((norms - 1) ** 2).mean()
    return penalty, norms.detach()


def gradient_penalty(
    critic: Critic,
    real: Tensor,
    fake: Tensor,
    *,
    lambda_: float = 10.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""The WGAN-GP penalty :math:`\lambda\,\operatorname{mean}_i(\|\nabla f(\hat x_i)\|_2 - 1)^2`
    at :math:`\hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i`; see
    :func:`gradient_penalty_with_norms` (which also returns the norms)."""
    return gradient_penalty_with_norms(critic, real, fake, lambda_=lambda_, generator=generator)[0]


def finite_difference_penalty_with_slopes(
    critic: Critic,
    real: Tensor,
    fake: Tensor,
    *,
    lambda_: float = 10.0,
    one_sided: bool = False,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    r"""The finite-difference penalty: slopes between two interpolates pushed towards 1.

    Two points are drawn independently from the distribution of the WGAN-GP interpolates,
    :math:`\hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i` and
    :math:`\hat y_i = \delta_i x_{i+1} + (1 - \delta_i)\tilde x_{i+1}` (the next pair in the
    batch, indices mod :math:`B`, fresh :math:`\delta_i \sim U[0,1]`), and the slope of the
    critic along the line between them is penalised:

    .. math::

        s_i = \frac{|f(\hat x_i) - f(\hat y_i)|}{\|\hat x_i - \hat y_i\|_2}, \qquad
        P = \lambda\,\frac{1}{B}\sum_i (s_i - 1)^2
        \quad\text{or, one-sided,}\quad
        P = \lambda\,\frac{1}{B}\sum_i \max(0, s_i - 1)^2.

    How it differs from :func:`gradient_penalty`: the derivative becomes a difference quotient,
    so ``P.backward()`` needs only ordinary backpropagation through :math:`f(\hat x)` and
    :math:`f(\hat y)` (no gradient of a gradient). By the mean value theorem each :math:`s_i` is
    the directional derivative along :math:`\hat y_i - \hat x_i` at some point between them, so
    it is at most the gradient norm there: it probes the Lipschitz constant in one direction
    instead of bounding the full gradient. For a 1-Lipschitz critic every :math:`s_i \le 1`, and
    the one-sided form is then exactly zero; the two-sided form also pushes slopes up to 1, as
    WGAN-GP pushes gradient norms up to 1. A zero denominator (two identical points) is clamped
    to ``1e-12``.

    Returns:
        ``(penalty, slopes)``: a scalar and the detached slopes :math:`s_i`, shape ``(B,)``.
    """
    _check_lambda(lambda_)
    x_hat, _ = interpolate(real, fake, generator=generator)  # (B, *data_shape)
    # The second point: the next real/fake pair, so the two points are independent draws.
    y_hat, _ = interpolate(
        real.roll(-1, dims=0), fake.roll(-1, dims=0), generator=generator
    )  # (B, *data_shape)
    diff = _scores_of(critic, x_hat) - _scores_of(critic, y_hat)  # (B,)
    dist = (x_hat - y_hat).flatten(1).norm(2, dim=1).clamp_min(1e-12)  # (B, data_dim) -> (B,)
    slopes = diff.abs() / dist  # (B,)
    excess = slopes - 1
    if one_sided:
        excess = excess.clamp_min(0)
    penalty = lambda_ * (excess**2).mean()
    return penalty, slopes.detach()


def finite_difference_penalty(
    critic: Critic,
    real: Tensor,
    fake: Tensor,
    *,
    lambda_: float = 10.0,
    one_sided: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""The finite-difference penalty :math:`\lambda\operatorname{mean}_i(s_i - 1)^2` with
    :math:`s_i = |f(\hat x_i) - f(\hat y_i)| / \|\hat x_i - \hat y_i\|_2`; see
    :func:`finite_difference_penalty_with_slopes`."""
    return finite_difference_penalty_with_slopes(
        critic, real, fake, lambda_=lambda_, one_sided=one_sided, generator=generator
    )[0]


@torch.no_grad()
def clip_weights_(critic: nn.Module, c: float) -> None:
    r"""Clamp every parameter of ``critic`` into :math:`[-c, c]`, in place (original WGAN).

    .. math::

        w \leftarrow \min(\max(w, -c), c) \quad \text{for every parameter } w.

    A network whose parameters are bounded is :math:`K`-Lipschitz for some :math:`K` that
    depends on :math:`c` and the architecture: the constraint is indirect, and it drives the
    critic's weights to :math:`\pm c` and its gradients to vanish or explode with depth
    (chapter 7).
    """
    if isinstance(c, bool) or not isinstance(c, (int, float)) or not c > 0:
        raise ValueError(f"the clipping threshold c must be a positive number, got {c!r}")
    for p in critic.parameters():
        p.clamp_(-c, c)
