# Wrong answer to q3: D* written as p_data / m, losing the 1/2 of m = (p_data + p_g) / 2: 2 JSD.
# expect q3: a factor 1/2 went missing inside the logs
def generator_value(p_data: torch.Tensor, p_g: torch.Tensor, dx: float) -> torch.Tensor:
    m = (p_data + p_g) / 2
    real = torch.xlogy(p_data, p_data) - torch.xlogy(p_data, m)
    fake = torch.xlogy(p_g, p_g) - torch.xlogy(p_g, m)
    return (real + fake).sum() * dx
