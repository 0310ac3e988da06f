"""DCGAN models: the layer plan (sizes, widths, the paper's design rules), parameter counts by
hand, the N(0, 0.02) initialisation measured, shapes and ranges, and errors for bad input."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gancourse.models.dcgan import (
    DCGANDiscriminator,
    DCGANDiscriminatorConfig,
    DCGANGenerator,
    DCGANGeneratorConfig,
    base_size,
    dcgan_init_,
    describe_plan,
    discriminator_plan,
    generator_plan,
)

_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _convs(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.net if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]


def _following(model: nn.Module) -> list[list[type]]:
    """For each convolution of ``model.net``, the types of the modules up to the next one."""
    groups: list[list[type]] = []
    for m in model.net:
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            groups.append([])
        else:
            groups[-1].append(type(m))
    return groups


def test_the_canonical_64_generator_follows_the_paper():
    plan = generator_plan(DCGANGeneratorConfig())
    # Radford et al. 2016, figure 1: 100 -> 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3
    assert [(s.out_channels, s.out_size) for s in plan] == [
        (1024, 4),
        (512, 8),
        (256, 16),
        (128, 32),
        (3, 64),
    ]
    assert plan[0].in_channels == 100 and plan[0].in_size == 1 and plan[0].kernel == 4
    assert all((s.kernel, s.stride, s.padding) == (4, 2, 1) for s in plan[1:])
    lines = describe_plan(plan).splitlines()
    assert lines[2].startswith("# (B, 512, 8, 8) -> (B, 256, 16, 16)")
    assert lines[-1].startswith("# (B, 128, 32, 32) -> (B, 3, 64, 64)") and "tanh" in lines[-1]


def test_the_digit_variant_goes_through_7x7_and_14x14():
    g = generator_plan(DCGANGeneratorConfig.digits(latent_dim=16, ngf=8))
    assert [(s.in_size, s.out_size, s.out_channels) for s in g] == [
        (1, 7, 16),
        (7, 14, 8),
        (14, 28, 1),
    ]
    assert g[0].kernel == 7  # the projection of the 1 x 1 noise covers the whole 7 x 7 base
    d = discriminator_plan(DCGANDiscriminatorConfig.digits(ndf=8))
    assert [(s.in_size, s.out_size, s.out_channels) for s in d] == [
        (28, 14, 8),
        (14, 7, 16),
        (7, 1, 1),
    ]


def test_parameter_count_of_the_canonical_generator_by_hand():
    G = DCGANGenerator()
    k2 = 4 * 4
    convs = 100 * 1024 * k2 + 1024 * 512 * k2 + 512 * 256 * k2 + 256 * 128 * k2 + 128 * 3 * k2
    batch_norms = 2 * (1024 + 512 + 256 + 128)  # a scale and a shift per channel
    output_bias = 3  # the only convolution not followed by batch norm
    assert sum(p.numel() for p in G.parameters()) == convs + batch_norms + output_bias
    assert convs + batch_norms + output_bias == 12_658_435


def test_parameter_count_of_the_canonical_discriminator_by_hand():
    D = DCGANDiscriminator()
    k2 = 4 * 4
    convs = 3 * 64 * k2 + 64 * 128 * k2 + 128 * 256 * k2 + 256 * 512 * k2 + 512 * 1 * k2
    batch_norms = 2 * (128 + 256 + 512)
    biases = 64 + 1  # input layer (no batch norm after it) and the logit
    assert sum(p.numel() for p in D.parameters()) == convs + batch_norms + biases


def test_intermediate_shapes_follow_the_plan():
    torch.manual_seed(0)
    G = DCGANGenerator(DCGANGeneratorConfig(latent_dim=10, ngf=4))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig(ndf=4))
    for model, plan, x in (
        (G, G.plan, G.sample_noise(2)),
        (D, D.plan, torch.randn(2, 3, 64, 64)),
    ):
        seen: list[tuple[int, ...]] = []
        hooks = [
            m.register_forward_hook(
                lambda _m, i, o, seen=seen: seen.append((*i[0].shape, *o.shape))
            )
            for m in _convs(model)
        ]
        model(x)
        for h in hooks:
            h.remove()
        expected = [
            (2, s.in_channels, s.in_size, s.in_size, 2, s.out_channels, s.out_size, s.out_size)
            for s in plan
        ]
        assert seen == expected


@pytest.mark.parametrize(("size", "base"), [(64, 4), (32, 4), (28, 7), (56, 7), (48, 3), (6, 3)])
def test_any_reachable_size_gives_images_of_that_size_and_one_logit_each(size, base):
    torch.manual_seed(0)
    assert base_size(size) == base
    G = DCGANGenerator(DCGANGeneratorConfig(latent_dim=8, image_size=size, channels=2, ngf=4))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=size, channels=2, ndf=4))
    x = G(G.sample_noise(3))
    assert x.shape == (3, 2, size, size)
    assert x.abs().max() <= 1.0  # Tanh output
    assert D(x).shape == (3,)
    assert G(G.sample_noise(3).view(3, 8, 1, 1)).shape == (3, 2, size, size)  # 4-D noise too


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 27, 63])
def test_unreachable_sizes_are_refused_with_a_clear_error(size):
    with pytest.raises(ValueError, match=f"image_size={size} cannot be produced"):
        DCGANGeneratorConfig(image_size=size)
    with pytest.raises(ValueError, match="even size above 4"):
        DCGANDiscriminatorConfig(image_size=size)


def test_generator_output_is_bounded_by_tanh_and_reaches_its_bounds():
    torch.manual_seed(1)
    G = DCGANGenerator(DCGANGeneratorConfig.digits(latent_dim=8, ngf=4))
    with torch.no_grad():
        _convs(G)[-1].weight.mul_(1e3)  # saturate the output
    x = G.sample(16)
    assert x.shape == (16, 1, 28, 28) and not x.requires_grad
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert x.min() < -0.99 and x.max() > 0.99


@pytest.mark.parametrize("which", ["generator", "discriminator"])
@pytest.mark.parametrize("size", [64, 28])
def test_design_rules(which, size):
    """No pooling, no Linear, batch norm everywhere but G's output and D's input, the paper's
    activations, no bias before batch norm, and D ending in a logit (no sigmoid)."""
    if which == "generator":
        model = DCGANGenerator(DCGANGeneratorConfig(image_size=size, ngf=4))
    else:
        model = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=size, ndf=4))
    modules = list(model.modules())
    assert not any(isinstance(m, _POOLS + (nn.Linear, nn.Sigmoid)) for m in modules)
    groups = _following(model)
    convs = _convs(model)
    if which == "generator":
        assert all(isinstance(c, nn.ConvTranspose2d) for c in convs)
        assert all(g == [nn.BatchNorm2d, nn.ReLU] for g in groups[:-1])
        assert groups[-1] == [nn.Tanh]
    else:
        assert all(isinstance(c, nn.Conv2d) for c in convs)
        assert groups[0] == [nn.LeakyReLU]  # no batch norm on the input layer
        assert all(g == [nn.BatchNorm2d, nn.LeakyReLU] for g in groups[1:-1])
        assert groups[-1] == []  # the logit
        assert {m.negative_slope for m in modules if isinstance(m, nn.LeakyReLU)} == {0.2}
        assert all(c.stride == (2, 2) for c in convs[:-1])  # strided convolutions downsample
    for conv, group in zip(convs, groups, strict=True):
        assert (conv.bias is None) == (nn.BatchNorm2d in group)


def test_the_projection_is_a_matrix_product_and_the_logit_a_dot_product():
    """The first layer of G on a 1 x 1 input is z @ W reshaped (the paper's 'project and
    reshape'); D's last layer covers its whole input, so it is one dot product per sample."""
    torch.manual_seed(2)
    G = DCGANGenerator(DCGANGeneratorConfig.digits(latent_dim=5, ngf=3))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig.digits(ndf=3))
    z = G.sample_noise(4)
    first = _convs(G)[0]
    projected = first(z.view(4, 5, 1, 1))  # (B, 5, 1, 1) -> (B, 6, 7, 7)
    assert torch.allclose(projected, torch.einsum("bi,iohw->bohw", z, first.weight), atol=1e-6)
    last = _convs(D)[-1]
    h = torch.randn(4, 6, 7, 7)
    by_hand = (h * last.weight[0]).sum(dim=(1, 2, 3)) + last.bias
    assert torch.allclose(last(h).view(-1), by_hand, atol=1e-5)


def _assert_normal(values: torch.Tensor, mean: float, std: float) -> None:
    """Sample mean and std within 5 standard errors of N(mean, std^2)."""
    n = values.numel()
    values = values.double()
    assert abs(values.mean().item() - mean) < 5 * std / math.sqrt(n)
    assert abs(values.std().item() - std) < 5 * std / math.sqrt(2 * (n - 1))


def test_initialisation_draws_conv_weights_from_n_0_002_and_bn_scales_from_n_1_002():
    torch.manual_seed(0)
    G = DCGANGenerator(DCGANGeneratorConfig.digits(ngf=32))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig.digits(ndf=32))
    for model in (G, D):
        for conv in _convs(model):
            _assert_normal(conv.weight, 0.0, 0.02)
            if conv.bias is not None:
                assert torch.count_nonzero(conv.bias) == 0
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        assert norms
        _assert_normal(torch.cat([m.weight for m in norms]), 1.0, 0.02)
        assert all(torch.count_nonzero(m.bias) == 0 for m in norms)


def test_initialisation_is_reproducible_and_can_be_turned_off():
    config = DCGANGeneratorConfig.digits(ngf=32, latent_dim=100)
    torch.manual_seed(0)
    plain = DCGANGenerator(
        DCGANGeneratorConfig(latent_dim=100, image_size=28, channels=1, ngf=32, init_weights=False)
    )
    # PyTorch's default for this layer: uniform on +-1/sqrt(fan) with fan = 64 * 7 * 7 (it reads
    # the fan from dim 1 of a transposed convolution's weight), std = 1 / (56 sqrt(3)) ~ 0.0103
    default_std = _convs(plain)[0].weight.std().item()
    assert default_std == pytest.approx(1 / (56 * math.sqrt(3)), rel=0.02)
    a = dcgan_init_(DCGANGenerator(config), generator=torch.Generator().manual_seed(3))
    b = dcgan_init_(DCGANGenerator(config), generator=torch.Generator().manual_seed(3))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    # also applies to Linear layers (all weights of the paper), e.g. in a user's own head
    head = dcgan_init_(nn.Sequential(nn.Linear(400, 500), nn.BatchNorm1d(500)))
    _assert_normal(head[0].weight, 0.0, 0.02)
    _assert_normal(head[1].weight, 1.0, 0.02)


def test_wrong_input_shapes_get_clear_errors():
    G = DCGANGenerator(DCGANGeneratorConfig.digits(latent_dim=8, ngf=4))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig.digits(ndf=4))
    for z in (torch.randn(2, 9), torch.randn(2, 8, 2, 2), torch.randn(8)):
        with pytest.raises(ValueError, match=r"noise of shape \(batch, 8\)"):
            G(z)
    for x in (torch.randn(2, 28, 28), torch.randn(2, 784), torch.randn(2, 3, 28, 28)):
        with pytest.raises(ValueError, match=r"images of shape \(batch, 1, 28, 28\)"):
            D(x)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DCGANGeneratorConfig(ngf=0), "ngf must be a positive int"),
        (lambda: DCGANGeneratorConfig(latent_dim=1.5), "latent_dim must be a positive int"),
        (lambda: DCGANGeneratorConfig(channels=True), "channels must be a positive int"),
        (lambda: DCGANDiscriminatorConfig(ndf=-2), "ndf must be a positive int"),
        (lambda: DCGANDiscriminatorConfig(negative_slope=1.0), "negative_slope must be in"),
    ],
)
def test_configs_refuse_bad_values(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_models_follow_their_dtype_and_train_end_to_end():
    torch.manual_seed(3)
    G = DCGANGenerator(DCGANGeneratorConfig.digits(latent_dim=8, ngf=4)).double()
    D = DCGANDiscriminator(DCGANDiscriminatorConfig.digits(ndf=4)).double()
    z = G.sample_noise(4)
    assert z.dtype == torch.float64
    D(G(z)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())
