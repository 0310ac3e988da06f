# Wrong answer to q2: averages the per-coordinate KLs where their sum is the KL.
# expect q2: you averaged over the latent coordinates
def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * (1.0 + logvar - mu**2 - torch.exp(logvar)).mean(dim=1)
