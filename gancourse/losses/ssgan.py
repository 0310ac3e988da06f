r"""The losses of the semi-supervised GAN with a :math:`K+1`-class discriminator.

Salimans et al. (2016), "Improved techniques for training GANs", section 5. The discriminator is a
:math:`K`-class classifier whose softmax gets one more class, "fake" (class :math:`K+1`). A
softmax is unchanged when the same constant is subtracted from all its logits, so the fake logit
can be fixed at :math:`l_{K+1} = 0` and the network outputs only the :math:`K` class logits
:math:`l_1, \dots, l_K`. With :math:`Z(x) = \sum_{k=1}^K e^{l_k(x)}`,

.. math::

    D(x) = p(y \le K \mid x) = \frac{Z(x)}{Z(x) + 1} = \sigma\bigl(\operatorname{lse}(l(x))\bigr),
    \qquad \operatorname{lse}(l) = \log \sum_{k=1}^K e^{l_k},

so :math:`\operatorname{lse}(l(x))` plays the part of the vanilla GAN's logit, and

.. math::

    \log D(x) = \operatorname{lse}(l) - \operatorname{softplus}(\operatorname{lse}(l))
              = -\operatorname{softplus}(-\operatorname{lse}(l)), \qquad
    \log\bigl(1 - D(x)\bigr) = -\operatorname{softplus}(\operatorname{lse}(l)).

Every function here goes through ``torch.logsumexp`` and ``F.softplus``. The naive route,
``Z = exp(l).sum(-1)`` then ``log(Z / (Z + 1))``, overflows to ``inf / inf = nan`` at logits of
1000 in float32 and gives ``log 0 = -inf`` at -1000; the forms above are exact there.

Logits have shape ``(B, K)`` with ``K >= 1``; every loss averages over the batch and returns a
scalar tensor.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "feature_matching_loss",
    "kplus1_log_softmax",
    "log_d",
    "log_one_minus_d",
    "nonsaturating_generator_loss",
    "real_logit",
    "supervised_loss",
    "unsupervised_discriminator_loss",
]


def _check_logits(name: str, logits: Tensor) -> None:
    if not isinstance(logits, Tensor) or not logits.is_floating_point():
        what = logits.dtype if isinstance(logits, Tensor) else type(logits).__name__
        raise TypeError(f"{name} must be a floating-point tensor of class logits, got {what}")
    if logits.dim() != 2 or logits.shape[1] < 1:
        raise ValueError(
            f"{name} must have shape (batch, K): the K class logits of the K+1-class "
            f"discriminator (the fake logit is fixed at 0 and not passed), "
            f"got {tuple(logits.shape)}"
        )
    if logits.shape[0] == 0:
        raise ValueError(f"{name} is empty: pass the discriminator's logits for a batch")


def real_logit(logits: Tensor) -> Tensor:
    r"""The logit of "real" against "fake", :math:`\operatorname{lse}(l) = \log\sum_k e^{l_k}`:

    :math:`D(x) = \sigma(\operatorname{lse}(l(x)))`. Shape ``(B, K) -> (B,)``.
    """
    _check_logits("logits", logits)
    return torch.logsumexp(logits, dim=1)  # (B, K) -> (B,)


def log_d(logits: Tensor) -> Tensor:
    r""":math:`\log D(x) = \operatorname{lse}(l) - \operatorname{softplus}(\operatorname{lse}(l))
    = -\operatorname{softplus}(-\operatorname{lse}(l))`, per sample, shape ``(B, K) -> (B,)``.

    The second form is the one computed: the first subtracts two nearly equal numbers when
    :math:`\operatorname{lse}(l)` is large and loses digits (and its gradient, which is
    :math:`\sigma(-\operatorname{lse})`, becomes exactly 0 where PyTorch's softplus switches to
    the identity at 20).
    """
    return -F.softplus(-real_logit(logits))


def log_one_minus_d(logits: Tensor) -> Tensor:
    r""":math:`\log(1 - D(x)) = \log p(y = K+1 \mid x)
    = -\operatorname{softplus}(\operatorname{lse}(l))`, per sample, shape ``(B, K) -> (B,)``."""
    return -F.softplus(real_logit(logits))


def kplus1_log_softmax(logits: Tensor) -> Tensor:
    r"""The full :math:`K+1`-class log-posterior with the fake logit fixed at 0, shape
    ``(B, K) -> (B, K+1)``:

    .. math::

        \log p(y = k \mid x) = l_k - \log\bigl(1 + Z(x)\bigr), \quad k \le K; \qquad
        \log p(y = K+1 \mid x) = -\log\bigl(1 + Z(x)\bigr),

    with :math:`\log(1 + Z) = \operatorname{softplus}(\operatorname{lse}(l))`. Column ``K`` is
    :func:`log_one_minus_d`; the log-sum-exp of the first ``K`` columns is :func:`log_d`.
    """
    log_norm = F.softplus(real_logit(logits)).unsqueeze(1)  # (B,) -> (B, 1): log(1 + Z)
    zero = torch.zeros_like(log_norm)  # (B, 1): the fixed fake logit
    return torch.cat([logits, zero], dim=1) - log_norm  # (B, K+1)


def supervised_loss(logits: Tensor, labels: Tensor) -> Tensor:
    r"""Cross-entropy over the :math:`K` real classes on labelled data:

    .. math::

        L_\text{sup} = -\frac{1}{B}\sum_i \log p(y = y_i \mid x_i, y_i \le K)
            = \frac{1}{B}\sum_i \bigl(\operatorname{lse}(l(x_i)) - l_{y_i}(x_i)\bigr).

    Salimans et al. write the labelled loss with the :math:`K+1` softmax conditioned on "real":
    :math:`p(y \mid x, y \le K) = p(y \mid x) / D(x) = e^{l_y} / (1 + Z) \cdot (1 + Z) / Z
    = e^{l_y} / Z`. The factor :math:`1 + Z` (which is where the fake class enters) cancels,
    so this is exactly the ordinary ``K``-class softmax cross-entropy on the same logits,
    ``F.cross_entropy(logits, labels)``, and the fake class drops out. (The unconditioned
    :math:`-\log p(y_i \mid x_i)` would add :math:`-\log D(x_i)`, which the unsupervised loss
    already contains.)

    ``labels``: integer tensor of shape ``(B,)`` with values in ``0 .. K-1``.
    """
    _check_logits("logits", logits)
    if not isinstance(labels, Tensor) or labels.is_floating_point() or labels.is_complex():
        raise TypeError("labels must be an integer tensor of class indices 0 .. K-1")
    if labels.shape != logits.shape[:1]:
        raise ValueError(
            f"labels must have shape (batch,) = ({logits.shape[0]},) to match logits of shape "
            f"{tuple(logits.shape)}, got {tuple(labels.shape)}"
        )
    num_classes = logits.shape[1]
    if bool(((labels < 0) | (labels >= num_classes)).any()):
        raise ValueError(
            f"labels must lie in 0 .. {num_classes - 1} (the K real classes; the fake class has "
            f"no label), got values from {int(labels.min())} to {int(labels.max())}"
        )
    return F.cross_entropy(logits, labels.long())


def unsupervised_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""The discriminator's loss on unlabelled real data and on fakes:

    .. math::

        L_\text{unsup} = -\frac{1}{B}\sum_i \log D(x_i)
                         - \frac{1}{B'}\sum_j \log\bigl(1 - D(G(z_j))\bigr)
            = \operatorname{mean}_i \operatorname{softplus}(-\operatorname{lse}(l(x_i)))
            + \operatorname{mean}_j \operatorname{softplus}(\operatorname{lse}(l(G(z_j)))).

    This is the vanilla GAN's discriminator loss with :math:`\operatorname{lse}(l)` as the logit.
    (Salimans et al.'s released code multiplies it by 1/2 and by a command-line
    ``unlabeled_weight`` before adding the supervised loss; weigh it in the training step, not
    here.)
    """
    return -log_d(real_logits).mean() - log_one_minus_d(fake_logits).mean()


