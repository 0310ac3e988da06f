# Wrong answer to q4: the generator trained with the saturating (minimax) loss.
# expect q4: G was trained with the saturating (minimax) loss
def g_step(generator, discriminator, g_optimizer, z):
    g_optimizer.zero_grad()
    loss = minimax_generator_loss(discriminator(generator(z)))
    loss.backward()
    g_optimizer.step()
    return loss.item()
