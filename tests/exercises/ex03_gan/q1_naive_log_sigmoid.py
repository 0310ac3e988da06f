# Wrong answer to q1: the formula on probabilities, log(sigmoid(.)): right for moderate logits,
# inf once D is very sure (sigmoid(-150) is 0 in float32).
# expect q1: your loss is inf or nan at logits of +-150
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    d_real, d_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
