# Wrong answer to q2: the constant 0.5 * log(2 pi) is left out.
# expect q2: you left out the constant 0.5 * log(2 * pi)
def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    return (0.5 * log_var + (x - mean) ** 2 / (2 * torch.exp(log_var))).mean()
