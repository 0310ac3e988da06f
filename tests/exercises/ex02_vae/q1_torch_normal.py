# Wrong answer to q1: samples N(mu, sigma^2) with torch.normal, whose gradients with respect to
# its mean and standard deviation are zero (and which ignores the eps it is given).
# expect q1: the gradients of z with respect to mu and logvar are zero
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    return torch.normal(mu, torch.exp(0.5 * logvar))
