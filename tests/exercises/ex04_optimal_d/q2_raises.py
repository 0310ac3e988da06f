# A q2 answer that raises: graded as wrong, the grader and the other questions unaffected.
# expect q2: raised ValueError
def kl_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    if bool((p == 0).any()):
        raise ValueError("log of zero")
    return (p * torch.log(p / q)).sum() * dx


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)
