# Wrong answer to q3: log(1 - D*) from 1 - D*, which rounds to 0 in the tails: -inf.
# expect q3: C(G) is -inf
def generator_value(p_data: torch.Tensor, p_g: torch.Tensor, dx: float) -> torch.Tensor:
    d = optimal_discriminator(p_data, p_g)
    return (torch.xlogy(p_data, d) + p_g * torch.log(1 - d)).sum() * dx
