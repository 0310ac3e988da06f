# Wrong answer to q3: the mean of per-sample squared distances instead of the distance of means.
# expect q3: you averaged the per-sample squared distances
def feature_matching_loss(
    real_features: torch.Tensor, fake_features: torch.Tensor
) -> torch.Tensor:
    return (real_features.detach() - fake_features).pow(2).sum(dim=1).mean()
