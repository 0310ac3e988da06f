# Wrong answer to q2: the right value, but without create_graph=True the input gradient is a
# constant, so no gradient of the penalty reaches the critic's parameters.
# expect q2: the penalty is not connected to the critic's parameters
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
    return lambda_ * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
