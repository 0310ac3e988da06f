# Wrong answer to q2: the JSD without its factors 1/2, KL(p || m) + KL(q || m).
# expect q2: the factor 1/2 is missing
def kl_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum() * dx


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p + q) / 2
    return kl_divergence(p, m, dx) + kl_divergence(q, m, dx)
