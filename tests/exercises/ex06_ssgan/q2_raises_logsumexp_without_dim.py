# A q2 answer that raises: torch.logsumexp needs the dimension to reduce.
# expect q2: raised TypeError
def unsupervised_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    return F.softplus(-torch.logsumexp(real_logits)).mean() + F.softplus(
        torch.logsumexp(fake_logits)
    ).mean()
