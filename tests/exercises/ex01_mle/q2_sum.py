# Wrong answer to q2: the sum over the samples instead of their mean.
# expect q2: you summed over the samples
def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    return (0.5 * (math.log(2 * math.pi) + log_var + (x - mean) ** 2 / torch.exp(log_var))).sum()
