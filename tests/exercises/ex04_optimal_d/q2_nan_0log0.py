# Wrong answer to q2: p * log(p / q) as written: 0 * log 0 is NaN where p = 0.
# expect q2: The convention is 0 log 0 = 0
def kl_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    return (p * torch.log(p / q)).sum() * dx


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)
