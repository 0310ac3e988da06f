# Wrong answer to q3: the real branch is not detached, so the gradient reaches it.
# expect q3: the gradient reached real_features
def feature_matching_loss(
    real_features: torch.Tensor, fake_features: torch.Tensor
) -> torch.Tensor:
    return (real_features.mean(dim=0) - fake_features.mean(dim=0)).pow(2).sum()
