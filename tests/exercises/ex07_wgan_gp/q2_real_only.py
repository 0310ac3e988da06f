# Wrong answer to q2: the penalty at the real samples only, not on the lines to the generated ones.
# expect q2: you computed the penalty at the real samples only
def gradient_penalty(critic, real, fake, generator, lambda_=10.0):
    x_hat = real.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lambda_ * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
