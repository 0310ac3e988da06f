# Wrong answer to q2: the last column used as a (learned) fake logit, a softmax over K columns.
# expect q2: you treated the last column as a learned fake logit
def unsupervised_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    log_p_real = F.log_softmax(real_logits, dim=1)
    log_p_fake = F.log_softmax(fake_logits, dim=1)
    log_d_real = torch.logsumexp(log_p_real[:, :-1], dim=1)  # classes 0..K-2 as "real"
    log_1md_fake = log_p_fake[:, -1]  # column K-1 as "fake"
    return -log_d_real.mean() - log_1md_fake.mean()
