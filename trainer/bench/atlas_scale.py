"""How the model atlas scales: adding one model to an atlas of N against recomputing all of it.

    PYTHONPATH=trainer python trainer/bench/atlas_scale.py [--models 16] [--arch tiny_cnn] [--probes 64] [--device auto]

Builds N + 1 models of one architecture (freshly initialized from different seeds: signing costs the
same whatever the weights) as platform model.pt files, then times two ``atlas`` jobs run in-process:

- **incremental**: what the platform does when a model is added: 1 signature and N distances
  against the N stored signatures (loading those is part of the time);
- **recompute**: N + 1 signatures and (N + 1) N / 2 distances, as if nothing were stored.

It prints both times and their ratio (recompute / incremental: how much the stored signatures save).
Both jobs first sign one model unmeasured, so neither pays for warming up.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from aip_trainer.artifacts import ModelFile, save_model_pt
from aip_trainer.atlas.job import run_atlas
from aip_trainer.events import EventWriter
from aip_trainer.models import ALL_ARCH_TASK, build_network
from aip_trainer.spec import AtlasSpec, validate_any_spec


def make_models(root: Path, count: int, arch: str, size: int) -> list[Path]:
    if ALL_ARCH_TASK.get(arch) != "classification":
        raise SystemExit(f"--arch takes a classification architecture, not {arch}")
    paths = []
    for seed in range(count):
        torch.manual_seed(seed)
        net = build_network(arch, 10, (size, size))
        state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        path = root / f"m{seed:03d}.pt"
        save_model_pt(path, ModelFile(arch, "classification", [str(d) for d in range(10)], (size, size), state))
        paths.append(path)
    return paths


def atlas_spec(
    output: Path, models: list[tuple[str, Path]], signatures: list[tuple[str, Path]], **job: Any
) -> AtlasSpec:
    ids = [i for i, _ in models] + [i for i, _ in signatures]
    new = {i for i, _ in models}
    pairs = [[a, b] for n, a in enumerate(ids) for b in ids[n + 1 :] if a in new or b in new]
    raw = {
        "kind": "atlas",
        "output": str(output),
        "models": [{"id": i, "file": str(p), "format": "aip"} for i, p in models],
        "signatures": [{"id": i, "file": str(p)} for i, p in signatures],
        "pairs": pairs,
        **job,
    }
    spec = validate_any_spec(raw)
    assert isinstance(spec, AtlasSpec)
    return spec


def timed(spec: AtlasSpec) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    result = run_atlas(spec, EventWriter(io.StringIO()))
    seconds = time.perf_counter() - started
    failed = [s for s in result["signatures"] if s["status"] != "ready"]
    if failed:
        raise SystemExit(f"models could not be signed: {failed}")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--models", type=int, default=16, help="N, the models already in the atlas")
    parser.add_argument("--arch", default="tiny_cnn")
    parser.add_argument("--size", type=int, default=64, help="the models' input side")
    parser.add_argument("--probes", type=int, default=64)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    job = {"device": args.device, "probes": {"set": "v1", "count": args.probes, "size": 64}}
    with tempfile.TemporaryDirectory(prefix="aip-bench-atlas-") as tmp:
        root = Path(tmp)
        paths = make_models(root, args.models + 1, args.arch, args.size)
        ids = [path.stem for path in paths]
        old, new = list(zip(ids[:-1], paths[:-1], strict=True)), (ids[-1], paths[-1])
        timed(atlas_spec(root / "warm", [old[0]], [], **job))  # imports, allocator, probe drawing
        # The atlas of N as the platform stores it (not timed).
        _, built = timed(atlas_spec(root / "atlas", old, [], **job))
        stored = [(s["id"], root / "atlas" / s["file"]) for s in built["signatures"]]
        incremental, added = timed(atlas_spec(root / "add", [new], stored, **job))
        recompute, everything = timed(atlas_spec(root / "all", [*old, new], [], **job))
    n = args.models
    assert len(added["distances"]) == n
    assert len(everything["distances"]) == (n + 1) * n // 2
    device = "cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu"
    print(f"\nModel atlas: {args.arch} {args.size}x{args.size}, {args.probes} probes, N = {n}, {device}")
    print(f"{'':12} {'signatures':>10} {'pairs':>7} {'seconds':>8}")
    print(f"{'add one':12} {1:10d} {n:7d} {incremental:8.2f}")
    print(f"{'recompute':12} {n + 1:10d} {(n + 1) * n // 2:7d} {recompute:8.2f}")
    ratio = recompute / incremental
    print(f"ratio recompute / add one: {ratio:.1f}")
    summary = {
        "arch": args.arch,
        "device": device,
        "models": n,
        "incremental": incremental,
        "recompute": recompute,
        "ratio": ratio,
        "signSeconds": {"incremental": added["seconds"], "recompute": everything["seconds"]},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
