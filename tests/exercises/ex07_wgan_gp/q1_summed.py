# Wrong answer to q1: sums over the samples instead of taking the batch means.
# expect q1: you summed over the samples
def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return fake_scores.sum() - real_scores.sum()
