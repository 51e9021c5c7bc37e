"""The atlas's probe set is the same in every process, and every registry architecture a model.pt can
hold yields a finite, non-zero attribution and a representation for the graph's edges."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from aip_trainer.artifacts import ModelFile, save_model_pt
from aip_trainer.atlas.probes import probe_hash, probe_set
from aip_trainer.atlas.represent import load_subject, pool_features
from aip_trainer.atlas.signature import compute_signature
from aip_trainer.errors import UserError
from aip_trainer.models import ALL_ARCH_TASK, build_multi_task, build_network
from aip_trainer.spec import InputMeta, TeacherSpec

from conftest import TRAINER_ROOT, trainer_env

CPU = torch.device("cpu")


def test_probe_set_is_deterministic_and_varied():
    first, second = probe_set("v1", 64, 64), probe_set("v1", 64, 64)
    assert first.shape == (64, 3, 64, 64)
    assert first.dtype == torch.float32
    assert probe_hash(first) == probe_hash(second)
    assert torch.equal(first, second)
    # Image i does not depend on the count.
    assert torch.equal(probe_set("v1", 16, 64), first[:16])
    # Another process (another hash seed, fresh generators) draws the same pixels.
    code = "from aip_trainer.atlas.probes import probe_hash, probe_set; print(probe_hash(probe_set('v1', 64, 64)))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=trainer_env(), cwd=TRAINER_ROOT, check=True
    )
    assert other.stdout.strip() == probe_hash(first)
    # Varied: no two probes alike, each with contrast, every value 0..255.
    flat = first.flatten(1)
    assert float(flat.min()) >= 0
    assert float(flat.max()) <= 255
    assert all(float(image.std()) > 5 for image in flat)
    distances = torch.cdist(flat, flat) + torch.eye(64) * 1e9
    assert float(distances.min()) > 100
    with pytest.raises(ValueError, match="unknown probe set"):
        probe_set("v0")


def test_pool_features_bounds_long_representations():
    features = [torch.randn(2, 256, 32, 32), torch.randn(2, 10), torch.randn(2, 8, 40)]
    pooled = pool_features(features, 4096)
    assert pooled.shape[0] == 2
    assert pooled.shape[1] <= 4096
    assert pool_features([torch.randn(2, 7)], 4096).shape == (2, 7)


# Input sizes small enough for a CPU; text models need their own shapes.
SIZES = {"crnn_tiny": (32, 96), "crnn_mobilenet_v3_small": (32, 96), "tiny_dbnet": (64, 64)}


def _model_file(arch: str) -> ModelFile:
    task = ALL_ARCH_TASK[arch]
    size = SIZES.get(arch, (64, 64))
    extra = None
    charset = None
    classes = ["a", "b"] if task in ("classification", "detection") else ["a"]
    if task in ("enhancement", "text_detection", "depth", "multi_task"):
        classes = []
    if task == "text_recognition":
        classes, charset = [], list("abc")
    if task == "multi_task":
        extra = {
            "heads": [
                {"kind": "segmentation", "outputs": 3, "name": "mask"},
                {"kind": "depth", "outputs": 1, "name": "depth"},
            ],
            "branchPoints": [1, 2],
        }
        net = build_multi_task(arch, extra)
    else:
        outputs = len(charset) if charset else (1 if task == "depth" else len(classes))
        net = build_network(arch, outputs, size)
    if task == "enhancement":
        # The enhancers' last layer starts at zero (the identity); a trained one is not.
        torch.nn.init.normal_(net.head.weight, std=0.01)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    return ModelFile(arch, task, classes, size, state, charset=charset, extra=extra)


@pytest.mark.parametrize("arch", sorted(ALL_ARCH_TASK))
def test_every_arch_has_a_finite_nonzero_attribution(tmp_path, arch):
    torch.manual_seed(0)
    path = tmp_path / "model.pt"
    save_model_pt(path, _model_file(arch))
    started = time.perf_counter()
    subject = load_subject(TeacherSpec(file=path, format="aip"), CPU)
    probes = probe_set("v1", 6, 32)
    signature = compute_signature(subject, probes, "v1", probe_hash(probes), CPU)
    print(f"{arch}: {subject.task}, signed in {time.perf_counter() - started:.2f}s")
    assert signature.maps.shape == (6, 3, 16, 16)
    assert np.isfinite(signature.maps).all()
    norms = np.linalg.norm(signature.maps.reshape(6, -1), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-3)  # non-zero on every probe
    assert signature.edges.shape == (15,)
    assert np.isfinite(signature.edges).all()


class _Argmax(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3)).argmax(dim=1, keepdim=True).float()


def test_models_with_nothing_to_attribute_are_refused(tmp_path):
    probes = probe_set("v1", 4, 32)
    # An output that does not depend differentiably on the input.
    scripted = tmp_path / "argmax.ts"
    torch.jit.script(_Argmax()).save(str(scripted))
    meta = InputMeta((32, 32))
    spec = TeacherSpec(file=scripted, format="torchscript", task="classification", classes=["a", "b"], input=meta)
    with pytest.raises(UserError, match="carries no gradient"):
        compute_signature(load_subject(spec, CPU), probes, "v1", probe_hash(probes), CPU)
    # An enhancer as initialized (its last layer zero: the identity) outputs zero everywhere.
    path = tmp_path / "enhancer.pt"
    net = build_network("unet_enhance_tiny", 0, (32, 32))
    save_model_pt(path, ModelFile("unet_enhance_tiny", "enhancement", [], (32, 32), net.state_dict()))
    with pytest.raises(UserError, match="zero attribution"):
        compute_signature(load_subject(TeacherSpec(file=path, format="aip"), CPU), probes, "v1", "", CPU)


@pytest.mark.parametrize("arch", ["crnn_tiny", "tiny_cnn", "tiny_det", "branch_unet_tiny", "tiny_dbnet"])
def test_each_probe_is_attributed_on_its_own(tmp_path, arch):
    """The batch axis is the first of every representation (CRNN's logits are [N, T, K]): a probe's
    map is the same whether it is signed with others or alone."""
    torch.manual_seed(0)
    path = tmp_path / "model.pt"
    save_model_pt(path, _model_file(arch))
    subject = load_subject(TeacherSpec(file=path, format="aip"), CPU)
    probes = probe_set("v1", 4, 32)
    together = compute_signature(subject, probes, "v1", "", CPU).maps
    alone = np.concatenate([compute_signature(subject, probes[i : i + 1], "v1", "", CPU).maps for i in range(4)])
    np.testing.assert_allclose(together, alone, atol=1e-4)
