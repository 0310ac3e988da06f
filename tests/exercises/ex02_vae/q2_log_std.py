# Wrong answer to q2: the formula written for log_sigma = log of the standard deviation, fed logvar.
# expect q2: you treated logvar as the log of the standard deviation
def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    log_sigma = logvar
    return -0.5 * (1.0 + 2 * log_sigma - mu**2 - torch.exp(2 * log_sigma)).sum(dim=1)
