# Wrong answer to q3: the factor 1/2 in front of the bracket is missing.
# expect q3: the factor 1/2 is missing
def gaussian_kl(mu_p, var_p, mu_q, var_q):
    return torch.log(var_q / var_p) + (var_p + (mu_p - mu_q) ** 2) / var_q - 1.0
