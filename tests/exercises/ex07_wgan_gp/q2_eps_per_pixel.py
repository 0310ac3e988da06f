# Wrong answer to q2: one eps per pixel, so x_hat leaves the line between the two samples.
# expect q2: you drew one eps per pixel with torch.rand_like(real)
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    eps = torch.rand_like(real)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lambda_ * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
