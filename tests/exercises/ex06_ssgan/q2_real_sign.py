# Wrong answer to q2: the unlabelled-real term with the wrong sign.
# expect q2: the unlabelled-real term has the wrong sign
def unsupervised_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    s = torch.logsumexp(real_logits, dim=1)
    t = torch.logsumexp(fake_logits, dim=1)
    return -F.softplus(-s).mean() + F.softplus(t).mean()
