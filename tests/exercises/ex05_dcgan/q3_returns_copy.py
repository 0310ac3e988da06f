# Wrong answer to q3: it initialises a copy and returns it, leaving the given module as it was.
# expect q3: returned a new module
import copy


def dcgan_init_(module):
    module = copy.deepcopy(module)
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module
