# Wrong answer to q1: returns the standard deviation where the variance is asked for.
# expect q1: you returned the standard deviation
def gaussian_mle(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean = x.mean(dim=0)
    return mean, ((x - mean) ** 2).mean(dim=0).sqrt()
