# Wrong answer to q1: the cross-entropy summed over the batch instead of averaged.
# expect q1: you summed over the batch
def supervised_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, labels, reduction="sum")
