"""Random VQGAN checkpoints in OFA's published layout (``model.yaml`` + ``last.ckpt``), for tests and benchmarks.

    python3 -m ofa_export.make_vqgan_checkpoint --output build/vqgan-random [--shape real|small] [--seed 1]

``real`` is the published model's shape (ch 128, ch_mult [1,1,2,4], 2 res blocks, attention at 32, z 256, 8192
codes: about 70M parameters); ``small`` is the reference fixture's (ch 32, 1 res block, z 32). Every parameter is
random, GroupNorm's included (ones and zeros would hide bugs): convs normal(0, 1/sqrt(fan_in)), GroupNorm weight
1 + normal(0, 0.1) and bias normal(0, 0.1), the codebook normal(0, 1); the quantizer's ``proj`` is scaled up so
the logits are peaked, as in a trained model, which keeps most top-1/top-2 margins far above float noise.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

from .vqgan import GumbelVq, VqganConfig

REAL_SHAPE = VqganConfig(ch=128, ch_mult=(1, 1, 2, 4), num_res_blocks=2, attn_resolutions=(32,), z_channels=256,
                         embed_dim=256, n_embed=8192)
SMALL_SHAPE = VqganConfig(ch=32, ch_mult=(1, 1, 2, 4), num_res_blocks=1, attn_resolutions=(32,), z_channels=32,
                          embed_dim=32, n_embed=8192)
SHAPES = {"real": REAL_SHAPE, "small": SMALL_SHAPE}
PROJ_GAIN = 8.0


def randomize(model: GumbelVq, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                gain = PROJ_GAIN if name == "quantize.proj" else 1.0
                module.weight.copy_(gain * torch.randn(module.weight.shape, generator=g) / math.sqrt(fan_in))
                module.bias.copy_(0.05 * torch.randn(module.bias.shape, generator=g))
            elif isinstance(module, torch.nn.GroupNorm):
                module.weight.copy_(1 + 0.1 * torch.randn(module.weight.shape, generator=g))
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=g))
            elif isinstance(module, torch.nn.Embedding):
                module.weight.copy_(torch.randn(module.weight.shape, generator=g))


def model_yaml(cfg: VqganConfig) -> str:
    """model.yaml in the published format (the fields inference ignores included)."""
    def seq(values):
        return "[" + ", ".join(str(v) for v in values) + "]"
    return f"""model:
  base_learning_rate: 4.5e-06
  target: taming.models.vqgan.GumbelVQ
  params:
    kl_weight: 1.0e-08
    embed_dim: {cfg.embed_dim}
    n_embed: {cfg.n_embed}
    temperature_scheduler_config:
      target: taming.lr_scheduler.LambdaWarmUpCosineScheduler
      params:
        warm_up_steps: 0
        max_decay_steps: 1000001
        lr_start: 0.9
        lr_max: 0.9
        lr_min: 1.0e-06
    ddconfig:
      double_z: false
      z_channels: {cfg.z_channels}
      resolution: {cfg.resolution}
      in_channels: {cfg.in_channels}
      out_ch: {cfg.out_ch}
      ch: {cfg.ch}
      ch_mult: {seq(cfg.ch_mult)}
      num_res_blocks: {cfg.num_res_blocks}
      attn_resolutions: {seq(cfg.attn_resolutions)}
      dropout: 0.0
    lossconfig:
      target: taming.modules.losses.vqperceptual.DummyLoss
"""


def write_vqgan_checkpoint(directory: Path, cfg: VqganConfig, seed: int) -> GumbelVq:
    """Writes model.yaml and last.ckpt ({"state_dict": ...}) into directory; returns the model (eval mode)."""
    directory.mkdir(parents=True, exist_ok=True)
    model = GumbelVq(cfg)
    randomize(model, seed)
    torch.save({"state_dict": model.state_dict()}, directory / "last.ckpt")
    (directory / "model.yaml").write_text(model_yaml(cfg), encoding="utf-8")
    return model.eval()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ofa make-vqgan-checkpoint", description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, type=Path, help="folder to write model.yaml and last.ckpt into")
    p.add_argument("--shape", choices=sorted(SHAPES), default="real")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    model = write_vqgan_checkpoint(args.output, SHAPES[args.shape], args.seed)
    print(f"Wrote {args.output} ({args.shape} shape, {sum(x.numel() for x in model.parameters()):,} parameters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