def nonsaturating_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The non-saturating generator loss through the :math:`K+1` discriminator:

    .. math::

        L_G^\text{NS} = -\frac{1}{B'}\sum_j \log D(G(z_j))
            = \operatorname{mean}_j \operatorname{softplus}(-\operatorname{lse}(l(G(z_j)))).

    For comparison with :func:`feature_matching_loss`, which Salimans et al. found to work better
    for semi-supervised classification.
    """
    return -log_d(fake_logits).mean()


def _check_features(name: str, features: Tensor) -> None:
    if not isinstance(features, Tensor) or not features.is_floating_point():
        what = features.dtype if isinstance(features, Tensor) else type(features).__name__
        raise TypeError(f"{name} must be a floating-point tensor of features, got {what}")
    if features.dim() < 2 or features.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (batch, *feature_shape) with batch >= 1, "
            f"got {tuple(features.shape)}"
        )


def feature_matching_loss(
    real_features: Tensor,
    fake_features: Tensor,
    reduction: Literal["sum", "mean"] = "sum",
) -> Tensor:
    r"""Feature matching (Salimans et al. 2016, section 3.1): the generator matches the mean of an
    intermediate layer :math:`f` of the discriminator on real data,

    .. math::

        L_\text{FM} = \Bigl\| \frac{1}{B}\sum_i f(x_i) - \frac{1}{B'}\sum_j f(G(z_j)) \Bigr\|_2^2
        \quad (\texttt{reduction="sum"}),

    divided by the number of features with ``reduction="mean"`` (what the released MNIST code
    computes; only the scale differs). The batch means are taken first, then the squared norm:
    the loss asks the generator to match the *average* features, not each real sample.

    ``real_features`` ``(B, *S)`` and ``fake_features`` ``(B', *S)`` may have different batch
    sizes. The real branch is detached: the loss trains the generator only, and no gradient
    reaches the discriminator through the real data.
    """
    _check_features("real_features", real_features)
    _check_features("fake_features", fake_features)
    if real_features.shape[1:] != fake_features.shape[1:]:
        raise ValueError(
            f"real and fake features must have the same shape after the batch dimension, got "
            f"{tuple(real_features.shape)} and {tuple(fake_features.shape)}"
        )
    if reduction not in ("sum", "mean"):
        raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')
    real_mean = real_features.detach().flatten(1).mean(dim=0)  # (B, *S) -> (B, F) -> (F,)
    fake_mean = fake_features.flatten(1).mean(dim=0)  # (B', *S) -> (B', F) -> (F,)
    sq = (real_mean - fake_mean).square()  # (F,)
    return sq.sum() if reduction == "sum" else sq.mean()
