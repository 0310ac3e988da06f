"""Losses as plain functions, each with the formula it computes in its docstring.

GAN losses take the discriminator's logits (never probabilities), WGAN losses the critic's
scores: ``from gancourse.losses import
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
from gancourse.losses.wgan import (
    clip_weights_,
    finite_difference_penalty,
    gradient_penalty,
    wgan_critic_loss,
    wgan_generator_loss,
)

__all__ = [
    "ELBO",
    "bernoulli_reconstruction_loss",
    "clip_weights_",
    "finite_difference_penalty",
    "gradient_penalty",
    "wgan_critic_loss",
    "wgan_generator_loss",
    "discriminator_loss",
    "elbo",
    "gaussian_kl_standard_normal",
    "gaussian_reconstruction_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
]
