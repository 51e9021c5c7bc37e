"""Architecture registry: which task each arch serves, how to build it and its deployable form.

``model.pt`` stores the *network*'s state_dict (``build_network``); the deployable module
(``build_deploy``) adds normalization, softmax, decoding, the per-pixel argmax or the enhancer's
residual and clamp around it and is what gets exported to ONNX and evaluated, so metrics describe
exactly what ships.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from aip_trainer.models.branching import BRANCH_ARCHS, BranchDeploy, BranchUNet, Head, build_branching
from aip_trainer.models.classifiers import ClassifierDeploy, build_classifier
from aip_trainer.models.dbnet import DBNet, DBNetDeploy, build_dbnet
from aip_trainer.models.depth import DEPTH_ARCHS, DepthDeploy, build_depth
from aip_trainer.models.detectors import TORCHVISION_DETECTORS
from aip_trainer.models.enhancers import EnhancerDeploy, build_enhancer
from aip_trainer.models.normalize import IMAGENET_MEAN, IMAGENET_STD
from aip_trainer.models.pruned import follow_pruned_shapes
from aip_trainer.models.recognizers import RecognizerDeploy, build_recognizer
from aip_trainer.models.segmenters import SegmenterDeploy, build_segmenter
from aip_trainer.models.tiny_det import TinyDetDeploy, TinyDetNet

ARCH_TASK = {
    "tiny_cnn": "classification",
    "resnet18": "classification",
    "mobilenet_v3_small": "classification",
    "efficientnet_b0": "classification",
    "resnet50": "classification",
    "tiny_det": "detection",
    "fasterrcnn_mobilenet_v3_large_320_fpn": "detection",
    "retinanet_resnet50_fpn_v2": "detection",
    "fcos_resnet50_fpn": "detection",
    "ssdlite320_mobilenet_v3_large": "detection",
    "tiny_unet": "segmentation",
    "lraspp_mobilenet_v3_large": "segmentation",
    "deeplabv3_mobilenet_v3_large": "segmentation",
    "unet_enhance_tiny": "enhancement",
    "unet_enhance": "enhancement",
    "crnn_tiny": "text_recognition",
    "crnn_mobilenet_v3_small": "text_recognition",
    "tiny_dbnet": "text_detection",
    "dbnet_mobilenet_v3_large": "text_detection",
}

# Architectures that only the model refinery produces (their tasks have no flowchart node): kept out
# of ARCH_TASK, which is the flowchart's list and the train job spec's arch enum.
REFINERY_ARCH_TASK = {**dict.fromkeys(DEPTH_ARCHS, "depth"), **dict.fromkeys(BRANCH_ARCHS, "multi_task")}
# Every architecture a model.pt may hold.
ALL_ARCH_TASK = {**ARCH_TASK, **REFINERY_ARCH_TASK}
# The tasks whose networks torch-pruning can prune (plain conv/linear stacks, one output tensor).
PRUNABLE_TASKS = ("classification", "segmentation")

OUTPUT_NAMES = {
    "classification": ["probs"],
    "detection": ["boxes", "scores", "labels"],
    "segmentation": ["mask"],
    "enhancement": ["enhanced"],
    "text_recognition": ["indices", "scores"],
    "text_detection": ["prob"],
    "depth": ["depth"],
}

# DeepLabV3's image-level pooling and SSDlite's last extra layers end in a BatchNorm over a 1x1
# map: a batch of one image has nothing to normalize over and fails in training.
MIN_BATCH_SIZE = {"deeplabv3_mobilenet_v3_large": 2, "ssdlite320_mobilenet_v3_large": 2}


def build_network(arch: str, num_classes: int, input_size: tuple[int, int]) -> nn.Module:
    if ARCH_TASK.get(arch) == "classification":
        net: nn.Module = build_classifier(arch, num_classes)
    elif ARCH_TASK.get(arch) == "segmentation":
        net = build_segmenter(arch, num_classes)
    elif ARCH_TASK.get(arch) == "enhancement":
        net = build_enhancer(arch)  # image in, image out: no classes
    elif ARCH_TASK.get(arch) == "text_recognition":
        net = build_recognizer(arch, num_classes)  # the "classes" are the charset's characters
    elif ARCH_TASK.get(arch) == "text_detection":
        net = build_dbnet(arch)  # one implicit class, text
    elif REFINERY_ARCH_TASK.get(arch) == "depth":
        net = build_depth(arch)  # one channel of depth: no classes
    elif arch in BRANCH_ARCHS:
        # Its heads and branch points are in model.pt, not in a class count: build_multi_task.
        raise ValueError(f"{arch} is built from its heads and branch points (build_multi_task)")
    elif arch == "tiny_det":
        net = TinyDetNet(num_classes)
    elif arch in TORCHVISION_DETECTORS:
        net = TORCHVISION_DETECTORS[arch].build(num_classes, input_size)
    else:
        raise ValueError(f"unknown architecture: {arch}")
    if ALL_ARCH_TASK[arch] in PRUNABLE_TASKS:
        # A pruned model's state_dict carries its (smaller) layer shapes: loading it reshapes the
        # freshly built network first, so every path that rebuilds a model from model.pt
        # (evaluation, reuse as a teacher, the refinery's own checks) gets the pruned one back.
        follow_pruned_shapes(net)
    return net


def build_deploy(arch: str, net: nn.Module, input_size: tuple[int, int]) -> nn.Module:
    """The eval-mode module that maps raw pixels to the contract's outputs."""
    if ARCH_TASK.get(arch) == "classification":
        module: nn.Module = ClassifierDeploy(net)
    elif ARCH_TASK.get(arch) == "segmentation":
        module = SegmenterDeploy(net)
    elif ARCH_TASK.get(arch) == "enhancement":
        module = EnhancerDeploy(net)
    elif ARCH_TASK.get(arch) == "text_recognition":
        module = RecognizerDeploy(net)
    elif REFINERY_ARCH_TASK.get(arch) == "depth":
        module = DepthDeploy(net)
    elif isinstance(net, BranchUNet):
        module = BranchDeploy(net)
    elif isinstance(net, DBNet):
        module = DBNetDeploy(net)
    elif isinstance(net, TinyDetNet):
        module = TinyDetDeploy(net, input_size)
    elif arch in TORCHVISION_DETECTORS:
        module = TORCHVISION_DETECTORS[arch].deploy(net, input_size)
    else:
        raise ValueError(f"unknown architecture: {arch}")
    return module.eval()


def build_multi_task(arch: str, extra: dict[str, Any]) -> BranchUNet:
    """A task-branching student from model.pt's ``heads`` ([{"kind", "outputs", …}] in output order)
    and ``branchPoints`` (one per head)."""
    heads = [Head(h["kind"], int(h["outputs"])) for h in extra["heads"]]
    return build_branching(arch, heads, [int(b) for b in extra["branchPoints"]])


def multi_task_output_names(extra: dict[str, Any]) -> list[str]:
    return [str(h["name"]) for h in extra["heads"]]


def normalization(arch: str) -> dict[str, list[float]]:
    """Mean/std applied inside the graph, in 0..255 pixel units (informational for callers)."""
    if arch in TORCHVISION_DETECTORS:
        detector = TORCHVISION_DETECTORS[arch]  # applied by torchvision's transform in the graph
        return {"mean": list(detector.mean), "std": list(detector.std)}
    return {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}


def output_names(task: str) -> list[str]:
    return list(OUTPUT_NAMES[task])
