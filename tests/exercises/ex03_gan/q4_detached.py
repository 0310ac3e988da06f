# Wrong answer to q4: the generated samples detached as in d_step, so no gradient reaches G.
# expect q4: the generated samples must stay connected to G
def g_step(generator, discriminator, g_optimizer, z):
    g_optimizer.zero_grad()
    loss = nonsaturating_generator_loss(discriminator(generator(z).detach()))
    loss.backward()
    g_optimizer.step()
    return loss.item()
