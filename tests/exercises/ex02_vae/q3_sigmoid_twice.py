# Wrong answer to q3: probabilities passed to the loss that expects logits (sigmoid applied twice).
# expect q3: you applied a sigmoid before binary_cross_entropy_with_logits
def negative_elbo(logits, x, mu, logvar):
    probs = torch.sigmoid(logits)
    reconstruction = F.binary_cross_entropy_with_logits(probs, x, reduction="sum") / len(x)
    kl = -0.5 * (1.0 + logvar - mu**2 - torch.exp(logvar)).sum() / len(x)
    return reconstruction + kl
