# Wrong answer to q1: the likelihood ratio p_data / p_g, not a probability.
# expect q1: you returned the likelihood ratio p_data / p_g
def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    return p_data / p_g
