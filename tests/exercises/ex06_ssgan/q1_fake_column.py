# Wrong answer to q1: the fake class's logit 0 appended, a softmax over K+1 classes.
# expect q1: you appended the fake class
def supervised_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    with_fake = torch.cat([logits, torch.zeros_like(logits[:, :1])], dim=1)  # (B, K) -> (B, K+1)
    return F.cross_entropy(with_fake, labels)
