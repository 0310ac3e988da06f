# Wrong answer to q2: the weight lambda_ forgotten.
# expect q2: you forgot the factor lambda_
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
