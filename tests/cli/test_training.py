"""`moodtunes train`'s settings flags, made from TrainConfig's fields (no torch needed)."""

from dataclasses import asdict, fields

import pytest

from moodtunes.cli import build_parser
from moodtunes.cli.training import train_config
from moodtunes.training.config import MODELS, TrainConfig


def parsed(*argv: str) -> TrainConfig:
    return train_config(build_parser().parse_args(["train", *argv]))


def test_no_flags_is_the_default_config() -> None:
    assert parsed() == TrainConfig()


# A value other than the default for every field, and the flag that sets it.
CHANGES = {
    "arch": ("--arch", "paper_cnn", "paper_cnn"),
    "epochs": ("--epochs", "3", 3),
    "batch_size": ("--batch-size", "16", 16),
    "lr": ("--lr", "1e-4", 1e-4),
    "weight_decay": ("--weight-decay", "0", 0.0),
    "optimizer": ("--optimizer", "adam", "adam"),
    "schedule": ("--schedule", "constant", "constant"),
    "label_smoothing": ("--label-smoothing", "0", 0.0),
    "pct_start": ("--pct-start", "0.15", 0.15),
    "ema_decay": ("--ema", "0.998", 0.998),
    "init_from": ("--init-from", "runs/a/last.ckpt", "runs/a/last.ckpt"),
    "seed": ("--seed", "2", 2),
    "augment": ("--no-augment", None, False),
    "erase": ("--erase", "0.5", 0.5),
    "soft_targets": ("--soft-targets", "0.5", 0.5),
    "ferplus": ("--ferplus", "fer2013new.csv", "fer2013new.csv"),
    "train_data": ("--train-data", "t.npz", "t.npz"),
    "val_data": ("--val-data", "v.npz", "v.npz"),
    "train_usage": ("--train-usage", "PublicTest", "PublicTest"),
    "val_usage": ("--val-usage", "PrivateTest", "PrivateTest"),
    "limit": ("--limit", "256", 256),
    "threads": ("--threads", "1", 1),
    "device": ("--device", "cpu", "cpu"),
    "out_dir": ("--out", "runs/x", "runs/x"),
}


def test_every_setting_has_its_flag_and_that_flag_sets_only_it() -> None:
    # `extra` is the only field kept off the command line; a new field needs a CHANGES line
    assert set(CHANGES) == {f.name for f in fields(TrainConfig)} - {"extra"}
    default = asdict(TrainConfig())
    for name, (flag, value, expected) in CHANGES.items():
        config = asdict(parsed(flag, *([value] if value is not None else [])))
        assert config[name] == expected != default[name], name
        assert {k: v for k, v in config.items() if k != name} == \
            {k: v for k, v in default.items() if k != name}, name


def test_flags_take_their_types_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--epochs", "many"], ["--lr", "fast"], ["--arch", "resnet1000"],
                 ["--optimizer", "sgd"]):
        with pytest.raises(SystemExit) as stop:
            parsed(*argv)
        assert stop.value.code == 2
        assert argv[0] in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parsed("--arch", "resnet1000")
    err = capsys.readouterr().err
    assert all(name in err for name in MODELS)


def test_help_comes_from_the_field_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["train", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for f in fields(TrainConfig):
        if f.name != "extra":
            assert " ".join(f.metadata["help"].split()) in text, f.name
    assert "--ema DECAY" in text and "(default 30)" in text and "--no-augment" in text
