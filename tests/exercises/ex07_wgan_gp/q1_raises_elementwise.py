# A q1 answer that raises: an element-wise difference, which fails when the batch sizes differ.
# expect q1: raised RuntimeError
def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return (fake_scores - real_scores).mean()
