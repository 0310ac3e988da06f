# Wrong answer to q2: the -1/2 in front of the sum written as +1/2.
# expect q2: the sign is wrong
def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + logvar - mu**2 - torch.exp(logvar)).sum(dim=1)
