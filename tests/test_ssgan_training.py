"""Training the semi-supervised GAN: each step's loss is the formula, each update moves only its
own network by the gradient of that formula, the EMA is the closed form, the labelled subset is
stratified and reproducible, the evaluation uses eval mode, bad configs fail clearly."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from gancourse.data.digitset import DigitSet
from gancourse.models.ssgan import (
    SSGANDiscriminator,
    SSGANDiscriminatorConfig,
    SSGANGenerator,
    SSGANGeneratorConfig,
)
from gancourse.training import TrainConfig, Trainer
from gancourse.training.gan import random_batches
from gancourse.training.ssgan import (
    SSGANConfig,
    SupervisedConfig,
    data_dependent_init,
    ema_model,
    error_rate,
    labelled_batches,
    make_optimizers,
    ssgan_d_step,
    ssgan_g_step,
    ssgan_step_fn,
    stratified_indices,
    stratified_subset,
    supervised_step_fn,
)

LR = 0.1
K = 3


def _pair(seed: int = 0, noise: float = 0.0):
    """A tiny generator and K+1 discriminator on 4-d data, float64, noise layers off."""
    torch.manual_seed(seed)
    G = SSGANGenerator(
        SSGANGeneratorConfig(latent_dim=2, data_shape=(4,), hidden=(5,), noise="normal")
    ).double()
    D = SSGANDiscriminator(
        SSGANDiscriminatorConfig(
            num_classes=K,
            data_shape=(4,),
            hidden=(6, 5),
            input_noise_std=noise,
            hidden_noise_std=noise,
        )
    ).double()
    return G, D


def _batches(seed: int = 1):
    gen = torch.Generator().manual_seed(seed)
    x_lab = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    y_lab = torch.tensor([0, 2, 1, 1, 0])
    x_unl = torch.randn(7, 4, generator=gen, dtype=torch.float64)
    z = torch.randn(6, 2, generator=gen, dtype=torch.float64)
    return x_lab, y_lab, x_unl, z


def _snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _hand_d_loss(logits_lab, y, logits_unl, logits_fake, w):
    """L_sup + w L_unsup written out with exp and log (fine at these small logits)."""
    z_lab = logits_lab.exp().sum(1)
    l_sup = (z_lab.log() - logits_lab.gather(1, y[:, None]).squeeze(1)).mean()
    z_unl, z_fake = logits_unl.exp().sum(1), logits_fake.exp().sum(1)
    l_real = -(z_unl / (z_unl + 1)).log().mean()  # -log D(x)
    l_fake = -(1 / (z_fake + 1)).log().mean()  # -log(1 - D(G(z)))
    return l_sup + w * (l_real + l_fake)


@pytest.mark.parametrize("w", [0.5, 1.0])
def test_d_step_loss_and_update_are_the_formula(w: float) -> None:
    G, D = _pair()
    x_lab, y_lab, x_unl, z = _batches()
    D_ref = copy.deepcopy(D)
    with torch.no_grad():
        fake = G(z)
    expected = _hand_d_loss(D_ref(x_lab), y_lab, D_ref(x_unl), D_ref(fake), w)
    expected.backward()
    want = [p.detach() - LR * p.grad for p in D_ref.parameters()]

    opt_d = torch.optim.SGD(D.parameters(), lr=LR)
    stats = ssgan_d_step(G, D, opt_d, x_lab, y_lab, x_unl, z, unlabelled_weight=w)
    assert torch.allclose(stats.loss, expected.detach(), atol=1e-12)
    assert torch.allclose(stats.loss, stats.loss_sup + w * stats.loss_unsup, atol=1e-12)
    for got, ref in zip(D.parameters(), want, strict=True):
        assert torch.allclose(got, ref, atol=1e-12)
    # D(x) = Z / (Z + 1), averaged; accuracy on the labelled batch
    z_unl = D_ref(x_unl).exp().sum(1)
    assert torch.allclose(stats.d_real, (z_unl / (z_unl + 1)).mean().detach(), atol=1e-12)
    acc = (D_ref(x_lab).argmax(1) == y_lab).double().mean()
    assert math.isclose(float(stats.accuracy), float(acc))
    for value in (stats.loss, stats.loss_sup, stats.loss_unsup, stats.d_real, stats.d_fake):
        assert value.dim() == 0 and not value.requires_grad


def test_d_step_leaves_generator_alone() -> None:
    """The fakes are detached: G's parameters and its .grad are exactly as before."""
    G, D = _pair()
    for p in G.parameters():
        p.grad = torch.full_like(p, 0.25)  # stale gradients that must survive untouched
    before = _snapshot(G)
    opt_d = torch.optim.SGD(D.parameters(), lr=LR)
    ssgan_d_step(G, D, opt_d, *_batches())
    for p, b in zip(G.parameters(), before, strict=True):
        assert torch.equal(p.detach(), b)
        assert torch.equal(p.grad, torch.full_like(p, 0.25))


