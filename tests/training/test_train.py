"""Checkpoints: read as plain data (weights_only), rebuilt from the network they describe, and
old ones (with an architecture name only) still read or refused with a reason."""

from dataclasses import asdict, replace
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="the training extra is not installed")

from moodtunes.training import config as training_config  # noqa: E402
from moodtunes.training.config import MODELS, NetConfig, TrainConfig  # noqa: E402
from moodtunes.training.nets import create_model  # noqa: E402
from moodtunes.training.train import load_checkpoint, read_checkpoint  # noqa: E402


def save(path: Path, net: NetConfig, arch: str, describe: bool = True, **extra: Any) -> Path:
    """A checkpoint as `train` writes it; without `describe`, as it wrote them before."""
    torch.manual_seed(0)
    state = {"model": create_model(net).state_dict(), "config": asdict(TrainConfig(arch=arch)),
             "epoch": 1, "history": [], **({"net": net.to_dict()} if describe else {})}
    torch.save({**state, **extra}, path)
    return path


def test_the_network_comes_from_the_checkpoint_not_the_registry(tmp_path: Path) -> None:
    # a vgg_tiny trained when vgg_tiny was another size still loads as what it is
    other = replace(MODELS["vgg_tiny"], widths=(4, 8), hidden=16)
    model, state = load_checkpoint(save(tmp_path / "a.ckpt", other, "vgg_tiny"))
    assert tuple(model.state_dict()["features.0.weight"].shape) == (4, 1, 3, 3)
    assert not model.training and state["epoch"] == 1
    with torch.no_grad():
        assert model(torch.zeros(1, 1, 48, 48)).shape == (1, 7)


def test_an_old_checkpoint_is_rebuilt_from_its_architecture_name(tmp_path: Path) -> None:
    path = save(tmp_path / "old.ckpt", MODELS["vgg_tiny"], "vgg_tiny", describe=False)
    model, state = load_checkpoint(path)
    assert "net" not in state
    torch.manual_seed(0)  # the seed `save` built it with
    reference = create_model("vgg_tiny")
    assert all(torch.equal(v, reference.state_dict()[k]) for k, v in model.state_dict().items())


def test_an_old_checkpoint_that_cannot_be_rebuilt_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save(tmp_path / "old.ckpt", MODELS["vgg_tiny"], "vgg_tiny", describe=False)
    monkeypatch.setitem(training_config.MODELS, "vgg_tiny",
                        replace(MODELS["vgg_tiny"], widths=(4, 8, 16, 32)))
    with pytest.raises(ValueError, match="old.ckpt's weights do not fit NetConfig"):
        load_checkpoint(path)
    monkeypatch.delitem(training_config.MODELS, "vgg_tiny")
    with pytest.raises(ValueError, match="predates checkpoints that describe their network, "
                       "and its architecture 'vgg_tiny' is no longer registered"):
        load_checkpoint(path)


def test_only_plain_data_and_tensors_are_read(tmp_path: Path) -> None:
    path = save(tmp_path / "odd.ckpt", MODELS["vgg_tiny"], "vgg_tiny",
                where=PurePosixPath("/tmp"))  # an object unpickling would construct
    with pytest.raises(ValueError, match="odd.ckpt is not a moodtunes checkpoint of plain data"):
        read_checkpoint(path)
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.ckpt")
    with pytest.raises(ValueError, match="no model and config"):
        read_checkpoint(tmp_path / "other.ckpt")
    broken = save(tmp_path / "broken.ckpt", MODELS["vgg_tiny"], "vgg_tiny", describe=False)
    torch.save({**torch.load(broken, weights_only=True), "net": {"arch": "vgg", "widths": [8]}},
               broken)
    with pytest.raises(ValueError, match="broken.ckpt: not a network description: missing"):
        load_checkpoint(broken)
