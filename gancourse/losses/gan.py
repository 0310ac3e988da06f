r"""The losses of the vanilla GAN, on logits.

The discriminator outputs a logit :math:`l(x)` and :math:`D(x) = \sigma(l(x))`. Every loss here is
written with the softplus function :math:`\operatorname{softplus}(t) = \log(1 + e^t)`, using

.. math::

    -\log D(x) = \operatorname{softplus}(-l(x)), \qquad
    -\log\bigl(1 - D(x)\bigr) = \operatorname{softplus}(l(x)),

which is what ``F.binary_cross_entropy_with_logits`` computes. Taking ``log(sigmoid(l))`` instead
underflows: for ``l = -200`` the sigmoid is 0 in float32 and the log is ``-inf``, while the
softplus form gives the exact value ``-200``.

All losses average over the batch (the expectations of the GAN value function) and return a
scalar tensor. Logits have shape ``(B,)`` (or any shape: every entry is one sample).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "discriminator_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
]


def _check_logits(name: str, logits: Tensor) -> None:
    if not logits.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor of logits, got {logits.dtype}")
    if logits.numel() == 0:
        raise ValueError(f"{name} is empty: pass the discriminator's logits for a batch")


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""The discriminator's loss, :math:`-V(D, G)` estimated on a batch:

    .. math::

        L_D = -\frac{1}{B}\sum_{i} \log D(x_i) - \frac{1}{B'}\sum_{j} \log\bigl(1 - D(G(z_j))\bigr)
            = \operatorname{mean}\,\operatorname{softplus}(-l_\text{real})
            + \operatorname{mean}\,\operatorname{softplus}(l_\text{fake}).

    This is binary cross-entropy with label 1 for real samples and 0 for fakes. Its minimum over
    all discriminators is :math:`\log 4 - 2\,\mathrm{JSD}(p_\text{data} \| p_g)` (chapter 4).
    """
    _check_logits("real_logits", real_logits)
    _check_logits("fake_logits", fake_logits)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The generator's loss in the original minimax game (the *saturating* loss):

    .. math::

        L_G^\text{minimax} = \frac{1}{B}\sum_j \log\bigl(1 - D(G(z_j))\bigr)
            = -\operatorname{mean}\,\operatorname{softplus}(l_\text{fake}).

    Minimising it maximises the discriminator's loss. When D confidently rejects the fakes
    (:math:`l \ll 0`) its gradient with respect to the logit, :math:`-\sigma(l)/B`, vanishes:
    the generator learns nothing early in training.
    """
    _check_logits("fake_logits", fake_logits)
    return -F.softplus(fake_logits).mean()


def nonsaturating_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The non-saturating generator loss of Goodfellow et al. (2014):

    .. math::

        L_G^\text{NS} = -\frac{1}{B}\sum_j \log D(G(z_j))
            = \operatorname{mean}\,\operatorname{softplus}(-l_\text{fake}).

    Same fixed point as the minimax loss, but its gradient with respect to the logit,
    :math:`(\sigma(l) - 1)/B`, is close to :math:`-1/B` exactly when D rejects the fakes.
    """
    _check_logits("fake_logits", fake_logits)
    return F.softplus(-fake_logits).mean()
