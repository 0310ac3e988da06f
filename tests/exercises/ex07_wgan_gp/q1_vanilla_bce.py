# Wrong answer to q1: the vanilla GAN discriminator loss (BCE on logits) kept for the critic.
# expect q1: you used the vanilla GAN discriminator loss
import torch.nn.functional as F


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    real_term = F.binary_cross_entropy_with_logits(real_scores, torch.ones_like(real_scores))
    fake_term = F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
    return real_term + fake_term
