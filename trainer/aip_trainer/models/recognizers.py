"""Text recognition networks (CRNN: a CNN reads columns, a BiLSTM reads the column sequence, a linear
layer scores the CTC blank + each charset character per time step) and the deployable wrapper that
decodes greedily inside the graph."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models

from aip_trainer.models.normalize import Normalize

# Input columns per time step (16 and 32 steps at the default width of 128). crnn_tiny reads short
# strings, and with 32 steps for 3-6 characters CTC took much longer to get past predicting only
# blanks: on the tests' lines, after 180 training steps four seeds read 0-2% of the validation lines
# (8-63% with 16 steps), after 360 steps one of them still only 47% (all four 91% or more).
HORIZONTAL_STRIDE = {"crnn_tiny": 8, "crnn_mobilenet_v3_small": 4}
# The final layer, whose rows follow the charset (warm start copies them by character).
CLASSIFIER_PREFIX = "classifier."


def _cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


def _tiny_features() -> nn.Sequential:
    """Height and width /8, 96 channels. A strided first convolution: at full resolution it is most
    of the cost."""
    return nn.Sequential(
        _cbr(3, 16, stride=2),
        _cbr(16, 32),
        nn.MaxPool2d(2),
        _cbr(32, 64),
        _cbr(64, 64),
        nn.MaxPool2d(2),
        _cbr(64, 96),
    )


def _mobilenet_features() -> tuple[nn.Module, int]:
    """MobileNetV3-small's features (weights=None: nothing is downloaded), 576 channels. Its five
    stride-2 convolutions would leave one column of a 128-pixel line: all but the first two stride
    2 down only, so the width shrinks 4x and the height 32x."""
    features = models.mobilenet_v3_small(weights=None).features
    strided = [m for m in features.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    for conv in strided[2:]:
        conv.stride = (2, 1)
    return features, 576


class CRNN(nn.Module):
    """Normalized image [N,3,H,W] -> logits [N,T,K]: T = W / HORIZONTAL_STRIDE, K = charset size + 1
    (blank 0).

    Each image is first standardized on its own (zero mean, unit variance over all its pixels): text
    is text in any light and at any contrast, and on the tests' lines crnn_tiny learns faster so.
    The final layer reads the BiLSTM's output and, beside it, the CNN's columns themselves: through
    the LSTM alone CTC learned slowly (after 360 steps on the tests' lines crnn_tiny still predicted
    nothing but blanks; with the columns beside it, it read 98% of the validation lines).
    """

    def __init__(self, features: nn.Module, channels: int, num_outputs: int, hidden: int) -> None:
        super().__init__()
        self.features = features
        self.rnn = nn.LSTM(channels, hidden, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * hidden + channels, num_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - x.mean(dim=(1, 2, 3), keepdim=True)) / (x.std(dim=(1, 2, 3), keepdim=True) + 1e-3)
        # Max over what is left of the height: a stroke anywhere in the column is the evidence, and
        # any imageSize works.
        columns = self.features(x).amax(dim=2).transpose(1, 2)
        sequence, _ = self.rnn(columns)
        return self.classifier(torch.cat([sequence, columns], dim=2))


def build_recognizer(arch: str, charset_size: int) -> nn.Module:
    # + the CTC blank (index 0): the classifier's rows follow the charset.
    if arch == "crnn_tiny":
        return CRNN(_tiny_features(), 96, charset_size + 1, hidden=64)
    if arch == "crnn_mobilenet_v3_small":
        features, channels = _mobilenet_features()
        return CRNN(features, channels, charset_size + 1, hidden=256)
    raise ValueError(f"not a text recognition architecture: {arch}")


def ctc_loss(logits: torch.Tensor, targets: torch.Tensor, target_lengths: torch.Tensor) -> torch.Tensor:
    """CTC over logits [N,T,K]; ``targets`` the texts' character indices (1..K-1) concatenated.

    zero_infinity: a text longer than the time steps can spell has no alignment (infinite loss); it
    then teaches nothing instead of breaking the batch.
    """
    log_probs = F.log_softmax(logits.float(), dim=2).transpose(0, 1)  # [T, N, K] as CTCLoss wants
    input_lengths = torch.full((logits.shape[0],), logits.shape[1], dtype=torch.int64)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=True)


def greedy_decode(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits [T,K] -> (indices int64 [N], scores float32 [N]): the argmax per time step, repeats
    collapsed, blanks removed; each kept character's softmax probability. N may be 0.

    Written with a boolean mask and nonzero/index_select, which export to ONNX (NonZero, Gather)
    with a dynamic N.
    """
    scores, best = torch.softmax(logits, dim=-1).max(dim=-1)
    previous = torch.cat([torch.zeros_like(best[:1]), best[:-1]])  # a blank before the first step
    keep = torch.nonzero((best != previous) & (best != 0)).squeeze(1)
    return best.index_select(0, keep), scores.index_select(0, keep)


class RecognizerDeploy(nn.Module):
    """``image`` float32 [1,3,H,W] 0..255 RGB -> ``indices`` int64 [N] (k = charset[k-1]) and
    ``scores`` float32 [N]."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.normalize = Normalize()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return greedy_decode(self.net(self.normalize(image))[0])
