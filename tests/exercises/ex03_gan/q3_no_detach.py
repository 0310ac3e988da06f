# Wrong answer to q3: the generated samples are not detached, so D's loss backpropagates into G.
# expect q3: the generator's parameters received gradients during d_step
def d_step(generator, discriminator, d_optimizer, real, z):
    fake = generator(z)
    d_optimizer.zero_grad()
    loss = discriminator_loss(discriminator(real), discriminator(fake))
    loss.backward()
    d_optimizer.step()
    return loss.item()
