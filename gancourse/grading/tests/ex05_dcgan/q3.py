from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False)
def test_q3_convolutions(dcgan_init_):
    import torch
    from torch import nn
    from gancourse.grading import Answer
    init = Answer('q3', 'dcgan_init_', dcgan_init_)
    module = nn.Sequential(nn.ConvTranspose2d(64, 64, 4, bias=False), nn.BatchNorm2d(4000), nn.Sequential(nn.Conv2d(64, 64, 4), nn.ReLU()))
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(0.37)
    with torch.random.fork_rng():
        torch.manual_seed(53)
        result = init(module, allow_none=True)
    untouched = all((bool((p == 0.37).all()) for p in module.parameters()))
    if result is not None and result is not module:
        if isinstance(result, nn.Module) and untouched:
            init.fail('dcgan_init_ returned a new module and left the one it was given unchanged: initialise the module passed in, in place, and return None.')
        init.fail(f'dcgan_init_ should initialise the module in place and return None (or the same module), it returned a {type(result).__name__}.')
    if untouched:
        init.fail('dcgan_init_ changed no parameter of the module: fill in its body (replace the `...`) so that it initialises the module in place.')
    tconv, bn, conv = (module[0], module[1], module[2][0])
    for label, weight in (('ConvTranspose2d', tconv.weight), ('Conv2d', conv.weight)):
        if bool((weight == 0.37).all()):
            other = 'nn.ConvTranspose2d is not a subclass of nn.Conv2d: test isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))' if label == 'ConvTranspose2d' else 'handle nn.Conv2d too'
            init.fail(f'the {label} weights were not initialised: {other}.')
        w = weight.detach().double().flatten()
        mean, std = (w.mean().item(), w.std().item())
        if abs(mean) < 5 * 0.02 / w.numel() ** 0.5 and abs(std / 0.02 - 1) < 0.05:
            continue
        mistakes = {0.2: 'is 0.2, ten times too large: the standard deviation is 0.02.', 1.0: 'is 1, the default of nn.init.normal_ and torch.randn: pass std=0.02.', 0.02 ** 0.5: 'is sqrt(0.02) = 0.14: 0.02 is the standard deviation, not the variance.'}
        if abs(mean) < 0.05 * std:
            for wrong, message in mistakes.items():
                if abs(std / wrong - 1) < 0.05:
                    init.fail(f'the std of the {label} weights {message}')
        init.fail(f'the {label} weights have mean {mean:.4f} and std {std:.4f}: they should be drawn from N(0, 0.02^2), mean 0 and standard deviation 0.02.')
    if not bool((conv.bias == 0).all()):
        init.fail('the Conv2d bias was not set to 0 (nn.init.zeros_).')

@test_case(points=1, hidden=False)
def test_q3_batch_norm(dcgan_init_):
    import torch
    from torch import nn
    from gancourse.grading import Answer
    init = Answer('q3', 'dcgan_init_', dcgan_init_)
    module = nn.Sequential(nn.ConvTranspose2d(64, 64, 4, bias=False), nn.BatchNorm2d(4000), nn.Sequential(nn.Conv2d(64, 64, 4), nn.ReLU()))
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(0.37)
    with torch.random.fork_rng():
        torch.manual_seed(54)
        result = init(module, allow_none=True)
    untouched = all((bool((p == 0.37).all()) for p in module.parameters()))
    if result is not None and result is not module:
        if isinstance(result, nn.Module) and untouched:
            init.fail('dcgan_init_ returned a new module and left the one it was given unchanged: initialise the module passed in, in place, and return None.')
        init.fail(f'dcgan_init_ should initialise the module in place and return None (or the same module), it returned a {type(result).__name__}.')
    if untouched:
        init.fail('dcgan_init_ changed no parameter of the module: fill in its body (replace the `...`) so that it initialises the module in place.')
    tconv, bn, conv = (module[0], module[1], module[2][0])
    if bool((bn.weight == 0.37).all()):
        init.fail('the BatchNorm2d weights were not initialised: draw them from N(1, 0.02^2).')
    w, b = (bn.weight.detach().double(), bn.bias.detach().double())
    mean, std = (w.mean().item(), w.std().item())
    if abs(mean) < 0.01 and abs(std / 0.02 - 1) < 0.1:
        init.fail('you drew the BatchNorm2d weights around 0 instead of 1: gamma scales the normalised activations, so gamma near 0 switches the layer off. Use nn.init.normal_(weight, 1.0, 0.02).')
    if std == 0 and mean == 1:
        init.fail('you set the BatchNorm2d weights to exactly 1: draw them from N(1, 0.02^2).')
    if not (abs(mean - 1) < 5 * 0.02 / w.numel() ** 0.5 and abs(std / 0.02 - 1) < 0.1):
        init.fail(f'the BatchNorm2d weights have mean {mean:.4f} and std {std:.4f}: they should be drawn from N(1, 0.02^2), mean 1 and standard deviation 0.02.')
    if not bool((b == 0).all()):
        init.fail('the BatchNorm2d bias (beta) was not set to 0: ' + ('it still holds its old value.' if bool((bn.bias == 0.37).all()) else 'set it to zeros, do not draw it.'))

