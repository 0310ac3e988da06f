# Wrong answer to q3: log(1 - D*) for the real data and log D* for the generated samples.
# expect q3: you swapped D* and 1 - D*
def generator_value(p_data: torch.Tensor, p_g: torch.Tensor, dx: float) -> torch.Tensor:
    total = p_data + p_g
    real = torch.xlogy(p_data, p_g) - torch.xlogy(p_data, total)
    fake = torch.xlogy(p_g, p_data) - torch.xlogy(p_g, total)
    return (real + fake).sum() * dx
