# Wrong answer to q3: the fake logits passed first, so D learns to call real samples fake.
# expect q3: D was trained with the labels swapped
def d_step(generator, discriminator, d_optimizer, real, z):
    with torch.no_grad():
        fake = generator(z)
    d_optimizer.zero_grad()
    loss = discriminator_loss(discriminator(fake), discriminator(real))
    loss.backward()
    d_optimizer.step()
    return loss.item()
