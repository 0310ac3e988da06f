"""The vanilla GAN losses on logits: closed forms, softplus identities, stability, gradients."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse.losses.gan import (
    discriminator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)

F64 = torch.float64
LOG2 = math.log(2.0)


def _logits(n: int = 257, scale: float = 6.0, seed: int = 0) -> torch.Tensor:
    return scale * torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=F64)


def test_values_at_an_undecided_discriminator():
    # D(x) = sigmoid(0) = 1/2 everywhere: every log-term is log 2.
    zeros = torch.zeros(5, dtype=F64)
    assert discriminator_loss(zeros, zeros).item() == pytest.approx(2 * LOG2, abs=1e-15)
    assert discriminator_loss(zeros, zeros).item() == pytest.approx(math.log(4.0), abs=1e-15)
    assert minimax_generator_loss(zeros).item() == pytest.approx(-LOG2, abs=1e-15)
    assert nonsaturating_generator_loss(zeros).item() == pytest.approx(LOG2, abs=1e-15)


def test_hand_computed_values():
    # Logits log 3 and -log 3 give D = 3/4 and 1/4.
    real = torch.tensor([math.log(3.0), -math.log(3.0)], dtype=F64)  # D = 3/4, 1/4
    fake = torch.tensor([math.log(3.0)], dtype=F64)  # D(G(z)) = 3/4
    expected_d = -0.5 * (math.log(0.75) + math.log(0.25)) - math.log(0.25)
    assert discriminator_loss(real, fake).item() == pytest.approx(expected_d, abs=1e-14)
    assert minimax_generator_loss(fake).item() == pytest.approx(math.log(0.25), abs=1e-14)
    assert nonsaturating_generator_loss(fake).item() == pytest.approx(-math.log(0.75), abs=1e-14)


def test_losses_match_the_probability_formulas_for_moderate_logits():
    real, fake = _logits(seed=1), _logits(seed=2, n=100)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected_d = -torch.log(d_real).mean() - torch.log1p(-d_fake).mean()
    assert torch.allclose(discriminator_loss(real, fake), expected_d, rtol=1e-12, atol=1e-12)
    assert torch.allclose(
        minimax_generator_loss(fake), torch.log1p(-d_fake).mean(), rtol=1e-12, atol=1e-12
    )
    assert torch.allclose(
        nonsaturating_generator_loss(fake), -torch.log(d_fake).mean(), rtol=1e-12, atol=1e-12
    )


def test_discriminator_loss_is_binary_cross_entropy_with_labels_one_and_zero():
    real, fake = _logits(seed=3), _logits(seed=4)
    bce = F.binary_cross_entropy_with_logits(
        real, torch.ones_like(real)
    ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    assert torch.allclose(discriminator_loss(real, fake), bce, rtol=1e-14, atol=1e-14)


def test_softplus_identities():
    l = _logits(scale=4.0)  # noqa: E741  (|l| < 20: 1 - sigma(l) keeps its digits in float64)
    # -log sigma(l) = softplus(-l),  -log(1 - sigma(l)) = softplus(l),  their difference is l
    assert torch.allclose(F.softplus(-l), -torch.log(torch.sigmoid(l)), rtol=1e-10, atol=1e-12)
    assert torch.allclose(F.softplus(l), -torch.log1p(-torch.sigmoid(l)), rtol=1e-6, atol=1e-12)
    assert torch.allclose(F.softplus(l) - F.softplus(-l), l, rtol=0, atol=1e-12)
    # hence the two generator losses differ by the mean logit, sample by sample
    diff = nonsaturating_generator_loss(l) + minimax_generator_loss(l)
    assert diff.item() == pytest.approx(-l.mean().item(), abs=1e-12)


def test_constant_discriminator_is_best_at_one_half_when_real_and_fake_look_alike():
    # With the same logit l on real and fake samples the loss is softplus(-l) + softplus(l),
    # smallest (log 4) at l = 0, i.e. D = 1/2.
    ls = torch.linspace(-3, 3, 601, dtype=F64)
    values = torch.stack([discriminator_loss(v.view(1), v.view(1)) for v in ls])
    assert ls[values.argmin()].item() == pytest.approx(0.0, abs=1e-12)
    assert values.min().item() == pytest.approx(math.log(4.0), abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_stable_and_exact_at_extreme_logits(dtype):
    big = torch.tensor([200.0], dtype=dtype)
    # D rejects the fake completely (l = -200): -log D = 200 and log(1 - D) = -exp(-200) ~ 0.
    assert nonsaturating_generator_loss(-big).item() == 200.0
    assert minimax_generator_loss(-big).item() == pytest.approx(-math.exp(-200.0), rel=1e-12)
    # D accepts it completely (l = +200)
    assert minimax_generator_loss(big).item() == -200.0
    assert nonsaturating_generator_loss(big).item() == pytest.approx(math.exp(-200.0), rel=1e-12)
    # the discriminator wrong on both: 200 + 200; right on both: 2 exp(-200)
    assert discriminator_loss(-big, big).item() == 400.0
    assert discriminator_loss(big, -big).item() == pytest.approx(2 * math.exp(-200), rel=1e-12)
    for value in (discriminator_loss(-big, big), minimax_generator_loss(big)):
        assert torch.isfinite(value)
    if dtype == torch.float32:
        # The naive formula is not: sigmoid(-200) underflows to 0 in float32 and log gives -inf.
        assert torch.isinf(-torch.log(torch.sigmoid(-big))).item()


def test_gradients_with_respect_to_the_logits():
    # d/dl of mean log(1 - sigma(l)) is -sigma(l)/B; of -mean log sigma(l) it is (sigma(l) - 1)/B.
    extremes = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], dtype=F64)
    lg = torch.cat([_logits(n=64), extremes]).requires_grad_(True)
    batch = lg.numel()
    (g_minimax,) = torch.autograd.grad(minimax_generator_loss(lg), lg)
    (g_ns,) = torch.autograd.grad(nonsaturating_generator_loss(lg), lg)
    s = torch.sigmoid(lg.detach())
    assert torch.allclose(g_minimax, -s / batch, rtol=1e-12, atol=0)
    # sigma(l) - 1 = -sigma(-l), written so that it keeps its digits at l = 200 (-e^-200)
    assert torch.allclose(g_ns, -torch.sigmoid(-lg.detach()) / batch, rtol=1e-12, atol=0)
    assert torch.allclose(g_ns, (s - 1) / batch, rtol=1e-12, atol=1e-15)
    # Where D rejects the fakes (l = -30) the minimax gradient is ~e^-30 smaller than the other.
    i = lg.numel() - 4
    assert abs(g_minimax[i].item()) < 1e-13 / batch and abs(g_ns[i].item()) > 0.999 / batch
    # the discriminator's gradient: (sigma(l) - 1)/B on real logits, sigma(l)/B' on fake ones
    real, fake = _logits(n=8, seed=5).requires_grad_(True), _logits(n=4, seed=6).requires_grad_()
    g_real, g_fake = torch.autograd.grad(discriminator_loss(real, fake), (real, fake))
    assert torch.allclose(g_real, (torch.sigmoid(real) - 1).detach() / 8, rtol=1e-12)
    assert torch.allclose(g_fake, torch.sigmoid(fake).detach() / 4, rtol=1e-12)


def test_any_shape_counts_every_entry_as_one_sample():
    logits = _logits(n=12)
    assert nonsaturating_generator_loss(logits.view(3, 4)).item() == pytest.approx(
        nonsaturating_generator_loss(logits).item(), abs=1e-15
    )


@pytest.mark.parametrize(
    "fn", [minimax_generator_loss, nonsaturating_generator_loss, lambda x: discriminator_loss(x, x)]
)
def test_bad_logits_raise(fn):
    with pytest.raises(TypeError, match="floating-point tensor of logits"):
        fn(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="is empty"):
        fn(torch.zeros(0))
