"""``initWeights``: copy every tensor whose name and shape match into a fresh network."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from aip_trainer.errors import UserError
from aip_trainer.text_recognition import carry_charset_rows

log = logging.getLogger(__name__)


def load_initial_weights(net: nn.Module, path: Path, charset: list[str] | None = None) -> None:
    """Accepts a trainer model.pt, a checkpoint.pt, or a plain state_dict (e.g. torchvision
    ImageNet/COCO weights brought in by hand). Heads with another class count are left fresh.

    ``charset``: a text recognizer's; from a file that names its own charset, the final layer's rows
    of the characters both share are carried over (by character, whatever their positions)."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as error:
        raise UserError(f"initWeights file {path} does not exist") from error
    except Exception as error:
        raise UserError(f"cannot load initWeights {path}: {error}") from error
    state = data
    if isinstance(data, dict):
        for key in ("state_dict", "model"):
            if isinstance(data.get(key), dict):
                state = data[key]
                break
    if not isinstance(state, dict):
        raise UserError(f"initWeights {path} holds no state_dict")
    own = net.state_dict()
    if charset is not None and isinstance(data, dict) and isinstance(data.get("charset"), list):
        state = carry_charset_rows(state, [str(char) for char in data["charset"]], charset, own)
    matched = {k: v for k, v in state.items() if k in own and isinstance(v, torch.Tensor) and v.shape == own[k].shape}
    if not matched:
        raise UserError(f"initWeights {path} has no tensor that fits this architecture")
    net.load_state_dict(matched, strict=False)
    log.info("warm start: %d of %d tensors loaded from %s", len(matched), len(own), path)
