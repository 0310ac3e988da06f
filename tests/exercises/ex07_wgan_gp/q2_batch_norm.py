# Wrong answer to q2: one norm over the whole batch's gradient instead of one per sample.
# expect q2: you took one norm of the gradient over the whole batch
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lambda_ * (grad.norm() - 1) ** 2
