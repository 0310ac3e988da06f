# Wrong answer to q2: the largest logit in place of logsumexp, D = sigmoid(max_k l_k).
# expect q2: you used the largest logit
def unsupervised_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    s = real_logits.max(dim=1).values
    t = fake_logits.max(dim=1).values
    return F.softplus(-s).mean() + F.softplus(t).mean()
