"""The mathematics of the VAE: the Gaussian KL, the reparameterisation trick, the reconstruction
losses, and the ELBO as a lower bound on an exactly computable log-likelihood."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Bernoulli, MultivariateNormal, Normal, kl_divergence

from gancourse.losses.vae import (
    ELBO,
    bernoulli_reconstruction_loss,
    elbo,
    gaussian_kl_standard_normal,
    gaussian_log_density,
    gaussian_reconstruction_loss,
    importance_weighted_bound,
    squared_error,
    standard_normal_log_density,
)
from gancourse.models.vae import VAE, VAEConfig, estimate_bounds, reparameterize

F64 = torch.float64


def _latents(b: int = 5, d: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(b, d, generator=gen, dtype=F64)
    logvar = 1.5 * torch.randn(b, d, generator=gen, dtype=F64)
    return mu, logvar


# ------------------------------------------------------------------------- the Gaussian KL


def test_kl_matches_torch_distributions() -> None:
    mu, logvar = _latents()
    q = Normal(mu, (0.5 * logvar).exp())
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = kl_divergence(q, p).sum(dim=1)
    got = gaussian_kl_standard_normal(mu, logvar)
    assert got.shape == (5,)
    assert torch.allclose(got, expected, atol=1e-12)


def test_kl_matches_a_monte_carlo_estimate() -> None:
    mu, logvar = _latents(b=2, d=4, seed=1)
    gen = torch.Generator().manual_seed(2)
    n = 400_000
    z = reparameterize(mu.expand(n, 2, 4), logvar.expand(n, 2, 4), gen)  # (n, 2, 4)
    log_ratio = gaussian_log_density(z, mu, logvar) - standard_normal_log_density(z)  # (n, 2)
    estimate, se = log_ratio.mean(dim=0), log_ratio.std(dim=0) / math.sqrt(n)
    exact = gaussian_kl_standard_normal(mu, logvar)
    assert torch.all((estimate - exact).abs() < 5 * se), (estimate, exact, se)


def test_kl_is_zero_only_at_the_prior_and_grows_away_from_it() -> None:
    zero = torch.zeros(3, 7, dtype=F64, requires_grad=True)
    kl = gaussian_kl_standard_normal(zero, zero)
    assert torch.equal(kl, torch.zeros(3, dtype=F64))
    (grad,) = torch.autograd.grad(kl.sum(), zero)
    assert torch.equal(grad, torch.zeros_like(grad))  # a minimum
    one_hot = torch.zeros(1, 7, dtype=F64)
    one_hot[0, 2] = 1.0
    # only the mean moves: mu^2 / 2; only the log-variance moves: (e^s - 1 - s) / 2
    assert gaussian_kl_standard_normal(one_hot, torch.zeros_like(one_hot)).item() == 0.5
    assert gaussian_kl_standard_normal(torch.zeros_like(one_hot), one_hot).item() == (
        pytest.approx(0.5 * (math.e - 2.0), abs=1e-15)
    )
    mu, logvar = _latents(seed=3)
    assert torch.all(gaussian_kl_standard_normal(mu, logvar) > 0)


def test_kl_sums_over_latent_dimensions() -> None:
    mu, logvar = _latents(b=4, d=6, seed=4)
    per_dim = [
        gaussian_kl_standard_normal(mu[:, j : j + 1], logvar[:, j : j + 1]) for j in range(6)
    ]
    assert torch.allclose(gaussian_kl_standard_normal(mu, logvar), sum(per_dim), atol=1e-12)


def test_kl_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(B, latent_dim\)"):
        gaussian_kl_standard_normal(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"\(B, latent_dim\)"):
        gaussian_kl_standard_normal(torch.zeros(3), torch.zeros(3))


# ------------------------------------------------------------------- reparameterisation


def test_reparameterize_is_mu_plus_sigma_eps_with_the_generator_noise() -> None:
    mu, logvar = _latents(seed=5)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(7))
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(7), dtype=F64)
    assert torch.allclose(z, mu + (0.5 * logvar).exp() * eps, atol=1e-14)
    z_again = reparameterize(mu, logvar, torch.Generator().manual_seed(7))
    assert torch.equal(z, z_again)


def test_reparameterize_gradients() -> None:
    mu, logvar = _latents(seed=6)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(8))
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(8), dtype=F64)
    # z is elementwise, so the gradient of sum(z) holds each dz_j / d(parameter_j)
    d_mu, d_logvar = torch.autograd.grad(z.sum(), (mu, logvar))
    assert torch.allclose(d_mu, torch.ones_like(mu))
    sigma = (0.5 * logvar).exp().detach()
    assert torch.allclose(d_logvar, eps * sigma / 2, atol=1e-14)


def test_reparameterized_samples_have_the_right_moments() -> None:
    mu = torch.tensor([[1.5, -2.0, 0.0]], dtype=F64)
    logvar = torch.tensor([[0.0, math.log(0.25), math.log(9.0)]], dtype=F64)
    n = 200_000
    z = reparameterize(mu.expand(n, 3), logvar.expand(n, 3), torch.Generator().manual_seed(9))
    sigma = torch.tensor([1.0, 0.5, 3.0], dtype=F64)
    # standard errors of the mean and of the standard deviation: sigma/sqrt(n), sigma/sqrt(2n)
    assert torch.all((z.mean(dim=0) - mu[0]).abs() < 5 * sigma / math.sqrt(n))
    assert torch.all((z.std(dim=0) - sigma).abs() < 5 * sigma / math.sqrt(2 * n))
    corr = torch.corrcoef(z.T)
    assert torch.all((corr - torch.eye(3, dtype=F64)).abs() < 5 / math.sqrt(n))  # independent


def test_reparameterize_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        reparameterize(torch.zeros(2, 3), torch.zeros(2, 4))


# ------------------------------------------------------------------ reconstruction terms


def test_bernoulli_loss_is_the_negative_bernoulli_log_likelihood() -> None:
    gen = torch.Generator().manual_seed(10)
    logits = 3 * torch.randn(4, 10, generator=gen, dtype=F64)
    x = torch.bernoulli(torch.full((4, 10), 0.4, dtype=F64), generator=gen)
    expected = -Bernoulli(logits=logits).log_prob(x).sum(dim=1)
    assert torch.allclose(bernoulli_reconstruction_loss(logits, x), expected, atol=1e-12)
    p = torch.sigmoid(logits)  # the textbook formula, fine for moderate logits
    manual = -(x * p.log() + (1 - x) * (1 - p).log()).sum(dim=1)
    assert torch.allclose(bernoulli_reconstruction_loss(logits, x), manual, atol=1e-10)
    # grey targets: minimised at sigmoid(logit) = x, where it equals the binary entropy
    grey = torch.tensor([[0.2, 0.5, 0.9]], dtype=F64)
    at_min = bernoulli_reconstruction_loss(torch.logit(grey), grey)
    entropy = -(grey * grey.log() + (1 - grey) * (1 - grey).log()).sum()
    assert at_min.item() == pytest.approx(entropy.item(), abs=1e-12)


def test_bernoulli_loss_is_finite_where_sigmoid_then_log_is_not() -> None:
    logits = torch.tensor([[-200.0, 200.0]])
    x = torch.tensor([[1.0, 0.0]])
    naive = -(x * torch.sigmoid(logits).log() + (1 - x) * (1 - torch.sigmoid(logits)).log())
    assert torch.isinf(naive.sum())
    assert bernoulli_reconstruction_loss(logits, x).item() == pytest.approx(400.0)


def test_bernoulli_loss_accepts_images_and_rejects_bad_targets() -> None:
    logits = torch.zeros(2, 784)
    x = torch.ones(2, 1, 28, 28)
    assert torch.allclose(
        bernoulli_reconstruction_loss(logits, x), torch.full((2,), 784 * math.log(2))
    )
    with pytest.raises(ValueError, match="scale='unit'"):
        bernoulli_reconstruction_loss(logits, -x)  # digits loaded with scale="tanh"
    with pytest.raises(ValueError, match="same batch"):
        bernoulli_reconstruction_loss(logits, torch.ones(3, 784))


def test_gaussian_loss_is_the_negative_gaussian_log_likelihood() -> None:
    gen = torch.Generator().manual_seed(11)
    mean = torch.randn(3, 8, generator=gen, dtype=F64)
    x = torch.randn(3, 8, generator=gen, dtype=F64)
    for std in (1.0, 0.3):
        expected = -Normal(mean, std).log_prob(x).sum(dim=1)
        got = gaussian_reconstruction_loss(mean, x, std)
        assert torch.allclose(got, expected, atol=1e-12)
        constant = 8 * (math.log(std) + 0.5 * math.log(2 * math.pi))
        assert torch.allclose(got, squared_error(mean, x) / (2 * std**2) + constant, atol=1e-12)
    with pytest.raises(ValueError, match="positive"):
        gaussian_reconstruction_loss(mean, x, 0.0)


def test_squared_error_per_sample() -> None:
    a = torch.zeros(2, 1, 2, 2)
    b = torch.tensor([[[[1.0, 2.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 3.0]]]])
    assert torch.equal(squared_error(a, b), torch.tensor([5.0, 9.0]))


# --------------------------------------------------------------------------------- the ELBO


def test_elbo_terms_fit_together() -> None:
    mu, logvar = _latents(b=6, d=3, seed=12)
    gen = torch.Generator().manual_seed(13)
    logits = torch.randn(6, 20, generator=gen, dtype=F64)
    x = torch.bernoulli(torch.full((6, 20), 0.3, dtype=F64), generator=gen)
    per = elbo(x, logits, mu, logvar, beta=2.5, reduction="none")
    assert isinstance(per, ELBO) and per.elbo.shape == (6,)
    assert torch.allclose(per.reconstruction, -bernoulli_reconstruction_loss(logits, x))
    assert torch.allclose(per.kl, gaussian_kl_standard_normal(mu, logvar))
    assert torch.allclose(per.elbo, per.reconstruction - 2.5 * per.kl)
    assert torch.equal(per.loss, -per.elbo)
    mean = elbo(x, logits, mu, logvar, beta=2.5)
    for a, b in zip(mean, per, strict=True):
        assert a.shape == () and a.item() == pytest.approx(b.mean().item(), abs=1e-12)


def test_elbo_rejects_bad_arguments() -> None:
    mu, logvar = torch.zeros(4, 2), torch.zeros(4, 2)
    logits, x = torch.zeros(4, 10), torch.zeros(4, 10)
    with pytest.raises(ValueError, match="batch"):
        elbo(x[:3], logits[:3], mu, logvar)
    with pytest.raises(ValueError, match="likelihood"):
        elbo(x, logits, mu, logvar, likelihood="poisson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="beta"):
        elbo(x, logits, mu, logvar, beta=-1.0)
    with pytest.raises(ValueError, match="reduction"):
        elbo(x, logits, mu, logvar, reduction="sum")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(B, latent_dim\)"):
        elbo(x, logits, mu, logvar[:, :1])


class _LinearGaussian:
    """p(z) = N(0, I_k), p(x | z) = N(W z + b, s^2 I_D): log p(x) and p(z | x) in closed form."""

    def __init__(self, seed: int = 0, k: int = 2, d: int = 5, s: float = 0.5) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.W = torch.randn(d, k, generator=gen, dtype=F64)
        self.W[:, 1:] = self.W[:, :1] + 0.5 * self.W[:, 1:]  # similar columns: a tilted posterior
        self.b = torch.randn(d, generator=gen, dtype=F64)
        self.s, self.k, self.d = s, k, d
        self.x = torch.randn(1, d, generator=gen, dtype=F64) * 2

    def log_px(self) -> float:
        cov = self.W @ self.W.T + self.s**2 * torch.eye(self.d, dtype=F64)
        return MultivariateNormal(self.b, cov).log_prob(self.x[0]).item()

    def posterior(self) -> MultivariateNormal:
        precision = torch.eye(self.k, dtype=F64) + self.W.T @ self.W / self.s**2
        cov = torch.linalg.inv(precision)
        mean = cov @ self.W.T @ (self.x[0] - self.b) / self.s**2
        return MultivariateNormal(mean, cov)

    def elbo_draws(self, mu: torch.Tensor, logvar: torch.Tensor, n: int, seed: int) -> torch.Tensor:
        """n one-sample ELBO estimates by the package, for q = N(mu, diag e^logvar)."""
        z = reparameterize(
            mu.expand(n, self.k), logvar.expand(n, self.k), torch.Generator().manual_seed(seed)
        )  # (n, k)
        mean = z @ self.W.T + self.b  # (n, D)
        terms = elbo(
            self.x.expand(n, self.d),
            mean,
            mu.expand(n, self.k),
            logvar.expand(n, self.k),
            likelihood="gaussian",
            std=self.s,
            reduction="none",
        )
        return terms.elbo


def test_elbo_is_below_log_px_by_kl_to_the_posterior() -> None:
    """log p(x) - E_q[ELBO] = KL(q || p(z | x)), checked with an exactly solvable model."""
    model = _LinearGaussian()
    log_px = model.log_px()
    post = model.posterior()
    n = 400_000
    for shift, scale in [(0.0, 1.0), (0.7, 0.5), (-1.0, 2.0)]:
        mu = (post.mean + shift).unsqueeze(0)
        logvar = (scale**2 * post.covariance_matrix.diagonal()).log().unsqueeze(0)
        draws = model.elbo_draws(mu, logvar, n, seed=int(10 * scale))
        estimate, se = draws.mean().item(), draws.std().item() / math.sqrt(n)
        q = MultivariateNormal(mu[0], torch.diag(logvar[0].exp()))
        gap = kl_divergence(q, post).item()
        assert gap > 0.05  # q is not the posterior (full covariance): the bound is strict
        assert estimate < log_px
        assert abs((log_px - estimate) - gap) < 5 * se, (log_px - estimate, gap, se)


def test_elbo_is_tight_when_q_is_the_exact_posterior() -> None:
    model = _LinearGaussian(seed=1)
    # orthogonal columns of W make the posterior covariance diagonal, so q can equal it
    q_mat, _ = torch.linalg.qr(model.W)
    model.W = q_mat * torch.tensor([1.5, 0.8], dtype=F64)
    post = model.posterior()
    assert torch.allclose(post.covariance_matrix, torch.diag(post.covariance_matrix.diagonal()))
    mu = post.mean.unsqueeze(0)
    logvar = post.covariance_matrix.diagonal().log().unsqueeze(0)
    n = 400_000
    draws = model.elbo_draws(mu, logvar, n, seed=3)
    se = draws.std().item() / math.sqrt(n)
    assert abs(draws.mean().item() - model.log_px()) < 5 * se
    # the importance-weighted bound is then exact for every single draw (constant weights)
    z = reparameterize(mu.expand(3, 4, 2), logvar.expand(3, 4, 2), torch.Generator().manual_seed(4))
    log_px_given_z = Normal(z @ model.W.T + model.b, model.s).log_prob(model.x).sum(-1)  # (3, 4)
    bound = importance_weighted_bound(log_px_given_z, z, mu.expand(4, 2), logvar.expand(4, 2))
    assert torch.allclose(bound, torch.full((4,), model.log_px(), dtype=F64), atol=1e-10)


def test_bernoulli_vae_bounds_below_the_exact_log_likelihood() -> None:
    """A VAE with a 1-D latent: log p(x) = log of an integral over z, done on a grid."""
    torch.manual_seed(0)
    model = VAE(VAEConfig(data_dim=6, hidden=(8,), latent_dim=1)).double()
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.mul_(3.0)  # a decoder that depends strongly on z: a non-Gaussian posterior
    x = torch.tensor([[1, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=F64)

    z_grid = torch.linspace(-12, 12, 48_001, dtype=F64).unsqueeze(1)  # (G, 1)
    with torch.no_grad():
        logits = model.decode(z_grid)  # (G, 6)
        exact = []
        for row in x:
            log_joint = -bernoulli_reconstruction_loss(logits, row.expand_as(logits))
            log_joint = log_joint + standard_normal_log_density(z_grid)  # (G,)
            dz = (z_grid[1, 0] - z_grid[0, 0]).item()
            exact.append((torch.logsumexp(log_joint, 0) + math.log(dz)).item())
    log_px = torch.tensor(exact, dtype=F64)

    bounds = estimate_bounds(
        model, x, num_samples=20_000, generator=torch.Generator().manual_seed(1)
    )
    assert torch.all(bounds.elbo < log_px)
    # L_K <= log p(x) in expectation; one estimate may overshoot by its Monte-Carlo error
    assert torch.all(bounds.iwae <= log_px + 0.01)
    assert torch.all(bounds.iwae > bounds.elbo)  # and tighter than the ELBO
    assert torch.allclose(bounds.iwae, log_px, atol=0.02)  # with K = 20,000 almost exact
    assert torch.allclose(bounds.elbo, bounds.reconstruction - bounds.kl)
