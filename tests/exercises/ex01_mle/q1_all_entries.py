# Wrong answer to q1: averages over every entry of x instead of over the samples (dim 0).
# expect q1: you reduced over every entry of x
def gaussian_mle(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean = x.mean()
    return mean, ((x - mean) ** 2).mean()
