"""Faithful re-implementations of the training loops people would otherwise use.

Written here from the published code's structure, to be timed against gancourse by
``benchmarks/bench_steps.py``:

- :class:`ReferenceDCGAN`: the pytorch/examples DCGAN (``dcgan/main.py``): ``ngf = ndf = 64``,
  ``nz = 100``, 64 x 64 images, ``Sigmoid`` at the end of D with ``nn.BCELoss``, Adam(2e-4,
  betas (0.5, 0.999)), float32, eager. One iteration: D on the real batch (label 1) and on
  ``fake.detach()`` (label 0), one D update, then the G update through D on the *same* fakes; the
  five logged numbers are read with ``.item()`` every iteration, as its print statement does;
  the batch is moved to the device every iteration, as a DataLoader's CPU batch is.
- :class:`ReferenceWGANGP`: a WGAN-GP step in the style of the MNIST code of Gulrajani et al.
  (2017) (``gan_mnist.py``): ``DIM = 64``, 128-d noise, a conv critic without batch norm,
  ``n_critic = 5``, ``lambda = 10``, Adam(1e-4, betas (0.5, 0.9)), one interpolation weight per
  sample, the critic cost read back every critic iteration (``session.run`` returns it).

The layers are those of the references, so the modules are separate from gancourse's (they differ
only in three bias vectors: gancourse gives a bias to every convolution not followed by batch
norm, pytorch/examples to none). ``tests/test_benchmarks.py`` loads the same weights into both
sides and checks that one iteration of each moves the parameters the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

__all__ = [
    "RefDCGANDiscriminator",
    "RefDCGANGenerator",
    "RefWGANCritic",
    "RefWGANGenerator",
    "ReferenceDCGAN",
    "ReferenceWGANGP",
    "dcgan_weights_init",
]


def dcgan_weights_init(m: nn.Module) -> None:
    """pytorch/examples' ``weights_init``: conv weights N(0, 0.02), batch norm N(1, 0.02), 0."""
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class RefDCGANGenerator(nn.Module):
    """pytorch/examples' ``Generator``: ``(B, nz, 1, 1) -> (B, nc, 64, 64)``."""

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 1) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),  # -> (B, 8 ngf, 4, 4)
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),  # -> (B, 4 ngf, 8, 8)
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),  # -> (B, 2 ngf, 16, 16)
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),  # -> (B, ngf, 32, 32)
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # -> (B, nc, 64, 64)
            nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z)


class RefDCGANDiscriminator(nn.Module):
    """pytorch/examples' ``Discriminator``: ``(B, nc, 64, 64) -> (B,)`` probabilities."""

    def __init__(self, ndf: int = 64, nc: int = 1) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),  # -> (B, ndf, 32, 32)
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # -> (B, 2 ndf, 16, 16)
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),  # -> (B, 4 ndf, 8, 8)
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),  # -> (B, 8 ndf, 4, 4)
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),  # -> (B, 1, 1, 1)
            nn.Sigmoid(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).view(-1, 1).squeeze(1)  # (B, 1, 1, 1) -> (B,)


class ReferenceDCGAN:
    """One training iteration of pytorch/examples' DCGAN, as its loop body writes it."""

    def __init__(self, device: torch.device, nz: int = 100, ngf: int = 64, ndf: int = 64) -> None:
        self.device, self.nz = device, nz
        self.netG = RefDCGANGenerator(nz, ngf).to(device)
        self.netG.apply(dcgan_weights_init)
        self.netD = RefDCGANDiscriminator(ndf).to(device)
        self.netD.apply(dcgan_weights_init)
        self.criterion = nn.BCELoss()
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.real_label, self.fake_label = 1.0, 0.0

    def step(self, data: Tensor, noise: Tensor | None = None) -> tuple[float, ...]:
        """One iteration on the CPU batch ``data``; returns the five numbers the loop prints."""
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        real_cpu = data.to(self.device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), self.real_label, dtype=real_cpu.dtype, device=self.device)
        output = self.netD(real_cpu)
        errD_real = self.criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        if noise is None:
            noise = torch.randn(batch_size, self.nz, 1, 1, device=self.device)
        fake = self.netG(noise)
        label.fill_(self.fake_label)
        output = self.netD(fake.detach())
        errD_fake = self.criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        self.optimizerD.step()
        # (2) Update G: maximize log(D(G(z)))
        self.netG.zero_grad()
        label.fill_(self.real_label)  # fake labels are real for generator cost
        output = self.netD(fake)
        errG = self.criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        self.optimizerG.step()
        return errD.item(), errG.item(), D_x, D_G_z1, D_G_z2


DIM = 64  # gan_mnist.py's model width
NOISE_DIM = 128


