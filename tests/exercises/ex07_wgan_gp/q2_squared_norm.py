# Wrong answer to q2: ||g||^2 penalised, which pulls the gradient towards 0 instead of norm 1.
# expect q2: you penalised ||g||^2 instead of (||g|| - 1)^2
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lambda_ * (grad.flatten(1).norm(dim=1) ** 2).mean()
