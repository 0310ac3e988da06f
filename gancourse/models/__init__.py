"""Models of the course: MLP autoencoders and VAEs (chapter 2), MLP generators and
discriminators (chapter 3), DCGAN (chapter 5), the semi-supervised GAN (chapter 6), WGAN critics
(chapter 7), the WGAN-GP paper's MNIST networks (the speed benchmark) and the digit classifier
behind the digit FID.

Each model has a typed dataclass config; ``from gancourse.models import VAE, VAEConfig``.
"""

from gancourse.models.autoencoder import AEConfig, Autoencoder
from gancourse.models.classifier import DigitClassifier, DigitClassifierConfig
from gancourse.models.conv_wgan import ConvCritic, ConvGenerator, ConvWGANConfig
from gancourse.models.critic import (
    DeepReLUCritic,
    DeepReLUCriticConfig,
    MLPCritic,
    MLPCriticConfig,
    layer_gradient_norms,
    layer_output_gradient_norms,
)
from gancourse.models.dcgan import (
    DCGANDiscriminator,
    DCGANDiscriminatorConfig,
    DCGANGenerator,
    DCGANGeneratorConfig,
    dcgan_init_,
)
from gancourse.models.mlp import (
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
)
from gancourse.models.resize_conv import ResizeConv2d
from gancourse.models.ssgan import (
    SSGANDiscriminator,
    SSGANDiscriminatorConfig,
    SSGANGenerator,
    SSGANGeneratorConfig,
)
from gancourse.models.vae import VAE, VAEConfig, VAEOutput, estimate_bounds, reparameterize

__all__ = [
    "VAE",
    "AEConfig",
    "Autoencoder",
    "ConvCritic",
    "ConvGenerator",
    "ConvWGANConfig",
    "DCGANDiscriminator",
    "DCGANDiscriminatorConfig",
    "DCGANGenerator",
    "DCGANGeneratorConfig",
    "DeepReLUCritic",
    "DeepReLUCriticConfig",
    "DigitClassifier",
    "DigitClassifierConfig",
    "MLPCritic",
    "MLPCriticConfig",
    "ResizeConv2d",
    "SSGANDiscriminator",
    "SSGANDiscriminatorConfig",
    "SSGANGenerator",
    "SSGANGeneratorConfig",
    "dcgan_init_",
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
    "VAEConfig",
    "VAEOutput",
    "estimate_bounds",
    "layer_gradient_norms",
    "layer_output_gradient_norms",
    "reparameterize",
]
