# Wrong answer to q1: the right value, computed under torch.no_grad(), so no gradient reaches
# the encoder.
# expect q1: z is cut off from autograd
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():  # "sampling is not differentiable anyway"
        return mu + torch.exp(0.5 * logvar) * eps
