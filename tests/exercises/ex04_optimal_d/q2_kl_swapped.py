# Wrong answer to q2: KL(q || p), the expectation taken under the second argument.
# expect q2: p and q are swapped
def kl_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    return (torch.xlogy(q, q) - torch.xlogy(q, p)).sum() * dx


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)
