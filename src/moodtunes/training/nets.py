"""Emotion networks built from a NetConfig. Each takes (N, 1, 48, 48) normalised faces and
gives 7 logits."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from moodtunes.emotions import EMOTIONS
from moodtunes.training.config import NetConfig, net_config
from moodtunes.vision.preprocess import FACE_SIZE

NUM_CLASSES = len(EMOTIONS)


class PaperCNN(nn.Module):
    """The CNN of Gajula et al., as in their Keras code (with MODELS["paper_cnn"]).

    Conv 32 -> Conv 64 -> MaxPool -> Dropout .25 -> Conv 128 -> MaxPool -> Conv 128 -> MaxPool ->
    Dropout .25 -> Flatten -> Dense 1024 ReLU -> Dropout .5 -> Dense 7 (softmax in the loss).
    """

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        if len(config.widths) != 4:
            raise ValueError(f"paper_cnn has 4 convolutions, got widths {config.widths}")
        w1, w2, w3, w4 = config.widths
        self.features = nn.Sequential(
            nn.Conv2d(1, w1, 3), nn.ReLU(inplace=True),
            nn.Conv2d(w1, w2, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Dropout(config.conv_dropout),
            nn.Conv2d(w2, w3, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(w3, w4, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Dropout(config.conv_dropout),
        )
        side = (((FACE_SIZE - 4) // 2 - 2) // 2 - 2) // 2  # unpadded 3x3 convolutions: 48 -> 4
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w4 * side * side, config.hidden), nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, NUM_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _conv_bn(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


class VGGNet(nn.Module):
    """VGG stages of two 3x3 conv-BN-ReLU each, one per width, each halving the side (four:
    48 -> 3 pixels), then a small MLP head."""

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        side = FACE_SIZE // 2 ** len(config.widths)
        if not config.widths or side < 1:
            raise ValueError(f"vgg needs 1 to 5 stages, got widths {config.widths}")
        layers: list[nn.Module] = []
        cin = 1
        for width in config.widths:
            layers += _conv_bn(cin, width) + _conv_bn(width, width) + [nn.MaxPool2d(2)]
            cin = width
        self.features = nn.Sequential(*layers)
        hidden, dropout = config.hidden, config.dropout
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(cin * side * side, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, NUM_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# Network families by NetConfig.arch; MODELS (in training.config) names their sizes.
ARCHITECTURES: dict[str, Callable[[NetConfig], nn.Module]] = {
    "paper_cnn": PaperCNN,
    "vgg": VGGNet,
}


def create_model(config: NetConfig | str) -> nn.Module:
    """A fresh network described by `config`, or the one training.config.MODELS names so.
    Unknown names and families raise ValueError listing the known ones."""
    if isinstance(config, str):
        config = net_config(config)
    try:
        factory = ARCHITECTURES[config.arch]
    except KeyError:
        raise ValueError(f"unknown network family {config.arch!r}; choose one of: "
                         f"{', '.join(sorted(ARCHITECTURES))}") from None
    return factory(config)
