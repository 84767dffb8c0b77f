"""What decides a training run and what a network is, as plain data (no torch).

`TrainConfig` is saved in every checkpoint and is the one source of `moodtunes train`'s flags:
each field's metadata holds its help text (and, where it differs from the field name, its flag),
so a new setting is one line here. `NetConfig` describes a network completely; `nets.py` builds
it, checkpoints and ONNX files record it, and `MODELS` names the ones we train.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any


def setting(default: Any, help: str, **cli: Any) -> Any:
    """A TrainConfig field: its default, its help text (plain, not an argparse template) and, in
    `cli`, what the flag needs beyond those: `flag` (default --field-name), metavar, choices."""
    return field(default=default, metadata={"help": help, **cli})


@dataclass(frozen=True)
class NetConfig:
    """A network, completely: `arch` is the family that builds it (a key of nets.ARCHITECTURES);
    the other fields are that family's sizes. Saved in checkpoints and in the ONNX metadata."""

    arch: str
    # Output channels of the convolutions: one per VGG stage (48 pixels halve at each), or the
    # paper's four layers.
    widths: tuple[int, ...]
    hidden: int  # units of the dense layer in front of the 7 logits
    dropout: float  # in front of the dense layers
    conv_dropout: float = 0.0  # after the pooling layers (the paper's CNN only)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        """The inverse of `to_dict`; unknown or missing fields raise ValueError naming them."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        required = {f.name for f in fields(cls) if f.default is MISSING}
        missing = required - set(data)
        if unknown or missing:
            raise ValueError(
                "not a network description: "
                + "; ".join(([f"unknown field(s) {', '.join(sorted(unknown))}"] if unknown else [])
                            + ([f"missing {', '.join(sorted(missing))}"] if missing else []))
            )
        return cls(**{**data, "widths": tuple(int(w) for w in data["widths"])})

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, numbers, strings) for a checkpoint or JSON."""
        return {**asdict(self), "widths": list(self.widths)}


# The networks `moodtunes train --arch` knows, by name. Changing one changes what that name
# trains next, never an existing checkpoint: those carry their own NetConfig.
MODELS: dict[str, NetConfig] = {
    # The CNN of Gajula et al., as in their Keras code.
    "paper_cnn": NetConfig("paper_cnn", widths=(32, 64, 128, 128), hidden=1024, dropout=0.5,
                           conv_dropout=0.25),
    "vgg_small": NetConfig("vgg", widths=(32, 64, 128, 256), hidden=512, dropout=0.4),
    "vgg_tiny": NetConfig("vgg", widths=(8, 16, 32, 64), hidden=64, dropout=0.4),
}


def net_config(name: str) -> NetConfig:
    """The registered network `name`; unknown names raise ValueError listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; choose one of: {', '.join(sorted(MODELS))}"
        ) from None


OPTIMIZERS = ("adamw", "adam")
SCHEDULES = ("onecycle", "constant")


@dataclass
class TrainConfig:
    """Everything that decides a training run; saved in every checkpoint."""

    arch: str = setting("vgg_small", "network, by its name in MODELS", choices=tuple(MODELS))
    epochs: int = setting(30, "epochs of the learning-rate schedule")
    batch_size: int = setting(128, "faces per optimizer step")
    lr: float = setting(3e-3, "peak learning rate (one-cycle)")
    weight_decay: float = setting(0.01, "weight decay (AdamW) or L2 term (Adam)")
    # "adam" adds the weight decay as an L2 term, as Keras does
    optimizer: str = setting("adamw", "optimizer", choices=OPTIMIZERS)
    schedule: str = setting("onecycle", "one-cycle (warm-up then cosine decay) or a constant "
                            "learning rate (the paper's)", choices=SCHEDULES)
    label_smoothing: float = setting(0.1, "label smoothing of the cross-entropy loss")
    pct_start: float = setting(0.2, "share of the one-cycle schedule spent warming up")
    # When on, the averaged network is the one validated, selected and exported. From random
    # weights its decay ramps up over the first steps (see train.ema_update).
    ema_decay: float = setting(0.0, "keep an exponential moving average of the weights (e.g. "
                               "0.998) and select/export it; 0 turns it off",
                               flag="--ema", metavar="DECAY")
    # A warm restart: a new one-cycle schedule and a fresh optimizer. The starting run's history
    # is carried over, so the curves and training time cover the whole recipe.
    init_from: str | None = setting(None, "start from this checkpoint's weights with a new "
                                    "schedule (warm restart)", metavar="CHECKPOINT")
    seed: int = setting(0, "seed of the weights, the batch order and the augmentation")
    augment: bool = setting(True, "random flips, rotations, scales and shifts of the faces")
    # Random erasing (Zhong et al. 2020), after the affine augmentation.
    erase: float = setting(0.0, "random erasing: blank a rectangle (2-20% of the face) in this "
                           "share of faces (e.g. 0.5); 0 turns it off", metavar="P")
    # Faces without usable votes keep their label. Up to 0.5 the label stays the top class of
    # every target.
    soft_targets: float = setting(0.0, "blend the FER+ votes into each face's target with this "
                                  "weight (e.g. 0.5; the label keeps 1 - W); 0 trains on the "
                                  "labels alone", metavar="W")
    ferplus: str | None = setting(None, "fer2013new.csv with the FER+ votes, for a fer2013.csv "
                                  "--train-data (an npz file carries its own)", metavar="CSV")
    train_data: str = setting("../shared/data/fer2013/train.npz",
                              "faces to train on: an npz, Kaggle's fer2013.csv or an image folder")
    val_data: str = setting("../shared/data/fer2013/publictest.npz",
                            "faces to select the model on (same formats)")
    # An npz holds one split; a fer2013.csv or a train/test folder holds them all.
    train_usage: str = setting("Training", "split to train on, for a fer2013.csv or an image "
                               "folder")
    val_usage: str = setting("PublicTest", "split to select the model on")
    limit: int | None = setting(None, "use only the first N training faces", metavar="N")
    threads: int = setting(2, "CPU threads")
    device: str = setting("auto", "auto, cpu or cuda")
    out_dir: str = setting("runs/latest", "run folder (checkpoints, history, model.onnx)",
                           flag="--out", metavar="DIR")
    extra: dict[str, Any] = field(default_factory=dict, metadata={"flag": None})

    def net(self) -> NetConfig:
        """The network this run trains."""
        return net_config(self.arch)
