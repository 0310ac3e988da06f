# Wrong answer to q1: the formula as written, 0 / 0 = NaN where both densities are 0.
# expect q1: D*(x) is NaN where p_data(x) = p_g(x) = 0
def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    return p_data / (p_data + p_g)
