# Wrong answer to q2: log_var treated as the log of the standard deviation.
# expect q2: you treated log_var as the log of the standard deviation
def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    sigma = torch.exp(log_var)
    return (0.5 * math.log(2 * math.pi) + torch.log(sigma) + (x - mean) ** 2 / (2 * sigma**2)).mean()
