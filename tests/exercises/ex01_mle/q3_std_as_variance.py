# Wrong answer to q3: the formula written for standard deviations, with the variances plugged in.
# expect q3: you used the variances as if they were standard deviations
def gaussian_kl(mu_p, var_p, mu_q, var_q):
    return torch.log(var_q / var_p) + (var_p**2 + (mu_p - mu_q) ** 2) / (2 * var_q**2) - 0.5
