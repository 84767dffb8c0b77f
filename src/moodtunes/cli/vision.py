"""`moodtunes detect` (faces and emotions in images) and `moodtunes evaluate` (a model on
labelled faces). Neither needs torch."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moodtunes.cli.errors import FAILED, OK, CommandFailed, UsageError

if TYPE_CHECKING:
    from moodtunes.evaluation.metrics import Evaluation


def run_detect(args: argparse.Namespace) -> int:
    from moodtunes.errors import MoodtunesError
    from moodtunes.vision.images import read_image
    from moodtunes.vision.recognizer import EmotionRecognizer

    recognizer = EmotionRecognizer.default(args.model, args.detector)
    results: list[dict[str, object]] = []
    failed = 0
    for path in args.images:
        try:
            faces = recognizer.analyze(read_image(path))
        except MoodtunesError as exc:  # one unreadable image; the others still count
            failed += 1
            results.append({"file": path, "error": exc.message})
            print(f"error: {exc.message}", file=sys.stderr)
            continue
        results.append({"file": path, "faces": [face.to_dict() for face in faces]})
        if not args.json:
            if not faces:
                print(f"{path}: no face found")
            for face in faces:
                top = ", ".join(f"{k} {v:.0%}" for k, v in
                                sorted(face.scores.items(), key=lambda kv: -kv[1])[:3])
                print(f"{path}: {face.emotion:<9} box {list(face.box)}  ({top})")
    if args.json:
        print(json.dumps(results, indent=2))
    return FAILED if failed else OK


def _fold_lines(result: Evaluation, groups: list[str], folds: int) -> list[str]:
    """Accuracy per fold, whole groups (SFEW's films) in one fold each."""
    import numpy as np

    from moodtunes.evaluation.folders import folds_by_group

    try:
        fold = folds_by_group(groups, folds)
    except ValueError as exc:
        raise UsageError(f"--folds: {exc}") from None
    right = result.predictions == result.labels
    lines = [f"folds by group (film): {folds}"]
    for f in range(folds):
        mask = fold == f
        lines.append(f"  fold {f + 1}: {int(mask.sum())} faces of "
                     f"{len({g for g, m in zip(groups, mask, strict=True) if m})} groups, "
                     f"accuracy {right[mask].mean():.4f}")
    accs = [float(right[fold == f].mean()) for f in range(folds)]
    lines.append(f"  mean {np.mean(accs):.4f}, spread (sd) {np.std(accs):.4f}")
    return lines


def run_evaluate(args: argparse.Namespace) -> int:
    from moodtunes.evaluation.fer2013 import load_faces
    from moodtunes.evaluation.folders import (
        face_crop,
        group_of,
        is_class_layout,
        load_class_folders,
        through_detector,
    )
    from moodtunes.evaluation.metrics import evaluate, format_report
    from moodtunes.evaluation.report import calibration
    from moodtunes.vision.classifier import EmotionClassifier

    if args.report and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--report draws with matplotlib, part of the training extra; install "
                         "it with: pip install 'moodtunes[train]'")
    history = None
    if args.history:
        try:
            history = json.loads(Path(args.history).read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read training history {args.history}: {exc}") from None
    data = Path(args.data)
    classes = is_class_layout(data)
    detector = args.detector or ("mtcnn" if classes else "whole")
    if args.folds is not None and not classes:
        raise UsageError("--folds splits class folders (ROOT/<emotion>/) by film; "
                         f"{data} is not laid out so")
    groups: list[str] = []
    missed = 0
    if classes:
        found = load_class_folders(data, face_crop(detector))
        problems, faces, missed = found.problems, found.faces, len(found.missed)
        groups = [group_of(p) for p in found.paths]
        if not len(faces):
            raise CommandFailed(f"{data}: the {detector} detector found no face in any of "
                                f"its {found.images} images")
    else:
        loaded = load_faces(data, usage=args.usage)
        problems, faces = loaded.problems, loaded.faces
        if detector != "whole":  # FER2013's own crops, through the detector too
            faces, missed = through_detector(faces, face_crop(detector),
                                             f"through {detector}")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    classifier = EmotionClassifier(args.model, threads=args.threads)
    result = evaluate(classifier, faces)
    images = len(faces) + missed
    over_all = float((result.predictions == result.labels).sum()) / images if images else 0.0
    ece = calibration(result.probs, result.labels)["ece"]
    if args.json:
        print(json.dumps(result.to_dict() | {
            "detector": detector, "images": images, "missed": missed,
            "accuracy_over_all_images": over_all, "ece": ece}))
    else:
        print(format_report(result))
        print(f"\ndetector  {detector}: a face in {len(faces)} of {images} images; accuracy "
              f"over all images (no face counts wrong) {over_all:.4f}")
        print(f"ECE       {ece:.4f} (expected calibration error, 15 bins)")
        if args.folds is not None:
            print("\n".join(_fold_lines(result, groups, args.folds)))
    if args.report:
        from moodtunes.evaluation.report import write_report

        try:
            written = write_report(result, args.report, history)
        except OSError as exc:
            raise CommandFailed(f"cannot write the report to {args.report}: {exc}") from None
        print("report: " + ", ".join(str(p) for p in written),
              file=sys.stderr if args.json else sys.stdout)
    return OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("detect", help="print the faces and emotions in image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--model", default=None, help="an .onnx emotion model (default: built-in)")
    p.add_argument("--detector", default="mtcnn", choices=("mtcnn", "haar", "whole"),
                   help="face detector (default mtcnn; haar is the fallback, whole takes each "
                   "image as one face crop)")
    p.set_defaults(run=run_detect)

    p = sub.add_parser("evaluate", help="score a model on labelled faces")
    p.add_argument("data", help="npz with images (N,48,48) uint8 and labels (N,), "
                   "Kaggle's fer2013.csv, FER2013's train/test image folder, or photos in "
                   "class folders (ROOT/<emotion>/*.png, as SFEW comes)")
    p.add_argument("--detector", default=None, choices=("mtcnn", "haar", "whole"),
                   help="how an image becomes the face scored: the largest face a detector "
                   "finds, aligned as the app aligns it, or the whole image (default: mtcnn "
                   "for class folders, whole for FER2013's own 48x48 crops)")
    p.add_argument("--folds", type=int, default=None,
                   help="class folders only: also the accuracy in K folds made by film (the "
                   "file name's part before the first _<digit>), never splitting one")
    p.add_argument("--usage", default=None,
                   help="split of a csv or folder: Training, PublicTest or PrivateTest")
    p.add_argument("--model", default=None, help="an .onnx model (default: built-in)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also write metrics.json and PNG plots (confusion, reliability) to DIR")
    p.add_argument("--history", default=None,
                   help="a run's history.json, drawn as training curves in the report")
    p.set_defaults(run=run_evaluate)
