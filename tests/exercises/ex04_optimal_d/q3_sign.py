# Wrong answer to q3: the discriminator's loss (binary cross-entropy), -V(D*, G), instead of V.
# expect q3: the sign is wrong
def generator_value(p_data: torch.Tensor, p_g: torch.Tensor, dx: float) -> torch.Tensor:
    total = p_data + p_g
    bce = -(torch.xlogy(p_data, p_data / total) + torch.xlogy(p_g, p_g / total))
    return torch.nan_to_num(bce).sum() * dx
