# Wrong answer to q1: torch.var's default divides by n-1 (the unbiased estimator), not by n.
# expect q1: you divided by n-1
def gaussian_mle(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x.mean(dim=0), x.var(dim=0)
