"""Architecture registry: which task each arch serves, how to build it and its deployable form.

``model.pt`` stores the *network*'s state_dict (``build_network``); the deployable module
(``build_deploy``) adds normalization, softmax, decoding, the per-pixel argmax or the enhancer's
residual and clamp around it and is what gets exported to ONNX and evaluated, so metrics describe
exactly what ships.
"""

from __future__ import annotations

from torch import nn

from aip_trainer.models.classifiers import ClassifierDeploy, build_classifier
from aip_trainer.models.enhancers import EnhancerDeploy, build_enhancer
from aip_trainer.models.fasterrcnn import FasterRCNNDeploy, build_fasterrcnn
from aip_trainer.models.normalize import IMAGENET_MEAN, IMAGENET_STD
from aip_trainer.models.recognizers import RecognizerDeploy, build_recognizer
from aip_trainer.models.segmenters import SegmenterDeploy, build_segmenter
from aip_trainer.models.tiny_det import TinyDetDeploy, TinyDetNet

ARCH_TASK = {
    "tiny_cnn": "classification",
    "resnet18": "classification",
    "mobilenet_v3_small": "classification",
    "tiny_det": "detection",
    "fasterrcnn_mobilenet_v3_large_320_fpn": "detection",
    "tiny_unet": "segmentation",
    "lraspp_mobilenet_v3_large": "segmentation",
    "deeplabv3_mobilenet_v3_large": "segmentation",
    "unet_enhance_tiny": "enhancement",
    "unet_enhance": "enhancement",
    "crnn_tiny": "text_recognition",
    "crnn_mobilenet_v3_small": "text_recognition",
}

OUTPUT_NAMES = {
    "classification": ["probs"],
    "detection": ["boxes", "scores", "labels"],
    "segmentation": ["mask"],
    "enhancement": ["enhanced"],
    "text_recognition": ["indices", "scores"],
}

FASTERRCNN = "fasterrcnn_mobilenet_v3_large_320_fpn"

# DeepLabV3's image-level pooling ends in a BatchNorm over a 1x1 map: a batch of one image has
# nothing to normalize over and fails in training.
MIN_BATCH_SIZE = {"deeplabv3_mobilenet_v3_large": 2}


def build_network(arch: str, num_classes: int, input_size: tuple[int, int]) -> nn.Module:
    if ARCH_TASK.get(arch) == "classification":
        return build_classifier(arch, num_classes)
    if ARCH_TASK.get(arch) == "segmentation":
        return build_segmenter(arch, num_classes)
    if ARCH_TASK.get(arch) == "enhancement":
        return build_enhancer(arch)  # image in, image out: no classes
    if ARCH_TASK.get(arch) == "text_recognition":
        return build_recognizer(arch, num_classes)  # the "classes" are the charset's characters
    if arch == "tiny_det":
        return TinyDetNet(num_classes)
    if arch == FASTERRCNN:
        return build_fasterrcnn(num_classes, input_size)
    raise ValueError(f"unknown architecture: {arch}")


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
    elif isinstance(net, TinyDetNet):
        module = TinyDetDeploy(net, input_size)
    elif arch == FASTERRCNN:
        module = FasterRCNNDeploy(net, input_size)  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown architecture: {arch}")
    return module.eval()


def normalization(arch: str) -> dict[str, list[float]]:
    """Mean/std applied inside the graph, in 0..255 pixel units (informational for callers)."""
    if arch == FASTERRCNN:
        mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # torchvision's transform
        return {"mean": [m * 255 for m in mean], "std": [s * 255 for s in std]}
    return {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)}


def output_names(task: str) -> list[str]:
    return list(OUTPUT_NAMES[task])
