"""Pruned networks in model.pt: the structure is the state_dict's own tensor shapes.

A pruned network is a registry network with fewer channels in some layers. model.pt must load with
``torch.load(weights_only=True)`` (no pickled modules), so instead of saving the module the state_dict
gets a marker tensor, and loading it into a freshly built network first shrinks every Conv2d,
BatchNorm2d and Linear to the shapes the state_dict holds. Without the marker nothing is reshaped, so a
wrong file still fails with PyTorch's usual shape-mismatch error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

# In the state_dict of a pruned network; its value (1) is never used.
PRUNED_MARKER = "aip_pruned"


def mark_pruned(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {**state_dict, PRUNED_MARKER: torch.ones(1)}


def is_pruned(state_dict: Mapping[str, Any]) -> bool:
    return PRUNED_MARKER in state_dict


def _resize(module: nn.Module, name: str, shape: torch.Size) -> None:
    old = getattr(module, name)
    if old is None or old.shape == shape:
        return
    fresh = torch.zeros(shape, dtype=old.dtype, device=old.device)
    if isinstance(old, nn.Parameter):
        setattr(module, name, nn.Parameter(fresh, requires_grad=old.requires_grad))
    else:
        module.register_buffer(name, fresh)


def reshape_to(net: nn.Module, state_dict: Mapping[str, Any], prefix: str = "") -> None:
    """Shrinks (or grows) ``net``'s layers in place to the shapes of ``state_dict``'s tensors."""
    for name, module in net.named_modules():
        base = f"{prefix}{name}." if name else prefix
        weight = state_dict.get(base + "weight")
        if not isinstance(weight, torch.Tensor):
            continue
        if isinstance(module, nn.Conv2d):
            depthwise = module.groups > 1 and module.groups == module.in_channels == module.out_channels
            out_channels, in_per_group = int(weight.shape[0]), int(weight.shape[1])
            # torch-pruning keeps a depthwise conv depthwise (groups = channels); other grouped
            # convs do not occur in the registry's prunable networks.
            groups = out_channels if depthwise else module.groups
            module.out_channels, module.in_channels, module.groups = out_channels, in_per_group * groups, groups
            _resize(module, "weight", weight.shape)
            if module.bias is not None and base + "bias" in state_dict:
                _resize(module, "bias", state_dict[base + "bias"].shape)
        elif isinstance(module, nn.BatchNorm2d):
            module.num_features = int(weight.shape[0])
            for key in ("weight", "bias", "running_mean", "running_var"):
                if base + key in state_dict:
                    _resize(module, key, state_dict[base + key].shape)
        elif isinstance(module, nn.Linear):
            module.out_features, module.in_features = int(weight.shape[0]), int(weight.shape[1])
            _resize(module, "weight", weight.shape)
            if module.bias is not None and base + "bias" in state_dict:
                _resize(module, "bias", state_dict[base + "bias"].shape)


def _pre_hook(
    module: nn.Module,
    state_dict: dict[str, Any],
    prefix: str,
    _local_metadata: Any,
    _strict: bool,
    _missing_keys: list[str],
    _unexpected_keys: list[str],
    _error_msgs: list[str],
) -> None:
    if prefix + PRUNED_MARKER not in state_dict:
        return
    # ``state_dict`` is load_state_dict's own copy: dropping the marker keeps strict loading happy.
    del state_dict[prefix + PRUNED_MARKER]
    reshape_to(module, state_dict, prefix)


def follow_pruned_shapes(net: nn.Module) -> None:
    """Makes ``net.load_state_dict`` accept the state_dict of a pruned copy of ``net``."""
    net.register_load_state_dict_pre_hook(_pre_hook)
