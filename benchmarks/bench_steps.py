"""Time gancourse's training steps against re-implementations of the reference training loops.

Usage (from the repository root)::

    python benchmarks/bench_steps.py                      # CPU, and CUDA if present
    python benchmarks/bench_steps.py --device cuda --quality-steps 2000
    python benchmarks/bench_steps.py --rounds 3 --steps 1 --no-write   # a quick look

Two pairs, each with the same architecture, batch and data on both sides
(``benchmarks/reference.py`` has the references):

- ``dcgan64``: pytorch/examples' DCGAN (64 x 64 x 1 as with its ``--dataset mnist``, ngf = ndf =
  64, nz = 100, batch 128, Sigmoid + BCELoss, float32, eager, ``.item()`` every iteration, the
  batch moved to the device every iteration) against :class:`~gancourse.models.DCGANGenerator` and
  :class:`~gancourse.models.DCGANDiscriminator` of the same sizes trained by
  :func:`~gancourse.training.gan.gan_step_fn`. One step: one D update and one G update.
  gancourse draws fresh noise for the G update (Algorithm 1 of Goodfellow et al.) where
  pytorch/examples reuses the D update's fakes, so gancourse does one more forward pass of G per
  step: a handicap, left in because it is what the chapters run.
- ``wgan_gp``: a WGAN-GP iteration in the style of the paper's ``gan_mnist.py`` (conv critic,
  n_critic = 5, lambda = 10, batch 64) against :class:`~gancourse.models.ConvGenerator` and
  :class:`~gancourse.models.ConvCritic` trained by :func:`~gancourse.training.wgan.wgan_step_fn`.
  One step: five critic updates and one generator update.

Data: the embedded digits (resized to 64 x 64 for ``dcgan64``). The reference receives a CPU
batch per iteration, as a DataLoader hands it over (its drawing is not timed); gancourse samples
from a copy of the set on the device, as the chapters do.

Method: each side is built from the same initial weights and warmed up (this includes
``torch.compile``). Then ``--rounds`` rounds: in each, a block of ``--steps`` steps of every side,
in an order that rotates from round to round, synchronised with the device at the block's ends.
The figure per side is the median over rounds of the block time per step; the ratio is the
reference's median over the side's (above 1: faster than the reference). Besides gancourse with
its defaults, the table shows gancourse in float32 (``precision="float32"``), as a machine
without native bfloat16 runs it, to separate what mixed precision gives from the rest.

With ``--quality-steps N`` both the reference and gancourse are trained for N steps from the same
initial weights, and the digit FID of 1,000 samples of each is printed (64 x 64 samples are
averaged down to 28 x 28); lower is better.

The results go to ``benchmarks/RESULTS.md``, one section per device, with the machine named; a
run replaces the sections of the devices it measured and keeps the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks` and `gancourse` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.reference import (  # noqa: E402
    ReferenceDCGAN,
    ReferenceWGANGP,
)
from gancourse.data import load_digits  # noqa: E402
from gancourse.models import (  # noqa: E402
    ConvCritic,
    ConvGenerator,
    DCGANDiscriminator,
    DCGANDiscriminatorConfig,
    DCGANGenerator,
    DCGANGeneratorConfig,
)
from gancourse.training.fast import (  # noqa: E402
    adam,
    native_bf16,
    prepare,
    to_device_layout,
)
from gancourse.training.gan import GANStepConfig, gan_step_fn, random_batches  # noqa: E402
from gancourse.training.wgan import WGANConfig, wgan_step_fn  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PAIRS = ("dcgan64", "wgan_gp")
DCGAN_BATCH, WGAN_BATCH = 128, 64

# --------------------------------------------------------------------------- shared weights


def copy_weights(source: nn.Module, target: nn.Module, rename: dict[str, str]) -> list[str]:
    """Load ``source``'s parameters and buffers into ``target`` (names mapped by the prefix
    table ``rename``); ``target``'s entries that ``source`` lacks are zeroed. Returns their names.

    The references' convolutions have no biases where gancourse's have some; zero biases make the
    two networks compute the same function.
    """
    mapped = {}
    for name, value in source.state_dict().items():
        for old, new in rename.items():
            if name.startswith(old):
                name = new + name[len(old) :]
                break
        mapped[name] = value
    own = target.state_dict()
    unknown = sorted(set(mapped) - set(own))
    if unknown:
        raise KeyError(f"{type(target).__name__} has no entries {unknown}")
    missing = sorted(set(own) - set(mapped))
    with torch.no_grad():
        for name in missing:
            mapped[name] = torch.zeros_like(own[name])
    target.load_state_dict(mapped)
    return missing


DCGAN_G_NAMES = {"main.": "net."}
DCGAN_D_NAMES = {"main.": "net."}
WGAN_G_NAMES = {"fc.": "project.", "up2.": "up1.", "up3.": "up2.", "up5.": "up3."}
WGAN_D_NAMES = {"c1.": "conv1.", "c2.": "conv2.", "c3.": "conv3.", "fc.": "score."}


def gancourse_dcgan64(ngf: int = 64, ndf: int = 64) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """gancourse's DCGAN at the reference's sizes: 64 x 64 x 1, ngf = ndf = 64, nz = 100."""
    G = DCGANGenerator(DCGANGeneratorConfig(latent_dim=100, image_size=64, channels=1, ngf=ngf))
    D = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=64, channels=1, ndf=ndf))
    return G, D


# --------------------------------------------------------------------------------- data


def digits_at(size: int, scale: str) -> Tensor:
    """The embedded training digits, ``(4500, 1, size, size)`` on the CPU."""
    images = load_digits("train", scale=scale).images  # (N, 1, 28, 28)
    if size != 28:
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    return images.contiguous()


def cpu_batches(images: Tensor, batch: int, count: int, seed: int = 0) -> list[Tensor]:
    """``count`` random CPU batches, drawn before timing (a DataLoader's work is not timed)."""
    g = torch.Generator().manual_seed(seed)
    return [images[torch.randint(len(images), (batch,), generator=g)] for _ in range(count)]


# --------------------------------------------------------------------------------- sides


#: gancourse's two sides, ``(label, precision)``: the package defaults, and float32 as on a
#: machine without native bfloat16.
VARIANTS = (("gancourse", "auto"), ("gancourse float32", "float32"))


def prepared_pair(
    G: nn.Module,
    D: nn.Module,
    device: torch.device,
    channels_last: bool | None,
    *,
    lr: float,
    betas: tuple[float, float],
    compile_d: bool | None = None,
) -> tuple[nn.Module, nn.Module, torch.optim.Adam, torch.optim.Adam]:
    """Both networks on ``device`` in the package's fast layout, with fused Adam each."""
    G = prepare(G, device, channels_last=channels_last)
    D = prepare(D, device, channels_last=channels_last, compile=compile_d)
    return G, D, adam(G.parameters(), lr=lr, betas=betas), adam(D.parameters(), lr=lr, betas=betas)


@dataclass
class Side:
    """One thing to time: ``step(i)`` runs training step ``i``; ``sample(n)`` draws images."""

    name: str
    step: Callable[[int], object]
    sample: Callable[[int], Tensor]


def dcgan_sides(
    device: torch.device, images: Tensor, channels_last: bool | None = None
) -> list[Side]:
    """The reference and gancourse (defaults, and float32) on ``dcgan64``, same initial weights."""
    torch.manual_seed(0)
    ref = ReferenceDCGAN(device)
    batches = cpu_batches(images, DCGAN_BATCH, 16)
    sides = [
        Side(
            "reference",
            lambda i: ref.step(batches[i % len(batches)]),
            lambda n: ref.netG(torch.randn(n, 100, 1, 1, device=device)),
        )
    ]
    on_device = to_device_layout(images, device, channels_last=channels_last)
    for label, precision in VARIANTS:
        G, D = gancourse_dcgan64()
        copy_weights(ref.netG, G, DCGAN_G_NAMES)
        copy_weights(ref.netD, D, DCGAN_D_NAMES)
        G, D, opt_g, opt_d = prepared_pair(G, D, device, channels_last, lr=2e-4, betas=(0.5, 0.999))
        config = GANStepConfig(DCGAN_BATCH, precision=precision)
        step = gan_step_fn(G, D, opt_g, opt_d, random_batches(on_device), config)
        sides.append(Side(label, step, lambda n, G=G: G(G.sample_noise(n))))
    return sides


def wgan_sides(
    device: torch.device, images: Tensor, channels_last: bool | None = None
) -> list[Side]:
    """The reference and gancourse (defaults, and float32) on ``wgan_gp``, same initial weights."""
    torch.manual_seed(0)
    ref = ReferenceWGANGP(device)
    batches = cpu_batches(images, WGAN_BATCH, 64)
    counter = iter(range(10**12))

    def next_batch() -> Tensor:
        return batches[next(counter) % len(batches)]

    sides = [
        Side(
            "reference",
            lambda i: ref.step(next_batch, WGAN_BATCH),
            lambda n: ref.netG(torch.randn(n, 128, device=device)),
        )
    ]
    on_device = to_device_layout(images, device, channels_last=channels_last)
    for label, precision in VARIANTS:
        G, f = ConvGenerator(), ConvCritic()
        copy_weights(ref.netG, G, WGAN_G_NAMES)
        copy_weights(ref.netD, f, WGAN_D_NAMES)
        # the critic goes through double backpropagation, which compiled graphs do not support
        G, f, opt_g, opt_c = prepared_pair(
            G, f, device, channels_last, lr=1e-4, betas=(0.5, 0.9), compile_d=False
        )
        config = WGANConfig(WGAN_BATCH, n_critic=5, lambda_=10.0, precision=precision)
        step = wgan_step_fn(G, f, opt_g, opt_c, random_batches(on_device), config)
        sides.append(Side(label, step, lambda n, G=G: G(G.sample_noise(n))))
    return sides


# --------------------------------------------------------------------------------- timing


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_sides(
    sides: list[Side], device: torch.device, *, rounds: int, steps: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds per step of every side, one figure per round (blocks of ``steps`` steps)."""
    done = dict.fromkeys((s.name for s in sides), 0)
    for side in sides:  # warm-up: allocator, cuDNN autotuning, torch.compile
        for _ in range(warmup):
            side.step(done[side.name])
            done[side.name] += 1
        synchronize(device)
    times: dict[str, list[float]] = {s.name: [] for s in sides}
    for r in range(rounds):
        order = sides[r % len(sides) :] + sides[: r % len(sides)]  # rotate who goes first
        for side in order:
            synchronize(device)
            start = time.perf_counter()
            for _ in range(steps):
                side.step(done[side.name])
                done[side.name] += 1
            synchronize(device)
            times[side.name].append((time.perf_counter() - start) / steps)
    return times


@torch.no_grad()
def digit_fid(sides: list[Side], device: torch.device, n: int = 1000) -> dict[str, float]:
    """The digit FID of ``n`` samples of every side (64 x 64 samples averaged to 28 x 28)."""
    from gancourse.metrics.fid import DigitFID

    fid = DigitFID.load_or_train(device=device, progress=False)
    scores = {}
    for side in sides:
        torch.manual_seed(123)
        x = torch.cat([side.sample(500).float() for _ in range(n // 500)])
        if x.shape[-1] != 28:
            x = F.adaptive_avg_pool2d(x, 28)  # (n, 1, 64, 64) -> (n, 1, 28, 28)
        else:
            x = 2 * x - 1  # the WGAN-GP generator's [0, 1] -> the FID's [-1, 1]
        scores[side.name] = fid.score(x.clamp(-1, 1).cpu())
    return scores


# --------------------------------------------------------------------------------- report


def machine(device: torch.device) -> str:
    """The machine in words: CPU model and cores, or the GPU; torch version and threads; and
    whether it computes bfloat16 natively (which decides gancourse's default precision)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    bf16 = "native bfloat16" if native_bf16(device) else "no native bfloat16"
    text = f"{cpu}, {os.cpu_count()} logical CPUs, torch {torch.__version__}"
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        gib = props.total_memory / 2**30
        return f"{props.name} ({gib:.0f} GiB, {bf16}), CUDA {torch.version.cuda}; host: {text}"
    return f"{text}, {torch.get_num_threads()} threads, {bf16}"


def table(times: dict[str, list[float]], pair: str) -> list[str]:
    ref = statistics.median(times["reference"])
    rows = []
    for name, values in times.items():
        med = statistics.median(values)
        spread = f"{1000 * min(values):.1f}-{1000 * max(values):.1f}"
        ratio = "1.00 (baseline)" if name == "reference" else f"{ref / med:.2f}"
        rows.append(f"| {pair} | {name} | {1000 * med:.1f} | {spread} | {ratio} |")
    return rows


def write_section(path: Path, device_key: str, section: str) -> None:
    """Replace (or add) the section of ``device_key`` in ``path``, atomically."""
    begin, end = f"<!-- device: {device_key} -->", f"<!-- end: {device_key} -->"
    header = (
        "# Training-step benchmarks\n\n"
        "Written by `python benchmarks/bench_steps.py` (see its docstring for the method). "
        "Ratio: the reference's median time per step over the side's; above 1 is faster than "
        "the reference.\n"
    )
    text = path.read_text() if path.exists() else header
    block = f"{begin}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def run_device(device: torch.device, args: argparse.Namespace) -> tuple[str, str | None]:
    """Time the pairs on ``device`` (and train them for the FID comparison if asked); returns
    the timing section and the quality section (``None`` without ``--quality-steps``)."""
    command = " ".join(["python benchmarks/bench_steps.py", *args.argv])
    lines = [
        f"## {device.type.upper()}: {machine(device)}",
        "",
        f"{dt.date.today().isoformat()}; `{command}`; "
        f"{args.rounds} rounds of {args.steps} step(s) per side after {args.warmup} warm-up "
        "steps.",
        "",
        "| pair | side | median ms/step | range over rounds | ratio |",
        "|---|---|---|---|---|",
    ]
    fids: list[str] = []
    layout = {"auto": None, "on": True, "off": False}[args.channels_last]
    for pair in args.pairs:
        if pair == "dcgan64":
            build = lambda: dcgan_sides(device, digits_at(64, "tanh"), layout)  # noqa: E731
        else:
            build = lambda: wgan_sides(device, digits_at(28, "unit"), layout)  # noqa: E731
        sides = build()
        times = time_sides(sides, device, rounds=args.rounds, steps=args.steps, warmup=args.warmup)
        rows = table(times, pair)
        print("\n".join(rows), flush=True)
        lines += rows
        if args.quality_steps:
            sides = build()  # fresh models from the same initial weights
            for side in sides:
                for i in range(args.quality_steps):
                    side.step(i)
            scores = digit_fid(sides, device)
            fids.append(
                f"| {pair} | {args.quality_steps} | "
                + " | ".join(f"{scores[s.name]:.1f}" for s in sides)
                + " |"
            )
            print(fids[-1], flush=True)
    quality = None
    if fids:
        quality = "\n".join(
            [
                f"### {device.type.upper()}: sample quality after the same number of steps",
                "",
                f"{dt.date.today().isoformat()}; `{command}`. Digit FID of 1,000 samples "
                "(lower is better), each side trained from the same initial weights:",
                "",
                "| pair | steps | reference | gancourse | gancourse float32 |",
                "|---|---|---|---|---|",
                *fids,
            ]
        )
    return "\n".join(lines), quality


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="auto: the CPU, and CUDA too when present",
    )
    p.add_argument("--pairs", nargs="+", choices=PAIRS, default=list(PAIRS))
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--steps", type=int, default=None, help="steps per block (CPU 2, CUDA 20)")
    p.add_argument("--warmup", type=int, default=None, help="warm-up steps (CPU 2, CUDA 30)")
    p.add_argument("--quality-steps", type=int, default=0)
    p.add_argument(
        "--channels-last",
        choices=("auto", "on", "off"),
        default="auto",
        help="gancourse's layout: auto is the package default (gancourse.training.fast.prepare)",
    )
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)
    for name in ("rounds", "steps", "warmup", "quality_steps"):
        value = getattr(args, name)
        if value is not None and (value < 0 or (value == 0 and name in ("rounds", "steps"))):
            p.error(f"--{name.replace('_', '-')} must be positive, got {value}")
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print(
            "--device cuda: this PyTorch sees no CUDA device; run with --device cpu",
            file=sys.stderr,
        )
        return 2
    devices = {"cpu": ["cpu"], "cuda": ["cuda"]}.get(args.device)
    if devices is None:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for name in devices:
        device = torch.device(name)
        defaults = (2, 2) if device.type == "cpu" else (20, 30)
        run_args = argparse.Namespace(**vars(args))
        run_args.steps = args.steps or defaults[0]
        run_args.warmup = args.warmup if args.warmup is not None else defaults[1]
        section, quality = run_device(device, run_args)
        print(section if quality is None else f"{section}\n\n{quality}")
        if not args.no_write:
            write_section(args.out, device.type, section)
            if quality is not None:  # a run without --quality-steps keeps the last FID table
                write_section(args.out, f"{device.type}-quality", quality)
            print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
