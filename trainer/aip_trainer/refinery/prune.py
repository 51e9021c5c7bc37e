"""AutoPruning with torch-pruning: the student is the teacher with fewer channels.

``steps`` rounds; round k prunes towards ``targetRatio ** (k / steps)`` of the teacher's parameters,
then fine-tunes ``epochsPerStep`` epochs by distilling from the unpruned teacher (KL at T=4, plus CE
where the data has labels). torch-pruning's ``pruning_ratio`` counts channels, and a layer's
parameters shrink with both its input and output channels, so each round searches (by bisection) the
channel ratio whose pruned copy lands on the round's parameter target, measured. The output layers
(those producing the classes) keep every output channel.

The pruned structure needs no pickled module: model.pt's state_dict carries the layer shapes and a
marker (models/pruned.py), and ``build_network`` + ``load_state_dict`` rebuild the pruned network.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import torch
import torch_pruning as tp
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.models import ALL_ARCH_TASK, PRUNABLE_TASKS, build_network
from aip_trainer.models.pruned import mark_pruned
from aip_trainer.refinery.checkpoint import load_state, save_state
from aip_trainer.refinery.contract import RefineryContext, RefineryResult
from aip_trainer.refinery.distill import KDTrainer, evaluate_student, run_epochs, val_figures
from aip_trainer.refinery.measure import Agreement, count_macs, count_parameters, latency_ms
from aip_trainer.refinery.teachers import InputNormalize, input_to_json, is_platform_input

log = logging.getLogger(__name__)

ALGORITHM = "auto_prune"
TEMPERATURE = 4.0
CE_WEIGHT = 0.5  # where the data has labels
# How close a round's parameter count must come to its target, relative; the search stops there.
SEARCH_TOLERANCE = 0.005
SEARCH_ITERATIONS = 20
MAX_CHANNEL_RATIO = 0.95
MAX_LAYER_RATIO = 0.9
# Uniform pruning moves each layer by whole channels at its own ratio steps, so a small network's
# parameter count jumps by a few percent; past this miss the search is redone with global pruning,
# which removes channels one by one across layers.
UNIFORM_TOLERANCE = 0.01


def output_layers(net: nn.Module, outputs: int) -> list[nn.Module]:
    """The layers that produce the network's outputs (their output channels are the classes):
    every Linear/Conv2d with exactly ``outputs`` output channels that no later layer consumes is
    hard to find in general, so: those with ``outputs`` output channels, which for the registry's
    networks are exactly the classifier / segmentation heads (lraspp has two, low and high)."""
    layers = [
        m
        for m in net.modules()
        if (isinstance(m, nn.Linear) and m.out_features == outputs)
        or (isinstance(m, nn.Conv2d) and m.out_channels == outputs)
    ]
    if not layers:
        raise UserError("cannot find the network's output layer to protect it from pruning")
    return layers


def prune_copy(
    net: nn.Module, ratio: float, outputs: int, size: tuple[int, int], global_pruning: bool = False
) -> nn.Module:
    """A copy of ``net`` with ``ratio`` of each prunable layer's channels removed (by L2 magnitude);
    ``global_pruning``: ``ratio`` of all channels, the least important across layers (no layer
    losing more than MAX_LAYER_RATIO of its own)."""
    pruned = copy.deepcopy(net).cpu().eval()
    if ratio <= 0:
        return pruned
    example = torch.zeros(1, 3, *size)
    pruner = tp.pruner.MetaPruner(
        pruned,
        example,
        importance=tp.importance.GroupMagnitudeImportance(p=2),
        pruning_ratio=ratio,
        global_pruning=global_pruning,
        max_pruning_ratio=MAX_LAYER_RATIO,
        ignored_layers=output_layers(pruned, outputs),
        output_transform=_main_output,
    )
    pruner.step()
    return pruned


def _main_output(out: Any) -> Any:
    """torchvision's segmenters return {"out": logits}: the graph is traced from the logits."""
    return out["out"] if isinstance(out, dict) else out


def prune_to(net: nn.Module, target: int, outputs: int, size: tuple[int, int]) -> tuple[nn.Module, float, str]:
    """The pruned copy of ``net`` whose parameter count is closest to ``target``, its channel ratio
    and the mode ("uniform": every layer by the same ratio, or "global")."""
    if target >= count_parameters(net):
        return copy.deepcopy(net), 0.0, "none"
    pruned, ratio = _search(net, target, outputs, size, global_pruning=False)
    if abs(count_parameters(pruned) - target) <= UNIFORM_TOLERANCE * target:
        return pruned, ratio, "uniform"
    pruned_global, ratio_global = _search(net, target, outputs, size, global_pruning=True)
    if abs(count_parameters(pruned_global) - target) < abs(count_parameters(pruned) - target):
        return pruned_global, ratio_global, "global"
    return pruned, ratio, "uniform"


def _search(
    net: nn.Module, target: int, outputs: int, size: tuple[int, int], global_pruning: bool
) -> tuple[nn.Module, float]:
    """Bisection on the channel ratio: parameters fall as it grows."""
    low, high = 0.0, MAX_CHANNEL_RATIO
    best: tuple[int, nn.Module, float] | None = None
    for _ in range(SEARCH_ITERATIONS):
        ratio = (low + high) / 2
        candidate = prune_copy(net, ratio, outputs, size, global_pruning)
        params = count_parameters(candidate)
        if best is None or abs(params - target) < best[0]:
            best = (abs(params - target), candidate, ratio)
        if abs(params - target) <= SEARCH_TOLERANCE * target:
            break
        if params > target:
            low = ratio
        else:
            high = ratio
    assert best is not None
    return best[1], best[2]


