"""Task branching: a segmentation and a depth teacher (trained here on the generated two-task scenes)
-> one branch_unet_tiny whose branch points are searched, compared with single-branch training
(everything shared but the heads) widened to at least the same parameter count, same epochs and
data."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import torch
import torch.nn.functional as F
from refinery_support import Batches, ModuleTeacher, Recorder, Timer, context, train_supervised
from synthetic_dense import SHAPES, dense_tensors

from aip_trainer.export import export_onnx
from aip_trainer.models import build_network
from aip_trainer.models.branching import (
    BranchDeploy,
    Head,
    build_branching,
    build_from_extra,
    decoder_depth,
    output_names,
)
from aip_trainer.models.depth import DepthDeploy, build_depth
from aip_trainer.models.normalize import Normalize
from aip_trainer.models.segmenters import segmentation_loss
from aip_trainer.refinery import task_branch

SIZE = (32, 32)
HEADS = [Head("segmentation", 4), Head("depth", 1)]


def test_branch_structures_share_what_they_say(tmp_path):
    depth = decoder_depth()
    single = build_branching("branch_unet_tiny", HEADS, [depth, depth])
    separate = build_branching("branch_unet_tiny", HEADS, [0, 0])
    mixed = build_branching("branch_unet_tiny", HEADS, [1, depth])
    count = task_branch.parameter_count
    # Less sharing, more parameters; a task leaving at 1 copies all but the deepest block.
    assert count(single) < count(mixed) < count(separate)
    assert len(single.trunk) == depth
    assert all(len(b) == 0 for b in single.branches)
    assert len(separate.trunk) == 0
    assert all(len(b) == depth for b in separate.branches)
    assert [len(b) for b in mixed.branches] == [depth - 1, 0]
    wider = build_branching("branch_unet_tiny", HEADS, [depth, depth], width_scale=1.5)
    assert count(wider) > count(separate)

    # The deployable form: one named output per head (argmax mask, depth), and it exports to ONNX.
    deploy = BranchDeploy(mixed).eval()
    image = torch.rand(1, 3, *SIZE) * 255
    with torch.no_grad():
        mask, depth_map = deploy(image)
    assert mask.shape == (1, *SIZE)
    assert mask.dtype == torch.int64
    assert depth_map.shape == (1, 1, *SIZE)
    assert output_names(HEADS) == ["mask", "depth"]
    export_onnx(deploy, image, tmp_path / "model.onnx", output_names(HEADS))
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_mask, onnx_depth = session.run(None, {"image": image.numpy()})
    assert (onnx_mask == mask.numpy()).mean() > 0.99
    np.testing.assert_allclose(onnx_depth, depth_map.numpy(), atol=1e-3)


def test_depth_model_deploys():
    deploy = DepthDeploy(build_depth("tiny_unet_depth")).eval()
    assert deploy(torch.rand(2, 3, 20, 28) * 255).shape == (2, 1, 20, 28)


def test_choose_branch_points_prefers_sharing_on_ties():
    losses = {0: [0.50, 0.200], 1: [0.51, 0.300], 2: [0.60, 0.205], 3: [0.70, 0.500]}
    # Task 0: b=1 is within 3 % of b=0 and shares more; task 1: b=2 likewise.
    assert task_branch.choose_branch_points(losses) == [1, 2]
    assert task_branch.choose_branch_points(losses, tolerance=0.0) == [0, 0]


def _teachers(images: torch.Tensor, masks: torch.Tensor, depth: torch.Tensor) -> list[ModuleTeacher]:
    torch.manual_seed(0)
    seg = build_network("tiny_unet", len(SHAPES), SIZE)
    batches = Batches(images, torch.arange(len(images)), 32, shuffle=True)
    train_supervised(seg, batches, lambda logits, b: segmentation_loss(logits, masks[b.labels]), epochs=8)
    torch.manual_seed(1)
    dep = build_depth("tiny_unet_depth")
    train_supervised(dep, batches, lambda out, b: F.l1_loss(out, depth[b.labels]), epochs=8)
    return [
        ModuleTeacher(seg, "segmentation", list(SHAPES), SIZE, "tiny_unet"),
        ModuleTeacher(dep, "depth", [], SIZE, "tiny_unet_depth"),
    ]


@torch.no_grad()
def _ground_truth_figures(net, images, masks, depth) -> tuple[float, float]:
    """mIoU over the four classes and depth mean absolute error, against the generated truth."""
    logits, predicted_depth = net(Normalize()(images))
    predicted = logits.argmax(dim=1)
    ious = []
    for k in range(4):
        union = ((predicted == k) | (masks == k)).sum()
        if union:
            ious.append(float(((predicted == k) & (masks == k)).sum() / union))
    return sum(ious) / len(ious), float((predicted_depth - depth).abs().mean())


def test_task_branching_beats_single_branch(tmp_path):
    timer = Timer()
    train_images, train_masks, train_depth = dense_tensors(800, seed=1, size=SIZE[0])
    val_images, _, _ = dense_tensors(150, seed=2, size=SIZE[0])
    test_images, test_masks, test_depth = dense_tensors(300, seed=3, size=SIZE[0])
    teachers = _teachers(train_images, train_masks, train_depth)
    print(f"teachers trained ({timer():.0f}s)")

    recorder = Recorder()
    params = {"epochs": 8, "searchEpochs": 2, "learningRate": 3e-3}
    ctx = context(
        teachers,
        [],
        SIZE,
        Batches(train_images, None, 32, shuffle=True),
        Batches(val_images, None, 64, shuffle=False),
        params,
        "branch_unet_tiny",
        recorder,
        work_dir=tmp_path,
    )
    result = task_branch.run(ctx)
    chosen = result.extra["branchPoints"]
    print(f"chosen {chosen}; candidates {result.metrics['candidates']} ({timer():.0f}s)")

    # The baseline: single-branch, widened to at least the branched student's parameter count.
    depth = decoder_depth()
    scale = 1.0
    while True:
        single = build_branching("branch_unet_tiny", HEADS, [depth, depth], width_scale=scale)
        if task_branch.parameter_count(single) >= result.metrics["parameters"]:
            break
        scale += 0.05
    targets = task_branch.Targets(teachers, SIZE)
    loss = task_branch.Loss(HEADS, task_branch.depth_scales(HEADS, targets, ctx.train, ctx.device))
    torch.manual_seed(0)
    single = build_branching("branch_unet_tiny", HEADS, [depth, depth], width_scale=scale)
    task_branch.train_structure(
        single, targets, loss, ctx.train, ctx.val, epochs=8, learning_rate=3e-3, device=ctx.device
    )
    result.network.eval()
    single.eval()
    test_batches = Batches(test_images, None, 64, shuffle=False)
    branched_losses = task_branch.evaluate(result.network, targets, loss, test_batches, ctx.device)
    single_losses = task_branch.evaluate(single, targets, loss, test_batches, ctx.device)
    teacher_truth = _ground_truth_figures(
        lambda x: [teachers[0].net(x), teachers[1].net(x)], test_images, test_masks, test_depth
    )
    branched_truth = _ground_truth_figures(result.network, test_images, test_masks, test_depth)
    single_truth = _ground_truth_figures(single, test_images, test_masks, test_depth)
    print(
        f"teachers: mIoU/depth MAE vs truth {teacher_truth}\n"
        f"branched {chosen}, {result.metrics['parameters']} parameters: test losses {branched_losses}, "
        f"mIoU/depth MAE vs truth {branched_truth}\n"
        f"single-branch x{scale:.2f}, {task_branch.parameter_count(single)} parameters: test losses {single_losses}, "
        f"mIoU/depth MAE vs truth {single_truth} ({timer():.0f}s)"
    )

    assert result.arch == "branch_unet_tiny"
    assert result.task == "multi_task"
    assert result.classes == list(SHAPES)
    assert [h["name"] for h in result.extra["heads"]] == ["mask", "depth"]
    assert set(result.metrics["branchPoints"]) == {"mask", "depth"}
    assert [c["branchPoint"] for c in result.metrics["candidates"]] == list(range(depth + 1))
    assert recorder.epochs[-1][:2] == ((depth + 1) * 2 + 8, (depth + 1) * 2 + 8)
    assert sum(branched_losses) < sum(single_losses)

    # model.pt's extra rebuilds the same network.
    rebuilt = build_from_extra("branch_unet_tiny", result.extra)
    rebuilt.load_state_dict(result.network.state_dict())
    # A finished run's checkpoint: running again trains nothing and gives the same structure.
    again = Recorder()
    ctx.on_epoch, ctx.log = again.on_epoch, again.log
    assert task_branch.run(ctx).extra["branchPoints"] == chosen
    assert again.epochs == []