def test_feature_matching_gradient_reaches_generator_only() -> None:
    G, D = _pair()
    _, _, x_unl, z = _batches()
    G_ref, D_ref = copy.deepcopy(G), copy.deepcopy(D)
    # by hand: mean over features of the squared difference of the batch-mean features
    f_real = D_ref.features(x_unl).detach().mean(0)
    f_fake = D_ref.features(G_ref(z)).mean(0)
    expected = (f_real - f_fake).square().mean()
    expected.backward()
    g_grads = [p.grad.clone() for p in G_ref.parameters()]
    assert any(float(g.abs().max()) > 0 for g in g_grads)
    want = [p.detach() - LR * g for p, g in zip(G_ref.parameters(), g_grads, strict=True)]

    D_before = _snapshot(D)
    opt_g = torch.optim.SGD(G.parameters(), lr=LR)
    stats = ssgan_g_step(G, D, opt_g, x_unl, z)
    assert torch.allclose(stats.loss, expected.detach(), atol=1e-12)
    for got, ref in zip(G.parameters(), want, strict=True):
        assert torch.allclose(got, ref, atol=1e-12)
    for p, b in zip(D.parameters(), D_before, strict=True):
        assert torch.equal(p.detach(), b) and p.grad is None
        assert p.requires_grad  # unfrozen again


def test_nonsaturating_g_step_is_softplus_of_minus_lse() -> None:
    G, D = _pair()
    _, _, x_unl, z = _batches()
    opt_g = torch.optim.SGD(G.parameters(), lr=LR)
    with torch.no_grad():
        z_fake = D(copy.deepcopy(G)(z)).exp().sum(1)
    stats = ssgan_g_step(G, D, opt_g, x_unl, z, loss="nonsaturating")
    expected = -(z_fake / (z_fake + 1)).log().mean()
    assert torch.allclose(stats.loss, expected, atol=1e-12)
    with pytest.raises(ValueError, match="feature_matching"):
        ssgan_g_step(G, D, opt_g, x_unl, z, loss="minimax")  # type: ignore[arg-type]


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9])
def test_ema_is_the_closed_form(decay: float) -> None:
    model = nn.Linear(3, 2).double()
    ema = ema_model(model, decay)
    gen = torch.Generator().manual_seed(0)
    thetas = []
    for _ in range(6):
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        thetas.append(_snapshot(model))
        ema.update_parameters(model)
    t = len(thetas)
    for i, p_avg in enumerate(ema.module.parameters()):
        closed = decay ** (t - 1) * thetas[0][i] + sum(
            (1 - decay) * decay ** (t - s) * thetas[s - 1][i] for s in range(2, t + 1)
        )
        assert torch.allclose(p_avg, closed, atol=1e-12)
    if decay == 0.0:  # keeps only the last parameters
        assert torch.allclose(next(ema.module.parameters()), thetas[-1][0])


