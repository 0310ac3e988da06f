# Wrong answer to q2: kernel 3 with stride 2 and padding 1 in the last layer gives 2n - 1 = 27.
# expect q2: one pixel short
def make_generator(latent_dim, ngf):
    return nn.Sequential(
        nn.ConvTranspose2d(latent_dim, 2 * ngf, 7, 1, 0, bias=False),
        nn.BatchNorm2d(2 * ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf),
        nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 3, 2, 1),
        nn.Tanh(),
    )
