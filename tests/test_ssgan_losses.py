"""The K+1-class semi-supervised GAN losses: agreement with an explicit K+1 softmax (float64),
stability at logits of +-1000, invariances, gradients, feature matching."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse.losses.gan import discriminator_loss
from gancourse.losses.gan import nonsaturating_generator_loss as gan_ns_loss
from gancourse.losses.ssgan import (
    feature_matching_loss,
    kplus1_log_softmax,
    log_d,
    log_one_minus_d,
    nonsaturating_generator_loss,
    real_logit,
    supervised_loss,
    unsupervised_discriminator_loss,
)

F64 = torch.float64
K = 10


def _logits(n: int = 64, k: int = K, scale: float = 3.0, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(n, k, generator=g, dtype=F64)


def _explicit_kplus1(logits: torch.Tensor) -> torch.Tensor:
    """The reference: append the fake logit 0 and take an ordinary (K+1)-way log-softmax."""
    zero = torch.zeros(logits.shape[0], 1, dtype=logits.dtype)
    return torch.log_softmax(torch.cat([logits, zero], dim=1), dim=1)  # (B, K+1)


def test_log_d_and_log_one_minus_d_match_the_explicit_kplus1_softmax():
    lg = _logits()
    ref = _explicit_kplus1(lg)
    # 1 - D(x) is the probability of the fake class; D(x) the total of the K real ones
    assert torch.allclose(log_one_minus_d(lg), ref[:, K], rtol=1e-12, atol=1e-14)
    assert torch.allclose(log_d(lg), torch.logsumexp(ref[:, :K], dim=1), rtol=1e-12, atol=1e-14)
    assert torch.allclose(kplus1_log_softmax(lg), ref, rtol=1e-12, atol=1e-13)
    # and the probability form D = Z / (Z + 1) with Z = sum_k exp(l_k) (safe at these logits)
    z = lg.exp().sum(dim=1)
    assert torch.allclose(log_d(lg).exp(), z / (z + 1), rtol=1e-12, atol=0)
    # both forms in the module docstring agree: lse - softplus(lse) = -softplus(-lse)
    lse = torch.logsumexp(lg, dim=1)
    assert torch.allclose(log_d(lg), lse - F.softplus(lse), rtol=1e-10, atol=1e-13)
    # D(x) = sigmoid(lse(l)): lse is the vanilla GAN's logit
    assert torch.allclose(real_logit(lg), lse, rtol=0, atol=0)
    assert torch.allclose(log_d(lg).exp(), torch.sigmoid(lse), rtol=1e-12, atol=0)
    # the K+1 probabilities sum to 1
    assert torch.allclose(kplus1_log_softmax(lg).exp().sum(1), torch.ones(64, dtype=F64))


def test_values_at_zero_logits():
    # All K+1 logits equal: p(fake) = 1/(K+1), D(x) = K/(K+1).
    zeros = torch.zeros(3, K, dtype=F64)
    assert log_one_minus_d(zeros)[0].item() == pytest.approx(-math.log(K + 1), abs=1e-14)
    assert log_d(zeros)[0].item() == pytest.approx(math.log(K / (K + 1)), abs=1e-14)
    expected = -math.log(K / (K + 1)) + math.log(K + 1)
    assert unsupervised_discriminator_loss(zeros, zeros).item() == pytest.approx(expected, 1e-14)
    labels = torch.tensor([0, 4, 9])
    assert supervised_loss(zeros, labels).item() == pytest.approx(math.log(K), abs=1e-14)


def test_with_one_class_the_losses_are_the_vanilla_gan_losses():
    # K = 1: D(x) = sigmoid(l_1), and the losses reduce to those of gancourse.losses.gan.
    real, fake = _logits(k=1, seed=1), _logits(n=40, k=1, seed=2)
    assert torch.allclose(
        unsupervised_discriminator_loss(real, fake),
        discriminator_loss(real[:, 0], fake[:, 0]),
        rtol=1e-13,
    )
    assert torch.allclose(nonsaturating_generator_loss(fake), gan_ns_loss(fake[:, 0]), rtol=1e-13)


def test_unsupervised_and_generator_losses_against_explicit_softmax():
    real, fake = _logits(seed=3), _logits(n=37, seed=4)
    ref_real, ref_fake = _explicit_kplus1(real), _explicit_kplus1(fake)
    # -E log(1 - p(fake | x)) - E log p(fake | G(z)); 1 - p(fake) written as a sum of the K
    expected = -torch.log(ref_real[:, :K].exp().sum(1)).mean() - ref_fake[:, K].mean()
    got = unsupervised_discriminator_loss(real, fake)
    assert torch.allclose(got, expected, rtol=1e-12)
    expected_g = -torch.log(ref_fake[:, :K].exp().sum(1)).mean()
    assert torch.allclose(nonsaturating_generator_loss(fake), expected_g, rtol=1e-12)


def test_supervised_loss_is_the_kplus1_softmax_conditioned_on_real():
    lg = _logits(seed=5)
    labels = torch.randint(0, K, (64,), generator=torch.Generator().manual_seed(0))
    ref = _explicit_kplus1(lg)
    # log p(y | x, y <= K) = log p(y | x) - log p(y <= K | x): the fake class drops out
    conditioned = ref.gather(1, labels[:, None]).squeeze(1) - torch.logsumexp(ref[:, :K], dim=1)
    assert torch.allclose(supervised_loss(lg, labels), -conditioned.mean(), rtol=1e-12)
    assert torch.allclose(supervised_loss(lg, labels), F.cross_entropy(lg, labels), rtol=0, atol=0)
    # the unconditioned K+1 cross-entropy is larger by exactly -mean log D(x)
    unconditioned = F.nll_loss(ref, labels)
    gap = unconditioned - supervised_loss(lg, labels)
    assert torch.allclose(gap, -log_d(lg).mean(), rtol=1e-12)


def test_shifting_all_k_logits_changes_d_but_not_the_class_posterior():
    lg, labels = _logits(seed=6), torch.arange(64) % K
    for c in (-5.0, 2.0, 30.0):
        shifted = lg + c
        # the class posterior p(y | x, real) is a K-way softmax: shift-invariant
        assert torch.allclose(torch.softmax(shifted, 1), torch.softmax(lg, 1), rtol=1e-12)
        assert torch.allclose(supervised_loss(shifted, labels), supervised_loss(lg, labels))
        # but lse(l + c) = lse(l) + c moves D(x): the shift is the real/fake degree of freedom
        assert torch.allclose(real_logit(shifted), real_logit(lg) + c, rtol=1e-12)
        assert bool(((log_d(shifted) > log_d(lg)) == (c > 0)).all())
    # adding the same constant to all K+1 logits (fake included) changes nothing: why 0 is free
    full = torch.cat([lg, torch.zeros(64, 1, dtype=F64)], dim=1)
    assert torch.allclose(torch.log_softmax(full + 7.0, 1), kplus1_log_softmax(lg), rtol=1e-12)


def test_stable_and_exact_at_logits_of_plus_minus_1000_in_float32():
    big = torch.full((2, K), 1000.0)  # D(x) = 1 - e^{-1000 - log K} = 1 in float32
    small = torch.full((2, K), -1000.0)  # D(x) = K e^{-1000}: log D = -1000 + log K
    lse_big, lse_small = 1000.0 + math.log(K), -1000.0 + math.log(K)
    assert log_d(big)[0].item() == 0.0
    assert log_one_minus_d(big)[0].item() == pytest.approx(-lse_big, rel=1e-6)
    assert log_d(small)[0].item() == pytest.approx(lse_small, rel=1e-6)
    assert log_one_minus_d(small)[0].item() == 0.0
    lsm = kplus1_log_softmax(big)
    assert torch.isfinite(lsm).all() and lsm[0, K].item() == pytest.approx(-lse_big, rel=1e-6)
    # losses: the discriminator right on both (~0), wrong on both (~2000 + 2 log K)
    assert unsupervised_discriminator_loss(big, small).item() == pytest.approx(0.0, abs=1e-6)
    wrong = unsupervised_discriminator_loss(small, big).item()
    assert wrong == pytest.approx(-lse_small + lse_big, rel=1e-6)
    assert nonsaturating_generator_loss(small).item() == pytest.approx(-lse_small, rel=1e-6)
    labels = torch.tensor([3, 3])
    mixed = big.clone()
    mixed[:, 3] += 1.0  # l_3 = 1001: the K-way cross-entropy is finite and exact
    expected = math.log(math.exp(1.0) + K - 1) - 1.0
    assert supervised_loss(mixed, labels).item() == pytest.approx(expected, rel=1e-5)
    # gradients are finite too
    for x in (big, small):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(unsupervised_discriminator_loss(x, x), x)
        assert torch.isfinite(g).all()


def test_the_naive_exp_log_forms_break_at_plus_minus_1000():
    big, small = torch.full((1, K), 1000.0), torch.full((1, K), -1000.0)
    z_big, z_small = big.exp().sum(1), small.exp().sum(1)
    assert torch.isinf(z_big).all()  # exp(1000) overflows float32
    assert torch.isnan(z_big / (z_big + 1)).all()  # D = inf / inf
    assert torch.isinf(torch.log(z_small / (z_small + 1))).all()  # D = 0 / 1 -> log 0 = -inf
    assert torch.isinf(-torch.log1p(z_big)).all()  # log(1 - D) = -log(1 + Z) = -inf: wrong too
    # while the lse forms are finite
    assert torch.isfinite(log_d(big)).all() and torch.isfinite(log_d(small)).all()
    assert torch.isfinite(log_one_minus_d(big)).all()


def test_float32_log_d_keeps_its_digits_where_lse_minus_softplus_would_not():
    # lse(l) around 8 .. 16: D(x) close to 1 and log D(x) = -softplus(-lse) ~ -e^{-lse}.
    lg = torch.linspace(8.0, 16.0, 17, dtype=F64)[:, None] + torch.zeros(1, K, dtype=F64)
    ref = log_d(lg)  # float64
    got = log_d(lg.float()).double()
    assert torch.allclose(got, ref, rtol=1e-5, atol=0)
    lse32 = torch.logsumexp(lg.float(), 1)
    naive = (lse32 - F.softplus(lse32)).double()  # cancellation: relative error >> 1e-5
    assert ((naive - ref).abs() / ref.abs()).max().item() > 1e-2


def test_gradients_with_respect_to_the_logits():
    # d log D / d l_k = p(y=k | x, real) * (1 - D(x)); d log(1 - D) / d l_k = -p(y=k | x)
    lg = _logits(n=16, seed=7).requires_grad_(True)
    (g_real,) = torch.autograd.grad(log_d(lg).sum(), lg)
    (g_fake,) = torch.autograd.grad(log_one_minus_d(lg).sum(), lg)
    ld = lg.detach()
    d = log_d(ld).exp()[:, None]
    assert torch.allclose(g_real, torch.softmax(ld, 1) * (1 - d), rtol=1e-10, atol=1e-15)
    assert torch.allclose(g_fake, -_explicit_kplus1(ld)[:, :K].exp(), rtol=1e-10, atol=1e-15)
    # the supervised loss: (softmax(l) - onehot(y)) / B
    labels = torch.arange(16) % K
    (g_sup,) = torch.autograd.grad(supervised_loss(lg, labels), lg)
    expected = (torch.softmax(ld, 1) - F.one_hot(labels, K).double()) / 16
    assert torch.allclose(g_sup, expected, rtol=1e-10, atol=1e-15)
    # finite differences on every loss
    small = _logits(n=4, k=3, seed=8).requires_grad_(True)
    other = _logits(n=5, k=3, seed=9).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda a, b: unsupervised_discriminator_loss(a, b), (small, other)
    )
    assert torch.autograd.gradcheck(nonsaturating_generator_loss, (small,))
    assert torch.autograd.gradcheck(kplus1_log_softmax, (small,))
    assert torch.autograd.gradcheck(lambda a: supervised_loss(a, torch.tensor([0, 2, 1, 2])), small)


def test_gradient_of_log_d_survives_where_softplus_turns_into_the_identity():
    # At lse = 25, d log D / d lse = sigmoid(-25) ~ 1.4e-11, not 0.
    lg = torch.full((1, 1), 25.0, dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(log_d(lg).sum(), lg)
    assert g.item() == pytest.approx(1.0 / (1.0 + math.exp(25.0)), rel=1e-10)
    # the form lse - softplus(lse) has gradient exactly 0 there (softplus is the identity > 20)
    lse = torch.logsumexp(lg, 1)
    (g_naive,) = torch.autograd.grad((lse - F.softplus(lse)).sum(), lg)
    assert g_naive.item() == 0.0


def test_feature_matching_value_and_zero_when_means_agree():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(32, 20, generator=g, dtype=F64)
    fake = torch.randn(48, 20, generator=g, dtype=F64)
    diff = real.mean(0) - fake.mean(0)
    assert torch.allclose(feature_matching_loss(real, fake), diff.square().sum(), rtol=1e-13)
    assert torch.allclose(
        feature_matching_loss(real, fake, reduction="mean"), diff.square().mean(), rtol=1e-13
    )
    # means first, then the norm: not the mean of per-pair squared distances
    per_pair = (real[:32] - fake[:32]).square().sum(1).mean()
    assert feature_matching_loss(real, fake[:32]).item() < 0.5 * per_pair.item()
    # different samples, same mean: zero loss
    fake_same_mean = fake - fake.mean(0) + real.mean(0)
    assert feature_matching_loss(real, fake_same_mean).item() == pytest.approx(0.0, abs=1e-24)
    # (B, C, H, W) features are flattened per sample
    r4, f4 = real.view(32, 5, 2, 2), fake.view(48, 5, 2, 2)
    assert torch.allclose(feature_matching_loss(r4, f4), feature_matching_loss(real, fake))


def test_feature_matching_gradient_reaches_only_the_fake_branch():
    g = torch.Generator().manual_seed(1)
    real = torch.randn(8, 6, generator=g, dtype=F64, requires_grad=True)
    fake = torch.randn(4, 6, generator=g, dtype=F64, requires_grad=True)
    loss = feature_matching_loss(real, fake)
    (g_fake,) = torch.autograd.grad(loss, fake)
    # d/d f_j of ||m_r - m_f||^2 = 2 (m_f - m_r) / B'
    expected = (2 * (fake.mean(0) - real.mean(0)) / 4).detach().expand(4, 6)
    assert torch.allclose(g_fake, expected, rtol=1e-12)
    loss = feature_matching_loss(real, fake)
    loss.backward()
    assert real.grad is None and fake.grad is not None
    # through a shared network: the gradient reaches its weights only via the fake branch
    net = torch.nn.Linear(6, 3).double()
    feature_matching_loss(net(real.detach()), net(fake.detach())).backward()
    w_grad = net.weight.grad.clone()
    net.zero_grad()
    m_r = net(real.detach()).mean(0).detach()
    ((m_r - net(fake.detach()).mean(0)).square().sum()).backward()
    assert torch.allclose(w_grad, net.weight.grad, rtol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        log_d,
        log_one_minus_d,
        kplus1_log_softmax,
        nonsaturating_generator_loss,
        lambda x: unsupervised_discriminator_loss(x, x),
        lambda x: supervised_loss(x, torch.zeros(x.shape[0] if x.dim() else 0, dtype=torch.long)),
    ],
)
def test_bad_logits_raise(fn):
    with pytest.raises(TypeError, match="floating-point tensor of class logits"):
        fn(torch.zeros(3, K, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(batch, K\)"):
        fn(torch.zeros(3))
    with pytest.raises(ValueError, match="is empty"):
        fn(torch.zeros(0, K))


def test_bad_labels_and_features_raise():
    lg = torch.zeros(4, K)
    with pytest.raises(ValueError, match=r"must lie in 0 \.\. 9"):
        supervised_loss(lg, torch.tensor([0, 1, 10, 2]))
    with pytest.raises(ValueError, match=r"shape \(batch,\) = \(4,\)"):
        supervised_loss(lg, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer tensor"):
        supervised_loss(lg, torch.zeros(4))
    with pytest.raises(ValueError, match="same shape after the batch"):
        feature_matching_loss(torch.zeros(4, 5), torch.zeros(4, 6))
    with pytest.raises(ValueError, match=r"\(batch, \*feature_shape\)"):
        feature_matching_loss(torch.zeros(5), torch.zeros(5))
    with pytest.raises(TypeError, match="floating-point tensor of features"):
        feature_matching_loss(torch.zeros(4, 5, dtype=torch.long), torch.zeros(4, 5))
    with pytest.raises(ValueError, match="reduction"):
        feature_matching_loss(torch.zeros(4, 5), torch.zeros(4, 5), reduction="max")  # type: ignore[arg-type]
