# Wrong answer to q2: both losses through torch.log(torch.sigmoid(.)): -inf at large |logit|.
# expect q2: is inf or nan at logits of +-150
def minimax_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return torch.log(1 - torch.sigmoid(fake_logits)).mean()


def nonsaturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -torch.log(torch.sigmoid(fake_logits)).mean()