def test_ema_of_weight_normed_discriminator_follows_training() -> None:
    """In the step function the EMA is updated after every D step (parametrised weights)."""
    G, D = _pair()
    cfg = SSGANConfig(labelled_batch=4, unlabelled_batch=5, ema_decay=0.0)
    opt_g, opt_d = make_optimizers(G, D, cfg)
    ema = ema_model(D, cfg.ema_decay)
    x_lab, y_lab, x_unl, _ = _batches()
    step = ssgan_step_fn(
        G, D, opt_g, opt_d, labelled_batches(x_lab, y_lab), random_batches(x_unl), cfg, ema=ema
    )
    out = step(0)
    assert set(out) == {"loss_D", "loss_sup", "loss_unsup", "loss_G", "D(x)", "D(G(z))", "acc_lab"}
    assert all(v.dim() == 0 for v in out.values())
    D.eval(), ema.module.eval()
    with torch.no_grad():  # decay 0: the average is the current D
        assert torch.allclose(ema.module(x_unl), D(x_unl), atol=1e-12)


def test_trainer_runs_ssgan_and_supervised_baseline() -> None:
    G, D = _pair(noise=0.3)
    x_lab, y_lab, x_unl, _ = _batches()
    cfg = SSGANConfig(labelled_batch=4, unlabelled_batch=5, lr_d=1e-2, lr_g=1e-2)
    opt_g, opt_d = make_optimizers(G, D, cfg)
    step = ssgan_step_fn(
        G, D, opt_g, opt_d, labelled_batches(x_lab, y_lab), random_batches(x_unl), cfg
    )
    hist = Trainer(
        step, {"G": G, "D": D}, {"G": opt_g, "D": opt_d}, TrainConfig(steps=20, progress=False)
    ).fit()
    assert len(hist["loss_D"]) == 20 and all(math.isfinite(v) for v in hist["loss_D"])

    _, C = _pair(seed=3)
    sc = SupervisedConfig(batch=5, lr=0.05)
    opt = torch.optim.Adam(C.parameters(), lr=sc.lr, betas=sc.betas)
    hist = Trainer(
        supervised_step_fn(C, opt, labelled_batches(x_lab, y_lab), sc),
        {"C": C},
        {"C": opt},
        TrainConfig(steps=200, log_every=50, progress=False),
    ).fit()
    # five labelled points in 4-d: the classifier fits them
    assert hist["loss_sup"][-1] < 0.2 * hist["loss_sup"][0]


def _digits(n_per_class: int = 7, classes: int = 10) -> DigitSet:
    labels = torch.arange(classes).repeat_interleave(n_per_class)
    perm = torch.randperm(labels.numel(), generator=torch.Generator().manual_seed(0))
    labels = labels[perm]
    images = labels.float()[:, None, None, None].expand(-1, 1, 28, 28).clone()
    return DigitSet(images=images, labels=labels, name="fake", scale="unit")


def test_stratified_subset_has_n_per_class_and_is_reproducible() -> None:
    digits = _digits()
    a = stratified_subset(digits, 3, seed=5)
    assert torch.equal(torch.bincount(a.labels, minlength=10), torch.full((10,), 3))
    # images travel with their labels
    assert torch.equal(a.images[:, 0, 0, 0].long(), a.labels)
    b = stratified_subset(digits, 3, seed=5)
    assert torch.equal(a.labels, b.labels) and torch.equal(a.images, b.images)
    i5 = stratified_indices(digits.labels, 3, seed=5)
    assert i5.unique().numel() == 30  # without replacement
    assert not torch.equal(i5, stratified_indices(digits.labels, 3, seed=6))
    with pytest.raises(ValueError, match="fewer than per_class=8"):
        stratified_subset(digits, 8, seed=0)
    with pytest.raises(ValueError, match="per_class"):
        stratified_indices(digits.labels, 0, seed=0)


