"""WGAN losses and Lipschitz penalties: exact values, one eps per sample, double backprop."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gancourse.losses.wgan import (
    clip_weights_,
    finite_difference_penalty,
    finite_difference_penalty_with_slopes,
    gradient_penalty,
    gradient_penalty_with_norms,
    interpolate,
    wgan_critic_loss,
    wgan_generator_loss,
)
from gancourse.models.critic import MLPCritic, MLPCriticConfig

F64 = torch.float64


def _randn(seed: int, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


class Linear(nn.Module):
    """f(x) = w . flatten(x): its gradient is w everywhere."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.w  # (B, D) @ (D,) -> (B,)


class HalfSquare(nn.Module):
    """f(x) = ||x||^2 / 2: its gradient at x is x, so it depends on where x_hat lands."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x.flatten(1) ** 2).sum(1)  # (B, D) -> (B,)


# ------------------------------------------------------------------ the two WGAN losses


def test_critic_and_generator_losses_hand_values():
    real = torch.tensor([1.0, 2.0, 6.0], dtype=F64)  # mean 3
    fake = torch.tensor([-1.0, 0.5], dtype=F64)  # mean -0.25
    assert wgan_critic_loss(real, fake).item() == pytest.approx(-0.25 - 3.0, abs=1e-15)
    assert wgan_generator_loss(fake).item() == pytest.approx(0.25, abs=1e-15)


def test_critic_loss_falls_when_real_scores_rise_and_fake_scores_fall():
    real, fake = _randn(0, 8).requires_grad_(), _randn(1, 5).requires_grad_()
    loss = wgan_critic_loss(real, fake)
    g_real, g_fake = torch.autograd.grad(loss, (real, fake))
    # dL/df(x_i) = -1/B, dL/df(x~_j) = +1/B': gradient descent raises real, lowers fake scores
    assert torch.allclose(g_real, torch.full_like(real, -1 / 8), atol=0)
    assert torch.allclose(g_fake, torch.full_like(fake, 1 / 5), atol=0)
    with torch.no_grad():
        assert wgan_critic_loss(real + 0.1, fake) < loss
    g = torch.autograd.grad(wgan_generator_loss(fake), fake)[0]
    assert torch.allclose(g, torch.full_like(fake, -1 / 5), atol=0)  # G raises its scores


@pytest.mark.parametrize("bad", [torch.zeros(0), torch.tensor([1, 2]), [1.0, 2.0]])
def test_losses_reject_bad_scores(bad):
    with pytest.raises((TypeError, ValueError)):
        wgan_critic_loss(bad, torch.zeros(2))
    with pytest.raises((TypeError, ValueError)):
        wgan_generator_loss(bad)


# ------------------------------------------------------------------ the gradient penalty


@pytest.mark.parametrize("norm", [1.0, 0.5, 2.0, 3.7])
def test_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared(norm):
    direction = _randn(0, 1, 4, 4).flatten()
    w = norm * direction / direction.norm()
    real, fake = _randn(1, 6, 1, 4, 4), _randn(2, 6, 1, 4, 4)
    penalty, norms = gradient_penalty_with_norms(Linear(w), real, fake, lambda_=7.0)
    assert torch.allclose(norms, torch.full((6,), norm, dtype=F64), rtol=1e-14)
    assert penalty.item() == pytest.approx(7.0 * (norm - 1) ** 2, abs=1e-12)
    if norm == 1.0:
        assert abs(penalty.item()) < 1e-24  # a unit-norm linear critic is never penalised


def test_one_eps_per_sample_shared_by_all_its_pixels():
    real, fake = _randn(3, 5, 1, 3, 3), _randn(4, 5, 1, 3, 3)
    x_hat, eps = interpolate(real, fake, generator=torch.Generator().manual_seed(9))
    assert eps.shape == (5, 1, 1, 1)
    # recover eps coordinate by coordinate from x_hat: every pixel of a sample gives the same one
    recovered = (x_hat - fake) / (real - fake)  # (5, 1, 3, 3)
    assert torch.allclose(recovered, eps.expand_as(recovered), rtol=1e-9)
    assert recovered.flatten(1).std(1).max() < 1e-9
    assert eps.flatten().std() > 0.05  # and different samples get different eps
    expected = torch.rand(5, 1, 1, 1, generator=torch.Generator().manual_seed(9), dtype=F64)
    assert torch.equal(eps, expected)


def test_penalty_of_a_position_dependent_critic_against_a_hand_interpolation():
    # grad f(x_hat) = x_hat, so the penalty depends on exactly where each x_hat falls.
    real, fake = 0.6 * _randn(5, 7, 2, 3), 0.6 * _randn(6, 7, 2, 3)
    penalty, norms = gradient_penalty_with_norms(
        HalfSquare(), real, fake, lambda_=10.0, generator=torch.Generator().manual_seed(11)
    )
    eps = torch.rand(7, 1, 1, generator=torch.Generator().manual_seed(11), dtype=F64)
    x_hat = eps * real + (1 - eps) * fake  # one eps per sample, by hand
    hand_norms = torch.sqrt((x_hat**2).sum(dim=(1, 2)))
    assert torch.allclose(norms, hand_norms, rtol=1e-13)
    assert penalty.item() == pytest.approx(10.0 * ((hand_norms - 1) ** 2).mean().item(), rel=1e-13)
    # a per-pixel eps (the classic bug) gives another value: the test above can tell them apart
    eps_px = torch.rand(7, 2, 3, generator=torch.Generator().manual_seed(11), dtype=F64)
    bug = ((eps_px * real + (1 - eps_px) * fake).flatten(1).norm(dim=1) - 1) ** 2
    assert abs(10.0 * bug.mean().item() - penalty.item()) > 1e-3


def test_the_norm_is_per_sample_not_over_the_whole_batch():
    real, fake = _randn(7, 9, 3), _randn(8, 9, 3)
    gen = torch.Generator().manual_seed(2)
    penalty, norms = gradient_penalty_with_norms(HalfSquare(), real, fake, generator=gen)
    x_hat, _ = interpolate(real, fake, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(norms, x_hat.norm(dim=1), rtol=1e-13)  # one norm per row
    whole_batch = 10.0 * (x_hat.norm() - 1) ** 2
    assert abs(penalty.item() - whole_batch.item()) > 1.0


def test_the_penalty_is_differentiable_in_the_critic_parameters_double_backprop():
    # Linear critic: P(w) = lambda (||w|| - 1)^2, so dP/dw = 2 lambda (||w|| - 1) w / ||w||.
    w = torch.tensor([1.5, -2.0, 0.5], dtype=F64)
    critic = Linear(w)
    penalty = gradient_penalty(critic, _randn(0, 4, 3), _randn(1, 4, 3), lambda_=10.0)
    (grad,) = torch.autograd.grad(penalty, critic.w)
    expected = 2 * 10.0 * (w.norm() - 1) * w / w.norm()
    assert torch.allclose(grad, expected, rtol=1e-13)
    assert grad.abs().min() > 0  # without create_graph=True this gradient would be missing


def test_penalty_gradient_matches_finite_differences_for_a_small_mlp_critic():
    torch.manual_seed(0)
    critic = MLPCritic(MLPCriticConfig(data_shape=(2,), hidden=(5,), norm="layer")).double()
    real, fake = _randn(1, 6, 2), _randn(2, 6, 2) + 1.0

    def penalty() -> torch.Tensor:  # the same eps every call
        return gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(3))

    params = list(critic.parameters())
    # the output bias does not move grad_x f, so the penalty does not depend on it (None -> 0)
    grads = torch.autograd.grad(penalty(), params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)]
    h = 1e-6
    for p, g in zip(params, grads, strict=True):
        flat, gflat = p.data.view(-1), g.view(-1)
        for k in range(0, flat.numel(), max(1, flat.numel() // 4)):
            old = flat[k].item()
            flat[k] = old + h
            up = penalty().item()
            flat[k] = old - h
            down = penalty().item()
            flat[k] = old
            assert gflat[k].item() == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)
    assert max(g.abs().max().item() for g in grads) > 1e-3


def test_the_penalty_sends_no_gradient_to_the_generator():
    G = nn.Linear(3, 2).double()
    fake = G(_randn(0, 5, 3))  # still attached to G's graph
    gradient_penalty(HalfSquare(), _randn(1, 5, 2), fake).backward()
    assert all(p.grad is None for p in G.parameters())


def test_penalty_input_errors():
    x = _randn(0, 4, 2)
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(HalfSquare(), x, _randn(1, 3, 2))
    with pytest.raises(ValueError, match="feature axis"):
        gradient_penalty(HalfSquare(), x[:, 0], x[:, 1])
    with pytest.raises(ValueError, match="one score per sample"):
        gradient_penalty(lambda t: t.sum(1, keepdim=True), x, x + 1)
    with pytest.raises(ValueError, match="lambda_"):
        gradient_penalty(HalfSquare(), x, x + 1, lambda_=-1.0)


# ------------------------------------------------------------------ the finite-difference penalty


@pytest.mark.parametrize("a", [-2.5, -1.0, 0.3, 1.0, 4.0])
def test_fd_penalty_of_a_1d_linear_critic_is_exact(a):
    # f(x) = a x on the line: every difference quotient is |a|.
    critic = Linear(torch.tensor([a], dtype=F64))
    real, fake = _randn(0, 16, 1) + 2, _randn(1, 16, 1) - 2
    penalty, slopes = finite_difference_penalty_with_slopes(critic, real, fake, lambda_=10.0)
    assert torch.allclose(slopes, torch.full((16,), abs(a), dtype=F64), rtol=1e-10)
    assert penalty.item() == pytest.approx(10.0 * (abs(a) - 1) ** 2, abs=1e-10)
    one_sided = finite_difference_penalty(critic, real, fake, lambda_=10.0, one_sided=True)
    assert one_sided.item() == pytest.approx(10.0 * max(0.0, abs(a) - 1) ** 2, abs=1e-10)
    # plain backprop (no double backprop) reaches the critic: dP/da = 2 lambda (|a| - 1) sign(a)
    (grad,) = torch.autograd.grad(
        finite_difference_penalty(critic, real, fake, lambda_=10.0), critic.w
    )
    assert grad.item() == pytest.approx(20.0 * (abs(a) - 1) * (1 if a > 0 else -1), abs=1e-9)


def test_fd_penalty_against_a_hand_computation_in_several_dimensions():
    w = torch.tensor([0.6, -0.8, 0.0], dtype=F64)  # unit norm
    critic = Linear(w)
    real, fake = _randn(2, 8, 3), _randn(3, 8, 3) + 1
    penalty, slopes = finite_difference_penalty_with_slopes(
        critic, real, fake, lambda_=5.0, generator=torch.Generator().manual_seed(4)
    )
    gen = torch.Generator().manual_seed(4)
    e1 = torch.rand(8, 1, generator=gen, dtype=F64)
    e2 = torch.rand(8, 1, generator=gen, dtype=F64)
    x = e1 * real + (1 - e1) * fake
    nxt = torch.arange(1, 9) % 8  # the next pair in the batch
    y = e2 * real[nxt] + (1 - e2) * fake[nxt]
    hand = (x - y) @ w / (x - y).norm(dim=1)
    assert torch.allclose(slopes, hand.abs(), rtol=1e-12)
    assert penalty.item() == pytest.approx(5.0 * ((hand.abs() - 1) ** 2).mean().item(), rel=1e-12)
    # a 1-Lipschitz critic: every slope <= 1 (the secant bound), the one-sided penalty is 0,
    # while the gradient penalty of this unit-norm linear critic is 0 too
    assert slopes.max() <= 1 + 1e-12
    assert finite_difference_penalty(critic, real, fake, one_sided=True).item() == 0.0
    assert penalty.item() > 0  # slopes below 1 are still penalised by the two-sided form


# ------------------------------------------------------------------ weight clipping


def test_clip_weights_bounds_every_parameter_and_keeps_the_rest():
    torch.manual_seed(0)
    critic = MLPCritic(MLPCriticConfig(data_shape=(2,), hidden=(16, 16), norm="layer"))
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(50.0)  # plenty of entries outside [-c, c]
    before = [p.detach().clone() for p in critic.parameters()]
    clip_weights_(critic, 0.01)
    for p, b in zip(critic.parameters(), before, strict=True):
        assert p.abs().max() <= 0.01
        inside = b.abs() <= 0.01
        assert torch.equal(p[inside], b[inside])  # values already inside are untouched
        assert torch.equal(p[~inside], 0.01 * b[~inside].sign())  # the others land on +-c
    with pytest.raises(ValueError, match="positive"):
        clip_weights_(critic, 0.0)
