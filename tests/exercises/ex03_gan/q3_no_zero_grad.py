# Wrong answer to q3: no zero_grad, so the gradients already in D's .grad join this step's.
# expect q3: call d_optimizer.zero_grad() before loss.backward()
def d_step(generator, discriminator, d_optimizer, real, z):
    fake = generator(z).detach()
    loss = discriminator_loss(discriminator(real), discriminator(fake))
    loss.backward()
    d_optimizer.step()
    return loss.item()