class _NoisyOracle(nn.Module):
    """Right in eval mode (logit = pixel value class), always class 0 in training mode."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls = x[:, 0, 0, 0].long()  # (B,)
        if self.training:
            cls = torch.zeros_like(cls)
        return nn.functional.one_hot(cls, 10).float() + 0 * self.w  # (B, 10)


def test_error_rate_uses_eval_mode_and_restores_it() -> None:
    digits = _digits()
    model = _NoisyOracle().train()
    assert error_rate(model, digits, batch_size=16) == 0.0
    assert model.training
    digits_wrong = DigitSet(
        images=digits.images, labels=(digits.labels + 1) % 10, name="x", scale="unit"
    )
    assert error_rate(model.eval(), digits_wrong) == 1.0 and not model.training
    half = DigitSet(
        images=digits.images,
        labels=torch.where(digits.labels < 5, digits.labels, (digits.labels + 1) % 10),
        name="y",
        scale="unit",
    )
    assert math.isclose(error_rate(model, half), 0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"labelled_batch": 0}, "labelled_batch must be a positive int"),
        ({"unlabelled_batch": 2.5}, "unlabelled_batch must be a positive int"),
        ({"lr_d": -1e-3}, "lr_d must be a finite number > 0"),
        ({"lr_g": float("nan")}, "lr_g must be a finite number > 0"),
        ({"betas": (0.5, 1.0)}, "betas must be a pair"),
        ({"g_loss": "minimax"}, "g_loss must be one of"),
        ({"unlabelled_weight": 0}, "unlabelled_weight must be a finite number > 0"),
        ({"ema_decay": 1.0}, r"ema_decay must be a float in \[0, 1\)"),
    ],
)
def test_ssgan_config_rejects_bad_values(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SSGANConfig(**kwargs)


def test_supervised_config_and_step_fn_reject_bad_values() -> None:
    with pytest.raises(ValueError, match="batch must be a positive int"):
        SupervisedConfig(batch=0)
    with pytest.raises(ValueError, match="ema_decay"):
        SupervisedConfig(ema_decay=-0.1)
    with pytest.raises(ValueError, match="ema_decay"):
        ema_model(nn.Linear(2, 2), 1.5)
    G, D = _pair()
    opt_g, opt_d = make_optimizers(G, D, SSGANConfig())
    sampler = labelled_batches(*_batches()[:2])
    with pytest.raises(ValueError, match="SSGANConfig"):
        ssgan_step_fn(G, D, opt_g, opt_d, sampler, lambda n: None, SupervisedConfig())  # type: ignore[arg-type]
    bad_opt = torch.optim.SGD(list(G.parameters()) + list(D.parameters()), lr=0.1)
    with pytest.raises(ValueError, match="opt_g optimises parameters of the discriminator"):
        ssgan_step_fn(G, D, bad_opt, opt_d, sampler, lambda n: None, SSGANConfig())
    with pytest.raises(ValueError, match="as many labels as images"):
        labelled_batches(torch.zeros(3, 4), torch.zeros(2, dtype=torch.long))


def test_data_dependent_init_standardises_every_weight_normed_layer() -> None:
    torch.manual_seed(0)
    D = SSGANDiscriminator(
        SSGANDiscriminatorConfig(
            num_classes=K, data_shape=(4,), hidden=(8, 6), input_noise_std=0, hidden_noise_std=0
        )
    ).double()
    x = 3 + 2 * torch.randn(64, 4, dtype=torch.float64)
    assert data_dependent_init(D, x, scale=0.5) == 3
    pre = []  # every linear layer's output after the init, on the same batch
    hooks = [
        m.register_forward_hook(lambda m, a, out: pre.append(out.detach()))
        for m in D.modules()
        if isinstance(m, nn.Linear)
    ]
    with torch.no_grad():
        D(x)
    for h in hooks:
        h.remove()
    assert len(pre) == 3
    for out in pre:  # mean 0 and standard deviation `scale` per unit
        assert torch.allclose(out.mean(0), torch.zeros(out.shape[1], dtype=out.dtype), atol=1e-9)
        assert torch.allclose(out.std(0), torch.full((out.shape[1],), 0.5, dtype=out.dtype))
    with pytest.raises(ValueError, match="no weight-normalised linear layer"):
        data_dependent_init(nn.Linear(4, 2), x)
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        data_dependent_init(D, x, scale=0.0)
