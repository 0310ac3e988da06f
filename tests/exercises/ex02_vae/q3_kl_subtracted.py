# Wrong answer to q3: ELBO = reconstruction - KL carried over to the loss, which must add the KL.
# expect q3: you subtracted the KL
def negative_elbo(logits, x, mu, logvar):
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kl = -0.5 * (1.0 + logvar - mu**2 - torch.exp(logvar)).sum(dim=1)
    return (reconstruction - kl).mean()
