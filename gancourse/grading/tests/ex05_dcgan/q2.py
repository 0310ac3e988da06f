from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False)
def test_q2_output_shape(make_generator):
    import torch
    from torch import nn
    from gancourse.grading import Answer, call
    make = Answer('q2', 'make_generator', make_generator)
    with torch.random.fork_rng():
        torch.manual_seed(50)
        generator = make(16, 8)
        if not isinstance(generator, nn.Module):
            make.fail(f'make_generator should return an nn.Sequential, got {type(generator).__name__}.')
        noise = {batch: torch.randn(batch, 16, 1, 1) for batch in (5, 2, 1)}
    size, steps, hint = (1, [], '')
    for i, layer in enumerate((m for m in generator.modules() if isinstance(m, nn.ConvTranspose2d))):
        k, s, p = (layer.kernel_size[0], layer.stride[0], layer.padding[0])
        new = (size - 1) * s - 2 * p + k + layer.output_padding[0]
        steps.append(f'{size} -> {new} (kernel {k}, stride {s}, padding {p})')
        if not hint and i == 0 and (new != 7):
            hint = f' The projection makes {new}x{new}: from a 1x1 input it must make 7x7 (stride 1, padding 0, kernel 7).'
        elif not hint and i > 0 and (s == 2) and (new == 2 * size - 1):
            hint = f' Layer {i + 1} is one pixel short, {size} -> {new} = 2n - 1 (kernel 3 with padding 1?): kernel 4, stride 2, padding 1 doubles the size exactly.'
        elif not hint and i > 0 and (s == 2) and (new == 2 * size + 2):
            hint = f' Layer {i + 1} gives 2n + 2, {size} -> {new}: padding 0 where 1 was needed (kernel 4, stride 2, padding 1 doubles the size exactly).'
        elif not hint and i > 0 and (s == 1):
            hint = f' Layer {i + 1} has stride 1: it cannot double the size, use stride 2.'
        size = new
    if not hint and len(steps) > 3:
        hint = f' It has {len(steps)} transposed convolutions, each stride-2 one doubling the size: 7 -> 14 -> 28 takes a projection and two, three in all.'
    walk = '; '.join(steps) if steps else 'none'
    for batch, z in noise.items():
        if batch == 1:
            generator.eval()
        with torch.no_grad():
            out = call(generator, z, name='the generator', question='q2')
        out = make.tensor(out, what="the generator's output")
        want = (batch, 1, 28, 28)
        if tuple(out.shape) != want:
            if out.dim() == 4 and out.shape[0] == batch and (out.shape[1] != 1):
                make.fail(f"the generator's output has {out.shape[1]} channels, shape {tuple(out.shape)}: the last transposed convolution must have out_channels=1 (grey digits).")
            make.fail(f'the generator maps z of shape {tuple(z.shape)} to shape {tuple(out.shape)}, expected {want}.{hint} Its transposed convolutions change the size {walk}.')

@test_case(points=1, hidden=False)
def test_q2_dcgan_layers(make_generator):
    import torch
    from torch import nn
    from gancourse.grading import Answer, call
    make = Answer('q2', 'make_generator', make_generator)
    latent_dim, ngf = (16, 8)
    with torch.random.fork_rng():
        torch.manual_seed(51)
        generator = make(latent_dim, ngf)
        if not isinstance(generator, nn.Module):
            make.fail(f'make_generator should return an nn.Sequential, got {type(generator).__name__}.')
        z = 30 * torch.randn(4, latent_dim, 1, 1)
    layers = [m for m in generator.modules() if not list(m.children())]
    names = [type(m).__name__ for m in layers]
    for m in layers:
        if isinstance(m, nn.Linear) or 'Pool' in type(m).__name__ or isinstance(m, nn.Upsample):
            make.fail(f'the generator has a {type(m).__name__} layer: a DCGAN generator has no Linear, pooling or Upsample layer, only transposed convolutions, BatchNorm2d and activations.')
    convs = [i for i, m in enumerate(layers) if isinstance(m, nn.ConvTranspose2d)]
    if len(convs) != 3:
        make.fail(f'the generator should have 3 ConvTranspose2d layers (the projection to 7x7, 7 -> 14, 14 -> 28), it has {len(convs)}: {names}.')
    channels = [(latent_dim, 2 * ngf), (2 * ngf, ngf), (ngf, 1)]
    for j, (i, (cin, cout)) in enumerate(zip(convs, channels), start=1):
        layer = layers[i]
        if (layer.in_channels, layer.out_channels) != (cin, cout):
            make.fail(f'transposed convolution {j} maps {layer.in_channels} to {layer.out_channels} channels, expected {cin} to {cout}.')
        after = layers[i + 1:i + 3]
        if j < 3:
            if not after or not isinstance(after[0], nn.BatchNorm2d):
                make.fail(f'no BatchNorm2d after hidden transposed convolution {j}: DCGAN normalises every hidden layer of the generator (layers: {names}).')
            if after[0].num_features != cout:
                make.fail(f'the BatchNorm2d after transposed convolution {j} has {after[0].num_features} features, expected {cout}.')
            if len(after) < 2 or type(after[1]) is not nn.ReLU:
                make.fail(f"hidden transposed convolution {j} should be followed by BatchNorm2d then ReLU (the generator's hidden activation), got {names[i + 1:i + 3]}.")
        else:
            if after and isinstance(after[0], nn.BatchNorm2d):
                make.fail("you put batch normalisation on the output layer: DCGAN has no BatchNorm after the generator's last transposed convolution, whose output goes straight into Tanh.")
            if after and isinstance(after[0], nn.Sigmoid):
                make.fail('the output goes through a Sigmoid, which makes pixels in [0, 1]: the digits are scaled to [-1, 1], use Tanh.')
            if len(after) != 1 or not isinstance(after[0], nn.Tanh):
                make.fail(f"the last transposed convolution should be followed by Tanh, the generator's last layer (layers: {names}).")
    with torch.no_grad():
        out = make.tensor(call(generator, z, name='the generator', question='q2'), what="the generator's output")
    if not bool((out.abs() <= 1).all()):
        make.fail(f"the generator's output reaches {out.abs().max().item():.3g}: it should lie in [-1, 1] (Tanh at the output).")

