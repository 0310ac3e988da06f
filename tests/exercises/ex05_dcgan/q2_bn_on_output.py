# Wrong answer to q2: batch normalisation on the output layer too.
# expect q2: you put batch normalisation on the output layer
def make_generator(latent_dim, ngf):
    return nn.Sequential(
        nn.ConvTranspose2d(latent_dim, 2 * ngf, 7, 1, 0, bias=False),
        nn.BatchNorm2d(2 * ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
        nn.BatchNorm2d(1),
        nn.Tanh(),
    )
