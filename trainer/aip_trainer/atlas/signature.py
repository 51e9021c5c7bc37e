"""A model's signature over a probe set, and the distances between two signatures.

**Attribution maps** (Song et al., NeurIPS 2019, "Deep Model Transferability from Attribution
Maps"): models whose attributions agree on the same inputs transfer well to each other. For a probe
``x`` (raw 0..255, S x S) the model sees ``normalize(resize(x, its input size))`` (bilinear, so
differentiable, then its own input normalization); with ``f`` its representation (represent.py) the
map is ``|x * d||f(x)||_2 / dx|``, gradient times input, taken at the probe's own S x S resolution so
that the maps of models with different input sizes are comparable pixel for pixel. Each map is
average-pooled to S/2 (the finest detail a gradient carries reliably is a few pixels) and scaled to
unit L2 norm per probe. The attribution distance of two models is ``1 - mean over probes of
cos(map_a, map_b)``, clipped at 0: identical models are at 0, maps that agree nowhere at about 1.

We compare magnitudes (where a model looks), not signed maps: on small models the sign of gradient
times input is mostly noise. On the zoo of tests/test_atlas_distances.py, with signed maps the
independently trained models came out at 0.97-0.99 from each other whatever their relation, and the
ordering of pair distances measured on two random halves of the probes agreed with a Spearman
correlation of only 0.59-0.78; with magnitudes the same models spread over 0.42-0.56 (a brief
fine-tune at 0.33) and the halves agreed at 0.91-0.99.

**Attribution graph** (Song et al., CVPR 2020, "DEPARA: Deep Attribution Graph for Deep Knowledge
Transferability"): the probes are the graph's nodes, carrying their attribution maps, and its edges
are the cosine similarities of the model's representations of every pair of probes (P(P-1)/2
values; a representation longer than 4096 values is average-pooled spatially first). Two graphs are
compared node by node (the attribution distance above) and edge by edge, by the rank correlation of
their edge weights: ``1 - Spearman rho``, which only asks whether both models find the same probes
alike, whatever the scale of their features. DEPARA weighs the two with a lambda; we take lambda = 1
and put both terms on 0..1 first (edges: ``(1 - rho) / 2``), so that

    depara = 1/2 * attribution + 1/2 * (1 - rho) / 2,

with 0 for identical models and each term counting for half.

Signature file (``.npz``, layout version 1): ``maps`` float16 [P, 3, S/2, S/2] (unit norm per
probe), ``edges`` float32 [P(P-1)/2] (row-major upper triangle, i < j), ``version``, ``probe_set``,
``count``, ``size``, ``probe_hash`` (a fingerprint of the probe pixels).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import rankdata

from aip_trainer.atlas.represent import Subject, pool_features
from aip_trainer.errors import UserError

SIGNATURE_VERSION = 1
EDGE_FEATURES = 4096
# Probes per forward/backward pass: up to 16 at inputs of 320 x 320, fewer at larger inputs, so that
# a detector at 800 px does not hold the activations of 64 images at once.
CHUNK = 16
CHUNK_PIXELS = 16 * 320 * 320


@dataclass(frozen=True)
class Signature:
    maps: np.ndarray  # float32 [P, 3, S/2, S/2], unit norm per probe (all zero where its gradient is)
    edges: np.ndarray  # float32 [P(P-1)/2]
    probe_set: str
    count: int
    size: int
    probe_hash: str


def compute_signature(
    subject: Subject, probes: torch.Tensor, probe_set: str, probe_hash: str, device: torch.device
) -> Signature:
    """Attribution maps and graph edges of ``subject`` (on ``device``) over ``probes`` (float 0..255
    [P,3,S,S])."""
    maps, features = [], []
    chunk = max(1, min(CHUNK, CHUNK_PIXELS // (subject.input_size[0] * subject.input_size[1])))
    for start in range(0, len(probes), chunk):
        x = probes[start : start + chunk].to(device).clone().requires_grad_(True)
        resized = x
        if tuple(x.shape[-2:]) != tuple(subject.input_size):
            resized = F.interpolate(x, size=subject.input_size, mode="bilinear", align_corners=False)
        outputs = subject.features(subject.normalize(resized))
        flat = torch.cat([t.reshape(len(x), -1) for t in outputs], dim=1)
        if not flat.requires_grad:
            raise UserError("the model's output carries no gradient with respect to its input (nothing to attribute)")
        # Each probe's gradient is its own: eval-mode networks treat the images of a batch apart.
        (gradient,) = torch.autograd.grad(flat.norm(dim=1).sum(), x)
        attribution = F.avg_pool2d((x.detach() * gradient).abs(), 2)
        # Relative, not clamped: an untrained network's gradients can be 1e-13 and still say where it looks.
        norms = attribution.double().flatten(1).norm(dim=1)
        scale = torch.where(norms > 0, 1.0 / norms, torch.zeros_like(norms)).float()
        maps.append((attribution * scale.view(-1, 1, 1, 1)).cpu())
        features.append(pool_features([t.detach() for t in outputs], EDGE_FEATURES).cpu())
    all_maps = torch.cat(maps).numpy().astype(np.float32)
    if not np.isfinite(all_maps).all():
        raise UserError("the model's attribution is not finite on the probe images (NaN or infinite gradients)")
    if not all_maps.any():
        # A constant output (an untrained zero-initialized head, say) has nothing to compare.
        raise UserError("the model's output does not depend on its input on the probe images (zero attribution)")
    return Signature(all_maps, graph_edges(torch.cat(features)), probe_set, len(probes), probes.shape[-1], probe_hash)


def graph_edges(features: torch.Tensor) -> np.ndarray:
    """Cosine similarity of every pair of rows (i < j, row-major), float32."""
    unit = F.normalize(features.double(), dim=1)
    similarity = unit @ unit.T
    rows, cols = torch.triu_indices(len(features), len(features), offset=1)
    return similarity[rows, cols].float().numpy()


def edge_index(count: int, probes: np.ndarray) -> np.ndarray:
    """Positions in a signature's edge vector of the edges between ``probes`` (sorted indices)."""
    rows, cols = np.triu_indices(len(probes), k=1)
    i, j = probes[rows], probes[cols]
    # Row-major upper triangle: row i starts after i*count - i*(i+1)/2 entries.
    return i * count - i * (i + 1) // 2 + (j - i - 1)


