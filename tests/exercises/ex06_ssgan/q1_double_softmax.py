# Wrong answer to q1: a softmax, then F.cross_entropy, which applies its own log-softmax.
# expect q1: the softmax was applied twice
def supervised_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(F.softmax(logits, dim=1), labels)
