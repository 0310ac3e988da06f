# Wrong answer to q3: computes KL(q || p), the arguments swapped.
# expect q3: the arguments are swapped
def gaussian_kl(mu_p, var_p, mu_q, var_q):
    return 0.5 * (torch.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / var_p - 1.0)
