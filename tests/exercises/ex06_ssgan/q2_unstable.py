# Wrong answer to q2: D = Z / (Z + 1) with Z = exp(l).sum(): exp overflows at large logits.
# expect q2: inf or nan at logits of +-1000
def unsupervised_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    z_real = torch.exp(real_logits).sum(dim=1)
    z_fake = torch.exp(fake_logits).sum(dim=1)
    d_real, d_fake = z_real / (z_real + 1), z_fake / (z_fake + 1)
    return -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
