"""The networks, built from their NetConfig through the registry."""

from dataclasses import replace

import pytest

torch = pytest.importorskip("torch", reason="the training extra is not installed")

from moodtunes.training.config import MODELS  # noqa: E402
from moodtunes.training.nets import ARCHITECTURES, create_model  # noqa: E402


def test_registry() -> None:
    assert {"paper_cnn", "vgg_small"} <= set(MODELS)
    assert {net.arch for net in MODELS.values()} <= set(ARCHITECTURES)
    with pytest.raises(ValueError, match="paper_cnn"):
        create_model("resnet1000")
    with pytest.raises(ValueError, match="unknown network family 'resnet'; choose one of: "
                       "paper_cnn, vgg"):
        create_model(replace(MODELS["vgg_tiny"], arch="resnet"))


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_every_architecture_maps_faces_to_seven_logits(arch: str) -> None:
    net = create_model(arch).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 1, 48, 48)).shape == (2, 7)


def test_the_config_decides_the_network() -> None:
    # the shipped sizes (docs/MODEL.md): 2.36M parameters for vgg_small, 2.35M for the paper's
    assert sum(p.numel() for p in create_model("vgg_small").parameters()) == 2_357_415
    assert sum(p.numel() for p in create_model("paper_cnn").parameters()) == 2_345_607
    three = create_model(replace(MODELS["vgg_tiny"], widths=(4, 8, 16), hidden=24,
                                 dropout=0.1)).eval()
    shapes = {k: tuple(v.shape) for k, v in three.state_dict().items()}
    assert shapes["features.0.weight"] == (4, 1, 3, 3)
    assert shapes["classifier.2.weight"] == (24, 16 * 6 * 6)  # three stages: 48 -> 6 pixels
    assert three.classifier[1].p == 0.1
    with torch.no_grad():
        assert three(torch.zeros(2, 1, 48, 48)).shape == (2, 7)
    wide = create_model(replace(MODELS["paper_cnn"], widths=(8, 8, 16, 16), hidden=32))
    assert tuple(wide.state_dict()["classifier.1.weight"].shape) == (32, 16 * 4 * 4)
    with pytest.raises(ValueError, match="paper_cnn has 4 convolutions"):
        create_model(replace(MODELS["paper_cnn"], widths=(8, 16)))
    with pytest.raises(ValueError, match="vgg needs 1 to 5 stages"):
        create_model(replace(MODELS["vgg_tiny"], widths=(2,) * 6))
