# Wrong answer to q2: math.exp turns log_var into a float, so no gradient reaches it.
# expect q2: no gradient reaches `log_var`
def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    var = math.exp(log_var)
    return (0.5 * (math.log(2 * math.pi) + math.log(var) + (x - mean) ** 2 / var)).mean()
