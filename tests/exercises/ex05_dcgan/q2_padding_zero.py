# Wrong answer to q2: the last layer has padding 0, so 14 -> 30 instead of 28.
# expect q2: padding 0 where 1 was needed
def make_generator(latent_dim, ngf):
    return nn.Sequential(
        nn.ConvTranspose2d(latent_dim, 2 * ngf, 7, 1, 0, bias=False),
        nn.BatchNorm2d(2 * ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 0),
        nn.Tanh(),
    )
