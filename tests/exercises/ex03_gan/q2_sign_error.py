# Wrong answer to q2: the saturating loss with its sign flipped (D's fake term -log(1 - D(G(z)))).
# expect q2: minimax_generator_loss has the wrong sign
def minimax_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def nonsaturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
