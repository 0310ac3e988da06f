# Wrong answer to q3: the norm of the difference of the means, not its square.
# expect q3: the loss is its square
def feature_matching_loss(
    real_features: torch.Tensor, fake_features: torch.Tensor
) -> torch.Tensor:
    return torch.linalg.vector_norm(real_features.detach().mean(0) - fake_features.mean(0))
