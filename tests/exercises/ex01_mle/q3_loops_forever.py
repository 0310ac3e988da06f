# A q3 answer that never returns: graded as wrong within the time limit, the grader unaffected.
# expect q3: did not return within
def gaussian_kl(mu_p, var_p, mu_q, var_q):
    kl = torch.zeros_like(mu_p)
    while True:  # "iterate until converged", with nothing that converges
        kl = kl + 0.0
    return kl
