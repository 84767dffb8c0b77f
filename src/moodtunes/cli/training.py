"""`moodtunes train` and `moodtunes export` (the training extra).

`train`'s settings flags are made from the fields of `TrainConfig`: name, type, default and the
help text in each field's metadata. Only the flags about how to run (resume, ship, quiet, ...)
are written here. Torch is imported when a command runs, never to build the parser.
"""

from __future__ import annotations

import argparse
import types
import typing
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any

from moodtunes.cli.errors import CommandFailed, UsageError, missing_extra
from moodtunes.training.config import TrainConfig

PACKAGE_MODEL = Path(__file__).resolve().parents[1] / "models" / "emotion.onnx"
NO_RECALIBRATE_HELP = ("export BatchNorm statistics as trained (on augmented faces), without "
                       "re-estimating them on the unaugmented training faces")


def _flagged() -> list[Field[Any]]:
    """The TrainConfig fields that are flags (metadata `flag: None` keeps one off the command)."""
    return [f for f in fields(TrainConfig) if f.metadata.get("flag", "") is not None]


def _scalar_type(name: str, hint: Any) -> type:
    """bool, int, float or str from a field's type, `X | None` included."""
    options = [a for a in typing.get_args(hint) if a is not type(None)] \
        if isinstance(hint, types.UnionType) else [hint]
    if len(options) == 1 and options[0] in (bool, int, float, str):
        return typing.cast(type, options[0])
    raise TypeError(f"TrainConfig.{name}: a flag needs a bool, int, float or str field, not "
                    f"{hint}; give it metadata flag=None to keep it off the command line")


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per TrainConfig field: `--field-name` (or metadata `flag`), typed and defaulted
    as the field; a bool that defaults to True becomes `--no-field-name`."""
    hints = typing.get_type_hints(TrainConfig)
    group = parser.add_argument_group("training settings (saved in every checkpoint)")
    for f in _flagged():
        if f.default is MISSING:
            raise TypeError(f"TrainConfig.{f.name}: a flag needs a default")
        kind = _scalar_type(f.name, hints[f.name])
        flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
        text = f.metadata["help"].replace("%", "%%")  # plain text; argparse formats with %
        if kind is bool:
            if f.default:
                group.add_argument("--no-" + flag[2:], dest=f.name, action="store_false",
                                   default=True, help=f"turn off {text}")
            else:
                group.add_argument(flag, dest=f.name, action="store_true", help=text)
            continue
        extra = {k: f.metadata[k] for k in ("metavar", "choices") if k in f.metadata}
        if f.default is not None:
            text += " (default %(default)s)"
        group.add_argument(flag, dest=f.name, type=kind, default=f.default, help=text, **extra)


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig that `add_config_flags`' flags describe."""
    return TrainConfig(**{f.name: getattr(args, f.name) for f in _flagged()})


def run_train(args: argparse.Namespace) -> int:
    try:
        from moodtunes.training.pipeline import run_training
    except ImportError as exc:
        raise missing_extra("train", exc) from None
    config = train_config(args)
    for path in (config.train_data, config.val_data):
        if not Path(path).exists():
            raise UsageError(f"data not found: {path} (FER2013 as an npz, Kaggle's fer2013.csv "
                             "or a train/test image folder; see docs/MODEL.md)")
    if args.ship and args.no_export:
        raise UsageError("--ship needs the export; drop --no-export")
    try:
        run_training(config, resume=not args.fresh, ship_to=PACKAGE_MODEL if args.ship else None,
                     progress=not args.quiet, quantize=not args.no_quantize,
                     recalibrate=not args.no_recalibrate, export=not args.no_export)
    except (ValueError, RuntimeError) as exc:
        raise CommandFailed(str(exc)) from None
    return 0


def run_export(args: argparse.Namespace) -> int:
    try:
        from moodtunes.training.pipeline import package_model
    except ImportError as exc:
        raise missing_extra("export", exc) from None
    missing = [str(path) for path in args.checkpoints if not path.is_file()]
    if missing:
        raise UsageError(f"checkpoint not found: {', '.join(missing)}")
    try:
        package_model(args.checkpoints, args.out, mirror=not args.no_mirror,
                      quantize=not args.no_quantize, recalibrate=not args.no_recalibrate,
                      ship_to=PACKAGE_MODEL if args.ship else None)
    except (ValueError, RuntimeError, OSError, KeyError) as exc:
        raise CommandFailed(str(exc)) from None
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("train", help="train an emotion model on FER2013 and export it to ONNX",
                       description="Train an emotion model on FER2013, then export it to ONNX "
                       "(parity-checked, quantized when that costs no accuracy). An interrupted "
                       "run resumes from its last checkpoint.")
    add_config_flags(p)
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--ship", action="store_true",
                   help=f"copy the exported model to {PACKAGE_MODEL}")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--no-export", action="store_true",
                   help="keep the checkpoints only (a stage that a warm restart continues)")
    p.add_argument("--no-quantize", action="store_true",
                   help="ship the float model even when its int8 copy is as accurate")
    p.add_argument("--no-recalibrate", action="store_true", help=NO_RECALIBRATE_HELP)
    p.set_defaults(run=run_train)

    p = sub.add_parser("export", help="package checkpoints (one, or several averaged as an "
                       "ensemble) as a checked, quantized ONNX model")
    p.add_argument("checkpoints", nargs="+", type=Path, metavar="CHECKPOINT",
                   help="best.ckpt or last.ckpt of `moodtunes train` runs")
    p.add_argument("--out", type=Path, required=True,
                   help="folder for model.onnx, model.fp32.onnx and model.int8.onnx")
    p.add_argument("--no-mirror", action="store_true",
                   help="no mirror-image test-time augmentation (half the time per face)")
    p.add_argument("--no-quantize", action="store_true", help="ship the float model")
    p.add_argument("--no-recalibrate", action="store_true", help=NO_RECALIBRATE_HELP)
    p.add_argument("--ship", action="store_true",
                   help=f"copy the exported model to {PACKAGE_MODEL}")
    p.set_defaults(run=run_export)
