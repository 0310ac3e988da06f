# Wrong answer to q1: one BCE over the real and generated batches put together, a single mean
# over B_r + B_f samples instead of the sum of the two batch means.
# expect q1: you took one mean over the real and generated samples together
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    logits = torch.cat([real_logits, fake_logits])
    labels = torch.cat([torch.ones_like(real_logits), torch.zeros_like(fake_logits)])
    return F.binary_cross_entropy_with_logits(logits, labels)
