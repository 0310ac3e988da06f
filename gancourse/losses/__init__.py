"""Losses as plain functions, each with the formula it computes in its docstring.

GAN losses take the discriminator's logits (never probabilities): ``from gancourse.losses import
discriminator_loss, nonsaturating_generator_loss``.
"""

from gancourse.losses.gan import (
    discriminator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)
from gancourse.losses.vae import (
    ELBO,
    bernoulli_reconstruction_loss,
    elbo,
    gaussian_kl_standard_normal,
    gaussian_reconstruction_loss,
)

__all__ = [
    "ELBO",
    "bernoulli_reconstruction_loss",
    "discriminator_loss",
    "elbo",
    "gaussian_kl_standard_normal",
    "gaussian_reconstruction_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
]
