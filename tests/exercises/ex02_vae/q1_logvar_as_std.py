# Wrong answer to q1: logvar used as the standard deviation itself.
# expect q1: you used logvar as the standard deviation
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    return mu + logvar * eps
