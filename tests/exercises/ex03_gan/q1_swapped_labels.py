# Wrong answer to q1: real samples get label 0 and generated ones label 1.
# expect q1: you swapped the labels
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    real_term = F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
    fake_term = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    return real_term + fake_term
