# Wrong answer to q1: the estimate of W1 (which the critic maximises) returned as its loss.
# expect q1: sign error
def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return real_scores.mean() - fake_scores.mean()
