# A q1 answer that raises: F.binary_cross_entropy expects probabilities in [0, 1], not logits.
# expect q1: raised RuntimeError
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    real_term = F.binary_cross_entropy(real_logits, torch.ones_like(real_logits))
    fake_term = F.binary_cross_entropy(fake_logits, torch.zeros_like(fake_logits))
    return real_term + fake_term
