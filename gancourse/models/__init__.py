"""Models of the course: MLP autoencoders and VAEs (chapter 2), MLP generators and
discriminators (chapter 3).

Each model has a typed dataclass config; ``from gancourse.models import VAE, VAEConfig``.
"""

from gancourse.models.autoencoder import AEConfig, Autoencoder
from gancourse.models.mlp import (
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
)
from gancourse.models.vae import VAE, VAEConfig, VAEOutput, estimate_bounds, reparameterize

__all__ = [
    "VAE",
    "AEConfig",
    "Autoencoder",
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
    "VAEConfig",
    "VAEOutput",
    "estimate_bounds",
    "reparameterize",
]
