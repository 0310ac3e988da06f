# A q3 answer that raises: F.binary_cross_entropy expects probabilities in [0, 1], and the logits
# are not. Graded as wrong, the grader and the other questions unaffected.
# expect q3: raised RuntimeError
def negative_elbo(logits, x, mu, logvar):
    reconstruction = F.binary_cross_entropy(logits, x, reduction="none").sum(dim=1)
    kl = -0.5 * (1.0 + logvar - mu**2 - torch.exp(logvar)).sum(dim=1)
    return (reconstruction + kl).mean()