def attribution_distance(a: Signature, b: Signature, probes: np.ndarray | None = None) -> float:
    index = np.arange(a.count) if probes is None else np.sort(probes)
    ma = a.maps[index].reshape(len(index), -1).astype(np.float64)
    mb = b.maps[index].reshape(len(index), -1).astype(np.float64)
    # Renormalized: the file holds float16.
    na, nb = np.linalg.norm(ma, axis=1), np.linalg.norm(mb, axis=1)
    cosine = (ma * mb).sum(axis=1) / np.maximum(na * nb, 1e-12)
    return max(0.0, float(1.0 - cosine.mean()))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (ties averaged); 0 where one side is constant and the other not."""
    if np.array_equal(x, y):
        return 1.0
    rx, ry = rankdata(x), rankdata(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    scale = float(np.sqrt((rx * rx).sum() * (ry * ry).sum()))
    return 0.0 if scale == 0 else float((rx * ry).sum() / scale)


def depara_distance(a: Signature, b: Signature, probes: np.ndarray | None = None) -> float:
    edges_a, edges_b = a.edges, b.edges
    if probes is not None:
        index = edge_index(a.count, np.sort(probes))
        edges_a, edges_b = edges_a[index], edges_b[index]
    edge_term = (1.0 - spearman(edges_a.astype(np.float64), edges_b.astype(np.float64))) / 2.0
    return max(0.0, 0.5 * attribution_distance(a, b, probes) + 0.5 * edge_term)


def save_signature(path: Path, signature: Signature) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        version=np.int32(SIGNATURE_VERSION),
        probe_set=np.str_(signature.probe_set),
        count=np.int32(signature.count),
        size=np.int32(signature.size),
        probe_hash=np.str_(signature.probe_hash),
        maps=signature.maps.astype(np.float16),
        edges=signature.edges.astype(np.float32),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)  # a killed job never leaves half a signature


def load_signature(path: Path) -> Signature:
    try:
        with np.load(path, allow_pickle=False) as data:
            version = int(data["version"])
            if version != SIGNATURE_VERSION:
                raise UserError(f"the signature {path.name} has layout version {version}, not {SIGNATURE_VERSION}")
            return Signature(
                data["maps"].astype(np.float32),
                data["edges"].astype(np.float32),
                str(data["probe_set"]),
                int(data["count"]),
                int(data["size"]),
                str(data["probe_hash"]),
            )
    except FileNotFoundError as error:
        raise UserError(f"the signature file {path} does not exist") from error
    except (OSError, KeyError, ValueError) as error:
        raise UserError(f"{path.name} is not an atlas signature file: {error}") from error
