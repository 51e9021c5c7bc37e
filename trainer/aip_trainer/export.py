"""ONNX export of the deployable module and its verification with ONNX Runtime."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

log = logging.getLogger(__name__)

OPSET = 17


def export_onnx(deploy: nn.Module, sample: torch.Tensor, path: Path, outputs: list[str]) -> None:
    """Exports with a fixed [1,3,H,W] input named ``image``.

    The TorchScript-based exporter (dynamo=False) is used on purpose: it handles torchvision's
    detection post-processing (Faster R-CNN's NMS and dynamic K), which torch.export cannot
    trace, and is several times faster for the small models; one exporter for every arch keeps
    the graphs consistent.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            deploy,
            (sample,),
            str(tmp),
            input_names=["image"],
            output_names=outputs,
            opset_version=OPSET,
            dynamo=False,
        )
    onnx.checker.check_model(str(tmp))
    tmp.replace(path)


def verify_onnx(
    path: Path,
    deploy: nn.Module,
    sample: torch.Tensor,
    problem: Callable[[list[np.ndarray], list[np.ndarray]], str | None],
) -> None:
    """Runs ``sample`` through ONNX Runtime and PyTorch; raises when they disagree."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    actual = session.run(None, {"image": sample.cpu().numpy().astype(np.float32)})
    with torch.no_grad():
        expected = deploy(sample)
    expected_list = [expected] if isinstance(expected, torch.Tensor) else list(expected)
    found = problem([t.detach().cpu().numpy() for t in expected_list], [np.asarray(a) for a in actual])
    if found:
        raise RuntimeError(f"the exported ONNX model does not match PyTorch: {found}")
    log.info("ONNX Runtime matches PyTorch on a sample image")
