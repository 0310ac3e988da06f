# Wrong answer to q1: the probability that x is fake, p_g / (p_data + p_g), instead of real.
# expect q1: the probability that x is fake
def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    total = p_data + p_g
    return torch.where(total > 0, p_g / total.clamp_min(1e-300), torch.full_like(total, 0.5))
