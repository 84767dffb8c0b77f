"""The training's plain-data configs: what a run is (TrainConfig) and what a network is
(NetConfig). No torch needed."""

import json
import subprocess
import sys

import pytest

from moodtunes.training.config import MODELS, NetConfig, TrainConfig, net_config
from tests.support import ROOT


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_network_description_is_plain_data_and_round_trips(name: str) -> None:
    net = MODELS[name]
    data = json.loads(json.dumps(net.to_dict()))  # what checkpoints and ONNX metadata hold
    assert data["widths"] == list(net.widths)
    assert NetConfig.from_dict(data) == net


def test_a_broken_description_names_what_is_wrong() -> None:
    data = MODELS["vgg_tiny"].to_dict()
    with pytest.raises(ValueError, match="unknown field\\(s\\) depth"):
        NetConfig.from_dict({**data, "depth": 3})
    with pytest.raises(ValueError, match="missing hidden, widths"):
        NetConfig.from_dict({"arch": "vgg", "dropout": 0.1})
    # conv_dropout has a default, so descriptions written without it still read
    del data["conv_dropout"]
    assert NetConfig.from_dict(data) == MODELS["vgg_tiny"]


def test_names_resolve_to_their_networks() -> None:
    assert TrainConfig().net() == MODELS["vgg_small"] == net_config("vgg_small")
    assert TrainConfig(arch="paper_cnn").net().arch == "paper_cnn"
    with pytest.raises(ValueError, match="unknown architecture 'resnet1000'; choose one of: "
                       "paper_cnn, vgg_small, vgg_tiny"):
        net_config("resnet1000")


def test_the_configs_import_without_torch() -> None:
    code = ("import sys; sys.modules['torch'] = None; import moodtunes.training.config; "
            "print(moodtunes.training.config.TrainConfig().arch)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "vgg_small"
