# Wrong answer to q1: exp(logvar) is the variance, used here as the standard deviation.
# expect q1: you used the variance exp(logvar) as the standard deviation
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    std = torch.exp(logvar)
    return mu + std * eps
