"""Emotion networks, by registry name. Each takes (N, 1, 48, 48) normalised faces, gives logits."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from moodtunes.emotions import EMOTIONS

NUM_CLASSES = len(EMOTIONS)


class PaperCNN(nn.Module):
    """The CNN of Gajula et al., as in their Keras code.

    Conv 32 -> Conv 64 -> MaxPool -> Dropout .25 -> Conv 128 -> MaxPool -> Conv 128 -> MaxPool ->
    Dropout .25 -> Flatten -> Dense 1024 ReLU -> Dropout .5 -> Dense 7 (softmax in the loss).
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(64, 128, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(128, 128, 3), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Dropout(0.25),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(128 * 4 * 4, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(1024, NUM_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _conv_bn(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


class VGGNet(nn.Module):
    """Four VGG stages of two 3x3 conv-BN-ReLU each (48 -> 3 pixels), then a small MLP head."""

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256), hidden: int = 512,
                 dropout: float = 0.4) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for width in widths:
            layers += _conv_bn(cin, width) + _conv_bn(width, width) + [nn.MaxPool2d(2)]
            cin = width
        self.features = nn.Sequential(*layers)
        side = 48 // 2 ** len(widths)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(cin * side * side, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, NUM_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


MODELS: dict[str, Callable[[], nn.Module]] = {
    "paper_cnn": PaperCNN,
    "vgg_small": VGGNet,
    "vgg_tiny": lambda: VGGNet(widths=(8, 16, 32, 64), hidden=64),
}


def create_model(name: str) -> nn.Module:
    """A fresh network of the registered architecture `name`."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; choose one of: {', '.join(sorted(MODELS))}"
        ) from None
    return factory()
