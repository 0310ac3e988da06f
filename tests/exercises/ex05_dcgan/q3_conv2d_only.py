# Wrong answer to q3: only nn.Conv2d is handled, and nn.ConvTranspose2d is not a subclass of it.
# expect q3: the ConvTranspose2d weights were not initialised
def dcgan_init_(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