class RefWGANGenerator(nn.Module):
    """gan_mnist.py's generator (WGAN-GP mode, no batch norm): 128-d noise -> (B, 1, 28, 28) in
    [0, 1]. Its ``Deconv2D`` doubles the size ("SAME" padding, stride 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(NOISE_DIM, 4 * 4 * 4 * DIM)  # (B, 128) -> (B, 4096)
        self.up2 = nn.ConvTranspose2d(4 * DIM, 2 * DIM, 5, 2, 2, output_padding=1)  # 4 -> 8
        self.up3 = nn.ConvTranspose2d(2 * DIM, DIM, 5, 2, 2, output_padding=1)  # 7 -> 14
        self.up5 = nn.ConvTranspose2d(DIM, 1, 5, 2, 2, output_padding=1)  # 14 -> 28

    def forward(self, z: Tensor) -> Tensor:
        x = torch.relu(self.fc(z)).view(-1, 4 * DIM, 4, 4)  # (B, 256, 4, 4)
        x = torch.relu(self.up2(x))[:, :, :7, :7]  # (B, 128, 8, 8) -> cropped (B, 128, 7, 7)
        x = torch.relu(self.up3(x))  # (B, 64, 14, 14)
        return torch.sigmoid(self.up5(x))  # (B, 1, 28, 28)


class RefWGANCritic(nn.Module):
    """gan_mnist.py's discriminator (WGAN-GP mode, no batch norm): (B, 1, 28, 28) -> (B,)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, DIM, 5, 2, 2)  # -> (B, 64, 14, 14)
        self.c2 = nn.Conv2d(DIM, 2 * DIM, 5, 2, 2)  # -> (B, 128, 7, 7)
        self.c3 = nn.Conv2d(2 * DIM, 4 * DIM, 5, 2, 2)  # -> (B, 256, 4, 4)
        self.fc = nn.Linear(4 * 4 * 4 * DIM, 1)  # (B, 4096) -> (B, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = nn.functional.leaky_relu(self.c1(x), 0.2)
        x = nn.functional.leaky_relu(self.c2(x), 0.2)
        x = nn.functional.leaky_relu(self.c3(x), 0.2)
        return self.fc(x.reshape(-1, 4 * 4 * 4 * DIM)).view(-1)  # (B,)


class ReferenceWGANGP:
    """One generator iteration of gan_mnist.py: a G update (from the second iteration on, as
    there), then ``critic_iters`` critic updates, each on a fresh real batch."""

    def __init__(self, device: torch.device, critic_iters: int = 5, lam: float = 10.0) -> None:
        self.device, self.critic_iters, self.lam = device, critic_iters, lam
        self.netG = RefWGANGenerator().to(device)
        self.netD = RefWGANCritic().to(device)
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=1e-4, betas=(0.5, 0.9))
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=1e-4, betas=(0.5, 0.9))
        self.iteration = 0

    def generator_update(self, batch_size: int, noise: Tensor | None = None) -> None:
        for p in self.netD.parameters():  # gen_train_op minimises over gen_params only
            p.requires_grad_(False)
        self.netG.zero_grad()
        if noise is None:
            noise = torch.randn(batch_size, NOISE_DIM, device=self.device)
        gen_cost = -self.netD(self.netG(noise)).mean()
        gen_cost.backward()
        self.optimizerG.step()
        for p in self.netD.parameters():
            p.requires_grad_(True)

    def critic_update(
        self, data: Tensor, noise: Tensor | None = None, alpha: Tensor | None = None
    ) -> float:
        real = data.to(self.device)
        b = real.size(0)
        if noise is None:
            noise = torch.randn(b, NOISE_DIM, device=self.device)
        with torch.no_grad():  # the critic's train op does not touch the generator
            fake = self.netG(noise)
        self.netD.zero_grad()
        disc_cost = self.netD(fake).mean() - self.netD(real).mean()
        if alpha is None:
            alpha = torch.rand(b, 1, 1, 1, device=self.device)  # one weight per sample
        interpolates = (real + alpha * (fake - real)).requires_grad_(True)
        out = self.netD(interpolates)
        (gradients,) = torch.autograd.grad(out.sum(), interpolates, create_graph=True)
        slopes = gradients.reshape(b, -1).norm(2, dim=1)
        disc_cost = disc_cost + self.lam * ((slopes - 1.0) ** 2).mean()
        disc_cost.backward()
        self.optimizerD.step()
        return disc_cost.item()  # session.run returns the cost every critic iteration

    def step(self, next_batch: Callable[[], Tensor], batch_size: int) -> float:
        if self.iteration > 0:
            self.generator_update(batch_size)
        cost = 0.0
        for _ in range(self.critic_iters):
            cost = self.critic_update(next_batch())
        self.iteration += 1
        return cost
