"""The speed benchmark compares like with like: with the same weights, the same batch and the same
noise, one iteration of each reference loop and of gancourse's step moves the parameters the same
way. The benchmark script itself runs end to end and writes its table."""

from __future__ import annotations

import pytest
import torch

from benchmarks import bench_steps
from benchmarks.reference import ReferenceDCGAN, ReferenceWGANGP
from gancourse.models import ConvCritic, ConvGenerator
from gancourse.training.fast import adam
from gancourse.training.gan import d_step, g_step
from gancourse.training.wgan import WGANConfig, critic_step, generator_step

B = 6


def _shared_close(ref: torch.nn.Module, ours: torch.nn.Module, names: dict[str, str]) -> None:
    """Every parameter of ``ref`` equals its namesake in ``ours`` (names mapped by prefix)."""
    own = dict(ours.named_parameters())
    for name, p in ref.named_parameters():
        for old, new in names.items():
            if name.startswith(old):
                name = new + name[len(old) :]
                break
        torch.testing.assert_close(own[name], p, rtol=1e-9, atol=1e-12, msg=name)


def _freeze_extras(module: torch.nn.Module, extras: list[str]) -> None:
    params = dict(module.named_parameters())
    for name in extras:
        if name in params:
            params[name].requires_grad_(False)  # zero biases the reference does not have


def _dcgan_twins():
    """The reference and gancourse's DCGAN (ngf = ndf = 8) with the same float64 weights, their
    optimisers, a real batch and noise."""
    torch.manual_seed(0)
    ref = ReferenceDCGAN(torch.device("cpu"), ngf=8, ndf=8)
    ref.netG.double()
    ref.netD.double()
    G, D = bench_steps.gancourse_dcgan64(ngf=8, ndf=8)
    _freeze_extras(G, bench_steps.copy_weights(ref.netG, G, bench_steps.DCGAN_G_NAMES))
    _freeze_extras(D, bench_steps.copy_weights(ref.netD, D, bench_steps.DCGAN_D_NAMES))
    G.double()
    D.double()
    opt_g = adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(B, 1, 64, 64, dtype=torch.float64) * 2 - 1
    z = torch.randn(B, 100, dtype=torch.float64)
    return ref, G, D, opt_g, opt_d, real, z


def test_dcgan_iteration_matches_pytorch_examples():
    ref, G, D, opt_g, opt_d, real, z = _dcgan_twins()
    before = [p.detach().clone() for p in [*ref.netG.parameters(), *ref.netD.parameters()]]

    err_d, err_g, d_x, d_g_z1, d_g_z2 = ref.step(real, noise=z.view(B, 100, 1, 1))
    d_stats = d_step(G, D, opt_d, real, z)
    g_stats = g_step(G, D, opt_g, z)  # the reference reuses the D step's noise for G

    assert d_stats.loss.item() == pytest.approx(err_d, rel=1e-9)
    assert g_stats.loss.item() == pytest.approx(err_g, rel=1e-9)
    assert d_stats.d_real.item() == pytest.approx(d_x, rel=1e-9)
    assert d_stats.d_fake.item() == pytest.approx(d_g_z1, rel=1e-9)
    assert g_stats.d_fake.item() == pytest.approx(d_g_z2, rel=1e-9)
    _shared_close(ref.netD, D, bench_steps.DCGAN_D_NAMES)
    _shared_close(ref.netG, G, bench_steps.DCGAN_G_NAMES)
    # and the iteration did move them (two unchanged copies would also compare equal)
    after = [*ref.netG.parameters(), *ref.netD.parameters()]
    assert all(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


def test_dcgan_check_above_catches_fresh_noise_in_the_generator_step():
    ref, G, D, opt_g, opt_d, real, z = _dcgan_twins()
    ref.step(real, noise=z.view(B, 100, 1, 1))
    d_step(G, D, opt_d, real, z)
    g_step(G, D, opt_g, torch.randn_like(z))
    with pytest.raises(AssertionError):
        _shared_close(ref.netG, G, bench_steps.DCGAN_G_NAMES)


def test_wgan_gp_iteration_matches_the_paper_code():
    torch.manual_seed(1)
    ref = ReferenceWGANGP(torch.device("cpu"))
    ref.netG.double()
    ref.netD.double()
    G, f = ConvGenerator(), ConvCritic()
    assert bench_steps.copy_weights(ref.netG, G, bench_steps.WGAN_G_NAMES) == []
    assert bench_steps.copy_weights(ref.netD, f, bench_steps.WGAN_D_NAMES) == []
    G.double()
    f.double()
    opt_g = adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
    opt_c = adam(f.parameters(), lr=1e-4, betas=(0.5, 0.9))
    config = WGANConfig(B, precision="float32")
    before = [p.detach().clone() for p in f.parameters()]
    for k in range(2):  # two critic updates, then a generator update
        real = torch.rand(B, 1, 28, 28, dtype=torch.float64)
        z = torch.randn(B, 128, dtype=torch.float64)
        u = torch.rand(B, 1, 1, 1, generator=torch.Generator().manual_seed(k), dtype=torch.float64)
        # gancourse: x_hat = u real + (1 - u) fake; the reference: real + alpha (fake - real)
        cost = ref.critic_update(real, noise=z, alpha=1 - u)
        stats = critic_step(
            G, f, opt_c, real, z, config, eps_generator=torch.Generator().manual_seed(k)
        )
        assert stats.loss.item() == pytest.approx(cost, rel=1e-9)
        _shared_close(ref.netD, f, bench_steps.WGAN_D_NAMES)
    # every weight moved (the last bias cannot: it cancels in mean f(fake) - mean f(real))
    moved = {
        n for (n, p), b in zip(f.named_parameters(), before, strict=True) if not torch.equal(p, b)
    }
    assert moved == {n for n, _ in f.named_parameters()} - {"score.bias"}
    z = torch.randn(B, 128, dtype=torch.float64)
    ref.generator_update(B, noise=z)
    generator_step(G, f, opt_g, z)
    _shared_close(ref.netG, G, bench_steps.WGAN_G_NAMES)
    _shared_close(ref.netD, f, bench_steps.WGAN_D_NAMES)  # the G step left the critic alone


def test_copy_weights_refuses_names_the_target_lacks():
    with pytest.raises(KeyError, match="no entries"):
        bench_steps.copy_weights(ConvCritic(), ConvGenerator(), {})


def test_write_section_replaces_only_its_device(tmp_path):
    out = tmp_path / "RESULTS.md"
    bench_steps.write_section(out, "cpu", "## CPU: first")
    bench_steps.write_section(out, "cuda", "## CUDA: gpu figures")
    bench_steps.write_section(out, "cpu", "## CPU: second")
    text = out.read_text()
    assert "second" in text and "first" not in text and "gpu figures" in text
    assert text.count("<!-- device: cpu -->") == 1


@pytest.mark.slow
def test_the_script_runs_and_writes_a_table(tmp_path, capsys):
    out = tmp_path / "RESULTS.md"
    code = bench_steps.main(
        ["--device", "cpu", "--rounds", "1", "--steps", "1", "--warmup", "0", "--out", str(out)]
    )
    assert code == 0
    text = out.read_text()
    for pair in bench_steps.PAIRS:
        for side in ("reference", "gancourse", "gancourse float32"):
            assert f"| {pair} | {side} |" in text
    assert "## CPU: " in text and "logical CPUs" in text


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--steps", "-1"], ["--pairs", "vae"]])
def test_the_script_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit) as err:
        bench_steps.parse(argv)
    assert err.value.code == 2
