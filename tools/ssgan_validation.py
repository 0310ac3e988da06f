"""Chapter 6's settings on a validation split: SSGAN and supervised-only error, never the test set.

The ``standard`` settings of chapter 6 (classifier size, steps, unlabelled weight) were chosen
with this script. It carves 500 digits out of the 4,500 embedded training digits as a validation
set (seed 1234), trains the supervised-only baseline and the semi-supervised GAN on the other
4,000 with the labels of 10 digits per class, and prints both validation errors and their ratio,
for one or more labelled subsets::

    python tools/ssgan_validation.py                       # the chapter's settings, subsets 0-2
    python tools/ssgan_validation.py --steps 4000 --weight 2 --label-seeds 0

One run of both classifiers takes about four minutes on 2 CPU cores with the chapter's 8,000
steps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gancourse.data import load_digits  # noqa: E402
from gancourse.data.digitset import DigitSet  # noqa: E402
from gancourse.models.ssgan import (  # noqa: E402
    SSGANDiscriminator,
    SSGANDiscriminatorConfig,
    SSGANGenerator,
    SSGANGeneratorConfig,
)
from gancourse.seed import seed_everything  # noqa: E402
from gancourse.training.gan import random_batches  # noqa: E402
from gancourse.training.ssgan import (  # noqa: E402
    SSGANConfig,
    SupervisedConfig,
    data_dependent_init,
    ema_model,
    error_rate,
    labelled_batches,
    make_optimizers,
    ssgan_step_fn,
    stratified_subset,
    supervised_step_fn,
)


def validation_split(n_val: int = 500, seed: int = 1234) -> tuple[DigitSet, DigitSet]:
    """``(train, validation)``: the embedded training digits split in two, test digits unseen."""
    digits = load_digits("train", scale="unit")
    perm = torch.randperm(len(digits), generator=torch.Generator().manual_seed(seed))

    def part(index: torch.Tensor, name: str) -> DigitSet:
        return DigitSet(digits.images[index], digits.labels[index], name, digits.scale)

    return part(perm[n_val:], "digits/train-minus-val"), part(perm[:n_val], "digits/val")


def run(mode: str, train: DigitSet, val: DigitSet, args: argparse.Namespace, label_seed: int):
    """Train ``mode`` (``"ssgan"`` or ``"supervised"``); return its EMA's validation error."""
    labelled = stratified_subset(train, 10, seed=label_seed)
    sample_labelled = labelled_batches(labelled.images, labelled.labels)
    d_config = SSGANDiscriminatorConfig(hidden=tuple(args.hidden))

    def decay(step: int) -> float:  # the chapter's schedule: flat for a third, then to 0
        return min(1.0, 1.5 * (1 - step / args.steps))

    seed_everything(0)
    D = SSGANDiscriminator(d_config)
    data_dependent_init(D, train.images[:500])
    ema = ema_model(D, args.ema)
    if mode == "supervised":
        config = SupervisedConfig(batch=100, lr=args.lr, ema_decay=args.ema)
        opt = torch.optim.Adam(D.parameters(), lr=args.lr, betas=config.betas)
        step = supervised_step_fn(D, opt, sample_labelled, config, ema=ema)
        optimizers = [opt]
    else:
        config = SSGANConfig(
            labelled_batch=100,
            unlabelled_batch=100,
            lr_d=args.lr,
            lr_g=args.lr,
            unlabelled_weight=args.weight,
            ema_decay=args.ema,
        )
        G = SSGANGenerator(SSGANGeneratorConfig())
        opt_g, opt_d = make_optimizers(G, D, config)
        step = ssgan_step_fn(
            G, D, opt_g, opt_d, sample_labelled, random_batches(train.images), config, ema=ema
        )
        optimizers = [opt_g, opt_d]
    schedulers = [torch.optim.lr_scheduler.LambdaLR(o, decay) for o in optimizers]
    for i in range(args.steps):
        step(i)
        for s in schedulers:
            s.step()
    return error_rate(ema.module, val)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=8000)
    p.add_argument("--hidden", type=int, nargs="+", default=[250, 250])
    p.add_argument("--weight", type=float, default=1.0, help="the unlabelled weight w")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--ema", type=float, default=0.99)
    p.add_argument("--label-seeds", type=int, nargs="+", default=[0, 1, 2])
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error(f"--steps must be positive, got {args.steps}")
    train, val = validation_split()
    print(f"{len(train)} training digits, {len(val)} validation digits; {vars(args)}")
    print(f"{'labelled subset':>16} {'supervised':>11} {'SSGAN':>8} {'ratio':>6} {'seconds':>8}")
    ratios = []
    for seed in args.label_seeds:
        start = time.perf_counter()
        sup = run("supervised", train, val, args, seed)
        ssgan = run("ssgan", train, val, args, seed)
        ratios.append(ssgan / sup if sup > 0 else float("nan"))
        print(
            f"{seed:>16} {100 * sup:10.1f}% {100 * ssgan:7.1f}% {ratios[-1]:6.2f} "
            f"{time.perf_counter() - start:8.0f}",
            flush=True,
        )
    print(f"mean ratio {statistics.fmean(ratios):.2f}, worst {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