def _head_outputs(task: str, classes: list[str]) -> int:
    return len(classes) + 1 if task == "segmentation" else len(classes)


def run(ctx: RefineryContext) -> RefineryResult:
    if len(ctx.teachers) != 1:
        raise UserError(f"pruning takes one model, not {len(ctx.teachers)}")
    teacher = ctx.teachers[0]
    original = teacher.network()
    if original is None or teacher.arch is None or teacher.arch not in ALL_ARCH_TASK:
        raise UserError("pruning needs a PyTorch model of a registry architecture (format aip or weights)")
    if teacher.task not in PRUNABLE_TASKS:
        raise UserError(f"pruning takes {' or '.join(PRUNABLE_TASKS)} models, not {teacher.task}")
    task, arch, classes = teacher.task, teacher.arch, list(teacher.classes)
    params = ctx.params
    ratio, steps, per_step = float(params["targetRatio"]), int(params["steps"]), int(params["epochsPerStep"])
    outputs = _head_outputs(task, classes)
    size = ctx.input_size
    normalize = InputNormalize(teacher.input)
    teacher_params = count_parameters(original)
    teacher_net = copy.deepcopy(original).cpu().eval()
    before = {
        "parameters": teacher_params,
        "macs": count_macs(teacher_net, size),
    }
    torch.manual_seed(ctx.seed)
    epochs = steps * per_step
    ce_weight = CE_WEIGHT if _labeled(ctx) else 0.0
    net: nn.Module = copy.deepcopy(original)
    # The teacher's parameters are frozen; torch-pruning only prunes parameters that train.
    for parameter in net.parameters():
        parameter.requires_grad_(True)
    rounds: list[dict[str, Any]] = []
    start_round, first_epoch = 1, 1
    trainer: KDTrainer | None = None
    saved = load_state(ctx, ALGORITHM)
    if saved is not None:
        # The checkpoint's state_dict carries the pruned shapes: the rebuilt network takes them.
        net = build_network(arch, len(classes), size)
        net.load_state_dict(saved["network"])
        rounds = list(saved["rounds"])
        start_round, first_epoch = int(saved["round"]), int(saved["epoch"]) + 1
        trainer = KDTrainer(
            ctx, teacher, task, net, normalize=normalize, epochs=per_step, temperature=TEMPERATURE, ce_weight=ce_weight
        )
        trainer.restore(saved["trainer"])
        ctx.log(f"resuming pruning in round {start_round}, after its epoch {first_epoch - 1}")
    for k in range(start_round, steps + 1):
        if trainer is None:
            target = round(teacher_params * ratio ** (k / steps))
            net, channel_ratio, mode = prune_to(net.cpu(), target, outputs, size)
            achieved = count_parameters(net)
            rounds.append(
                {
                    "round": k,
                    "targetRatio": round(target / teacher_params, 5),
                    "parameterRatio": round(achieved / teacher_params, 5),
                    "channelRatio": round(channel_ratio, 4),
                    "mode": mode,
                    "parameters": achieved,
                }
            )
            ctx.log(
                f"round {k}/{steps}: {achieved} parameters ({achieved / teacher_params:.3f} of the model's, "
                f"target {target / teacher_params:.3f}), {mode} channel ratio {channel_ratio:.3f}"
            )
            trainer = KDTrainer(
                ctx,
                teacher,
                task,
                net,
                normalize=normalize,
                epochs=per_step,
                temperature=TEMPERATURE,
                ce_weight=ce_weight,
            )
            first_epoch = 1
        round_trainer = trainer

        def report(epoch: int, loss: float, agreement: Agreement, k: int = k, t: KDTrainer = round_trainer) -> None:
            state = {name: v.detach().cpu() for name, v in t.net.state_dict().items()}
            save_state(
                ctx,
                ALGORITHM,
                {"round": k, "epoch": epoch, "network": mark_pruned(state), "rounds": rounds, "trainer": t.state()},
            )
            ctx.on_epoch((k - 1) * per_step + epoch, epochs, {"loss": round(loss, 5), **val_figures(agreement)})

        run_epochs(round_trainer, first_epoch, per_step, report)
        round_trainer.load_best()
        net, trainer = round_trainer.net, None
    net = net.cpu().eval()
    final_agreement = evaluate_student(task, net, normalize, teacher, ctx.val)
    extra: dict[str, Any] = {"pruned": True}
    if not is_platform_input(teacher.input):
        extra["input"] = input_to_json(teacher.input)
    achieved = count_parameters(net)
    # Both latencies now, back to back: the first runs of a process are slower (allocations,
    # kernel selection), which would flatter the pruned model.
    before["latencyMs"] = latency_ms(lambda x: teacher_net(normalize(x)), size)
    after = {
        "parameters": achieved,
        "macs": count_macs(net, size),
        "latencyMs": latency_ms(lambda x: net(normalize(x)), size),
    }
    return RefineryResult(
        network=net,
        arch=arch,
        task=task,
        classes=classes,
        input_size=size,
        extra=extra,
        metrics={
            "before": before,
            "after": after,
            "parameterRatio": achieved / teacher_params,
            "targetRatio": ratio,
            "macsRatio": after["macs"] / max(before["macs"], 1),
            "rounds": rounds,
            "valAfterPruning": final_agreement.figures(),
        },
    )


def _labeled(ctx: RefineryContext) -> bool:
    labeled = getattr(ctx.train, "labeled", None)
    if labeled is not None:
        return bool(labeled)
    return any(batch.labels is not None for batch in ctx.train)
