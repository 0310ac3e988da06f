# Wrong answer to q2: logarithms in base 2, so the divergences come out in bits, not nats.
# expect q2: you used log base 2
def kl_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    terms = torch.where(p > 0, p * torch.log2(p / q), torch.zeros_like(p))
    return terms.sum() * dx


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)
