"""Data-parallel BERT4Rec training with torchrun, starting from and ending in our checkpoints.

  torchrun --standalone --nproc_per_node 2 interop/pytorch/train_ddp.py \
      --checkpoint out/checkpoint-last --out out-ddp/checkpoint-last --epochs 10

Each process trains on its shard of the cloze samples built from the checkpoint's
sequences.safetensors (leave-one-out training prefixes, sliding windows, as our trainer);
DistributedDataParallel averages the gradients, so every process holds the same weights.
Rank 0 writes --out as one of our checkpoint directories (model, AdamW moments, config.json
with the new step, the sequences), which `npm run recommend` and `npm run train -- --resume`
read. gloo on CPU (the default without CUDA), nccl on GPUs (--device cuda).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert4rec_torch import load_model, load_optimizer_moments, load_sequences, read_checkpoint, save_checkpoint  # noqa: E402
from bert4rec_torch.data import IGNORE_INDEX, ClozeSamples, training_prefixes  # noqa: E402
from bert4rec_torch.optim import clip_global_norm, export_moments, linear_warmup_decay, load_moments, make_adamw, model_of  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="one of our checkpoint directories to start from")
    p.add_argument("--out", required=True, help="checkpoint directory to write (rank 0)")
    p.add_argument("--epochs", type=int, default=1, help="passes over the samples (default 1)")
    p.add_argument("--steps", type=int, default=0, help="stop after this many optimizer steps (0: run the epochs)")
    p.add_argument("--batch-size", type=int, default=0, help="samples per process per step (default: the checkpoint's train.batchSize / world size)")
    p.add_argument("--lr", type=float, default=0.0, help="peak learning rate (default: the checkpoint's train.lr)")
    p.add_argument("--schedule", choices=["linear", "constant"], default="linear", help="linear: warm-up then decay to 0 at the last step, as our trainer (default); constant: --lr throughout")
    p.add_argument("--warmup-fraction", type=float, default=None, help="linear warm-up share of the steps (default: the checkpoint's train.warmupFraction)")
    p.add_argument("--seed", type=int, default=None, help="seed of the masks and the shuffle (default: the checkpoint's train.seed)")
    p.add_argument("--fresh-optimizer", action="store_true", help="start AdamW from zero moments instead of the checkpoint's")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dist-backend", choices=["gloo", "nccl"], default=None, help="default: nccl on cuda, gloo on cpu")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads per process (default: torch's choice)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    a = parse_args(argv)
    if "RANK" not in os.environ:
        print("train_ddp.py: run it under torchrun (e.g. torchrun --standalone --nproc_per_node 2 interop/pytorch/train_ddp.py ...)", file=sys.stderr)
        return 2
    backend = a.dist_backend or ("nccl" if a.device == "cuda" else "gloo")
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if a.threads:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device, int(os.environ.get("LOCAL_RANK", 0))) if a.device == "cuda" else torch.device("cpu")
    if a.device == "cuda":
        torch.cuda.set_device(device)
    log = (lambda m: print(m, flush=True)) if rank == 0 else (lambda m: None)

    ck = read_checkpoint(a.checkpoint)
    tc = ck.config["train"]
    seed = tc["seed"] if a.seed is None else a.seed
    torch.manual_seed(seed + 7919 * rank)  # dropout differs per process, as a bigger batch's would
    model = load_model(ck).to(device)
    samples = ClozeSamples(training_prefixes(load_sequences(ck.dir)), ck.model_config.maxLen, ck.model_config.maskProb, model.mask_id, float(tc.get("maskLastFraction", 1)), seed)
    per_rank = a.batch_size or max(1, tc["batchSize"] // world)
    sampler = torch.utils.data.distributed.DistributedSampler(samples, num_replicas=world, rank=rank, shuffle=True, seed=seed)
    loader = torch.utils.data.DataLoader(samples, batch_size=per_rank, sampler=sampler)
    total = len(loader) * a.epochs if a.steps <= 0 else min(a.steps, len(loader) * a.epochs)
    peak = a.lr or float(tc["lr"])
    warmup = round(total * (tc["warmupFraction"] if a.warmup_fraction is None else a.warmup_fraction))
    schedule = linear_warmup_decay(peak, warmup, total) if a.schedule == "linear" else (lambda _step: peak)

    ddp = DDP(model, device_ids=[device.index] if a.device == "cuda" else None)
    opt = make_adamw(model, tc, peak)
    start_step = 0
    moments = None if a.fresh_optimizer else load_optimizer_moments(ck)
    if moments is not None:
        start_step, state = moments
        load_moments(opt, model, start_step, state)
    log(f"ddp: {world} processes ({backend}, {a.device}), {len(samples)} samples/epoch, {per_rank} per process per step, "
        f"{total} steps from checkpoint step {ck.step} (AdamW {'moments from the checkpoint' if moments else 'fresh'}), {a.schedule} schedule, peak lr {peak:g}, warm-up {warmup if a.schedule == 'linear' else 0}")

    clip = float(tc.get("clipNorm", 0))
    step, epoch = 0, 0
    t0 = time.time()
    while step < total:
        samples.set_epoch(ck.epoch + epoch + 1)
        sampler.set_epoch(ck.epoch + epoch)
        for ids, targets in loader:
            if step >= total:
                break
            ids, targets = ids.to(device), targets.to(device)
            rows = (targets.view(-1) != IGNORE_INDEX).nonzero().squeeze(1)
            ddp.train()
            logits = ddp(ids, ids != 0, rows)
            loss = F.cross_entropy(logits, targets.view(-1)[rows])
            opt.zero_grad(set_to_none=True)
            loss.backward()  # DDP all-reduces (averages) the gradients here
            if not math.isfinite(loss.item()):
                raise FloatingPointError(f"training diverged: the loss is {loss.item()} at step {step + 1}")
            norm = clip_global_norm(model.parameters(), clip)
            for g in opt.param_groups:
                g["lr"] = schedule(step + 1)
            opt.step()
            step += 1
            mean = loss.detach().clone()
            dist.all_reduce(mean)
            log(f"step {step}/{total}: loss {mean.item() / world:.4f} (mean over processes), grad norm {norm:.3f}, lr {schedule(step):.3g}")
        epoch += 1

    # Every process must hold the same weights; a mismatch means the gradients were not averaged.
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    spread = flat.clone()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    low = flat.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    diff = (spread - low).abs().max().item()
    log(f"ddp: weights agree across processes within {diff:.3g} after {step} steps, {time.time() - t0:.1f} s")
    if diff > 1e-6:
        raise RuntimeError(f"processes disagree on the weights by {diff} after {step} steps")
    if rank == 0:
        save_checkpoint(
            a.out, model_of(ddp), ck, ck.step + step, ck.epoch + (epoch if a.steps <= 0 else 0),
            moments=export_moments(opt, model), optimizer_step=start_step + step,
            exported_by={"tool": "interop/pytorch/train_ddp.py", "backend": f"pytorch-{backend}", "torch": torch.__version__,
                         "worldSize": world, "fromStep": ck.step, "steps": step},
        )
        log(f"wrote {a.out} (step {ck.step + step})")
    dist.barrier()
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
