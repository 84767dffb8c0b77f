"""The training loop: seeded, resumable, validated every epoch, keeping the best checkpoint."""

from __future__ import annotations

import copy
import json
import math
import pickle
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from moodtunes.emotions import EMOTIONS
from moodtunes.evaluation.fer2013 import FaceSet, load_faces
from moodtunes.training.config import MODELS, OPTIMIZERS, SCHEDULES, NetConfig, TrainConfig
from moodtunes.training.export import ProbabilityHead, head_probabilities
from moodtunes.training.nets import create_model
from moodtunes.vision.preprocess import FER2013_MEAN, FER2013_STD


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    lr: float
    seconds: float
    # Validation accuracy of the raw weights when the EMA weights are the ones validated.
    raw_val_acc: float | None = None
    # 1 for a run from random weights; one more than its starting run's for a warm restart.
    stage: int = 1


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 48, 48) on any device to the normalised (N, 1, 48, 48) float input.

    The same arithmetic as vision.preprocess.normalize_faces, which a golden test holds equal.
    """
    x = images.float().div_(255.0).sub_(FER2013_MEAN).div_(FER2013_STD)
    return x.unsqueeze(1)


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random flip, rotation (±15°), scale (0.85-1.15) and shift (±10%) of a batch."""
    n = x.shape[0]
    dev = x.device

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * (hi - lo) + lo).to(dev)

    angle = uniform(-15, 15) * math.pi / 180
    scale = uniform(0.85, 1.15)
    flip = (torch.rand(n, generator=generator) < 0.5).to(dev).float() * -2 + 1
    tx, ty = uniform(-0.1, 0.1), uniform(-0.1, 0.1)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def random_erase(x: torch.Tensor, generator: torch.Generator, p: float) -> torch.Tensor:
    """Blank one random rectangle (2-20% of the area, aspect 0.3-3.3) in a share `p` of the
    faces of a normalised batch; blanked pixels take the value 0, the data set's mean."""
    n, _, h, w = x.shape

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    area = uniform(0.02, 0.2) * h * w
    aspect = torch.exp(uniform(math.log(0.3), math.log(3.3)))
    eh = torch.sqrt(area * aspect).clamp(max=h)
    ew = torch.sqrt(area / aspect).clamp(max=w)
    top = torch.rand(n, generator=generator) * (h - eh)
    left = torch.rand(n, generator=generator) * (w - ew)
    chosen = torch.rand(n, generator=generator) < p
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    mask = ((ys >= top.view(n, 1, 1)) & (ys < (top + eh).view(n, 1, 1))
            & (xs >= left.view(n, 1, 1)) & (xs < (left + ew).view(n, 1, 1))
            & chosen.view(n, 1, 1))
    return x.masked_fill(mask.unsqueeze(1).to(x.device), 0.0)


def ema_update(decay: float, warm_up: bool) -> Callable[..., None]:
    """The weight-averaging step for AveragedModel, at `decay` per step.

    With `warm_up` the decay ramps up as (1 + n) / (10 + n) after n updates until it reaches
    `decay`, so an average started from random weights forgets them within a few hundred steps
    (at a fixed 0.998 a quarter of them is still there after three epochs, and the averaged
    network reads 17-19% of PublicTest). A warm restart starts from trained weights, which the
    average keeps at the full decay from its first step.
    """
    if not warm_up:
        return get_ema_multi_avg_fn(decay)

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor],
               updates: torch.Tensor) -> None:
        n = int(updates)
        get_ema_multi_avg_fn(min(decay, (1 + n) / (10 + n)))(averaged, current, updates)

    return update


def predict_probs(model: nn.Module, images: np.ndarray, device: torch.device,
                  batch_size: int = 512) -> np.ndarray:
    """Softmax probabilities, averaged over the face and its mirror image (as the export does)."""
    return head_probabilities(ProbabilityHead(model), images, batch_size, device)


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, images: np.ndarray, batch_size: int = 512,
                          mirror: bool = True) -> nn.Module:
    """A copy of `model` whose BatchNorm statistics are re-estimated on `images` as they are,
    unaugmented (and, with `mirror`, their mirror images, the other view the export averages).

    Training leaves running means and variances of augmented faces (warped, shifted, their
    borders stretched), and weight averaging blends those of many steps; the faces the model
    meets afterwards are not augmented. Dropout stays off, as at inference (in training,
    dropout in front of a BatchNorm inflates the variance it measures). Only the statistics
    change, never a learned weight. Returns `model` itself (unchanged) when it has no
    BatchNorm layer.
    """
    has_norm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if not has_norm or len(images) * (2 if mirror else 1) < 2:  # BatchNorm needs two faces
        return model
    device = next(model.parameters()).device
    fresh = copy.deepcopy(model).eval()  # dropout off: the statistics of inference
    for norm in fresh.modules():
        if isinstance(norm, nn.modules.batchnorm._BatchNorm):
            norm.reset_running_stats()
            # a plain average over the batches, not an exponential one: batches of near-equal
            # size (array_split) in a fixed shuffled order weigh every face about the same
            norm.momentum = None
            norm.train()  # it measures its input; nothing learns without an optimizer
    order = np.random.default_rng(0).permutation(len(images))
    for chunk in np.array_split(order, math.ceil(len(images) / batch_size)):
        x = to_input(torch.from_numpy(images[np.sort(chunk)]).to(device))
        if len(x) == 1:  # one face in all (with mirror): it and its mirror image, one batch
            fresh(torch.cat([x, torch.flip(x, dims=[3])]))
            continue
        fresh(x)
        if mirror:
            fresh(torch.flip(x, dims=[3]))
    return fresh.eval()


def blended_targets(faces: FaceSet, weight: float) -> np.ndarray:
    """(N, 7) float32 training targets: (1 - weight) one-hot label + weight FER+ votes.

    Faces whose votes are all for contempt, unknown or not-a-face keep their one-hot label.
    """
    if faces.soft_targets is None:
        raise ValueError(
            f"{faces.name} has no FER+ votes for soft targets: use an npz file with "
            "ferplus_votes, or a fer2013.csv with its fer2013new.csv (--ferplus)"
        )
    onehot = np.eye(len(EMOTIONS), dtype=np.float32)[faces.labels]
    soft = faces.soft_targets
    voted = ~np.isnan(soft[:, 0])
    targets = onehot.copy()
    targets[voted] = (1 - weight) * onehot[voted] + weight * soft[voted]
    return targets


def read_faces(path: str, usage: str, ferplus: str | None = None) -> FaceSet:
    """One split of any supported format; skipped rows are listed, not silently dropped."""
    loaded = load_faces(path, usage=usage, ferplus=ferplus)
    for problem in loaded.problems[:20]:
        print(f"warning: {problem}")
    if len(loaded.problems) > 20:
        print(f"warning: ... and {len(loaded.problems) - 20} more problems in {path}")
    return loaded.faces


def _checkpoint(path: Path, **state: Any) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # atomic: an interrupted save never leaves a broken checkpoint


def train(config: TrainConfig, resume: bool = True, progress: bool = True) -> Path:
    """Train `config.arch`; returns the path of the best checkpoint (by validation accuracy)."""
    for name, value, choices in (("optimizer", config.optimizer, OPTIMIZERS),
                                 ("schedule", config.schedule, SCHEDULES)):
        if value not in choices:
            raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    device = pick_device(config.device)
    seed_everything(config.seed)

    if not 0.0 <= config.soft_targets <= 1.0:
        raise ValueError(f"soft_targets must lie in 0..1, got {config.soft_targets}")
    train_set = read_faces(config.train_data, config.train_usage, config.ferplus)
    val_set = read_faces(config.val_data, config.val_usage)
    if config.limit:
        train_set = train_set.subset(config.limit)
    train_images = torch.from_numpy(train_set.images).to(device)
    train_labels = torch.from_numpy(train_set.labels).to(device)
    train_targets = (torch.from_numpy(blended_targets(train_set, config.soft_targets)).to(device)
                     if config.soft_targets > 0 else None)

    net = config.net()
    model = create_model(net).to(device)
    prior: list[dict[str, Any]] = []
    if config.init_from:
        prior = _load_initial_weights(model, config, device)
    # Module.to takes memory_format at run time; torch's type stubs leave it out of every
    # overload (a cast, not a `type: ignore`, so the check also passes where torch is absent)
    to_memory_format = cast(Callable[..., nn.Module], model.to)
    model = to_memory_format(memory_format=torch.channels_last)
    ema = (AveragedModel(model, multi_avg_fn=ema_update(config.ema_decay,
                                                        warm_up=not config.init_from),
                         use_buffers=True) if config.ema_decay > 0 else None)
    optimizer = _optimizer(model, config)
    steps_per_epoch = math.ceil(len(train_set) / config.batch_size)
    scheduler: torch.optim.lr_scheduler.LRScheduler
    if config.schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, epochs=config.epochs,
            steps_per_epoch=steps_per_epoch, pct_start=config.pct_start,
        )
    else:
        scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    generator = torch.Generator().manual_seed(config.seed)
    history: list[dict[str, Any]] = list(prior)
    best_acc, start_epoch = -1.0, 0

    last_path, best_path = out / "last.ckpt", out / "best.ckpt"
    if resume and last_path.exists():
        state = read_checkpoint(last_path, device)
        # settings added since the checkpoint was written count as their defaults
        if {**asdict(TrainConfig()), **state["config"]} != asdict(config):
            raise ValueError(
                f"{last_path} was written by a different configuration; "
                "pass --fresh to start over or use another --out folder"
            )
        if checkpoint_net(state, last_path) != net:
            raise ValueError(
                f"{last_path} holds another {config.arch} network than training.config.MODELS "
                "describes now; pass --fresh to start over or use another --out folder"
            )
        model.load_state_dict(state["model"])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history, best_acc, start_epoch = state["history"], state["best_acc"], state["epoch"]
        print(f"resuming {last_path} after epoch {start_epoch} (best {best_acc:.4f})")

    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))

    for epoch in range(start_epoch, config.epochs):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_set), generator=generator).to(device)
        seen = correct = 0
        loss_sum = 0.0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=not progress, leave=False, unit="batch")
        for step in bar:
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            x = to_input(train_images[idx])
            if config.augment:
                x = augment(x, generator)
            if config.erase > 0:
                x = random_erase(x, generator, config.erase)
            x = x.contiguous(memory_format=torch.channels_last)
            y = train_labels[idx]
            logits = model(x)
            loss = criterion(logits, y if train_targets is None else train_targets[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            if ema is not None:
                ema.update_parameters(model)
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}")
        bar.close()

        raw_val_acc = None
        if ema is not None:
            raw = predict_probs(model, val_set.images, device)
            raw_val_acc = float((raw.argmax(1) == val_set.labels).mean())
        selected = ema.module if ema is not None else model
        probs = predict_probs(selected, val_set.images, device)
        val_acc = float((probs.argmax(1) == val_set.labels).mean())
        picked = probs[np.arange(len(val_set)), val_set.labels]
        val_loss = float(-np.log(np.clip(picked, 1e-7, 1)).mean())
        record = EpochRecord(len(prior) + epoch + 1, loss_sum / seen, correct / seen, val_loss,
                             val_acc, float(scheduler.get_last_lr()[0]),
                             time.perf_counter() - started, raw_val_acc,
                             stage=1 + max((r.get("stage", 1) for r in prior), default=0))
        history.append(asdict(record))
        improved = val_acc > best_acc
        if improved:
            best_acc = val_acc
            _checkpoint(best_path, model=selected.state_dict(), net=net.to_dict(),
                        config=asdict(config), epoch=epoch + 1, val_acc=val_acc, history=history)
        _checkpoint(last_path, model=model.state_dict(), net=net.to_dict(),
                    optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                    generator=generator.get_state(), torch_rng=torch.get_rng_state(),
                    config=asdict(config), epoch=epoch + 1,
                    best_acc=best_acc, history=history,
                    **({"ema": ema.state_dict()} if ema is not None else {}))
        (out / "history.json").write_text(json.dumps(history, indent=2))
        raw_note = f" (raw weights {raw_val_acc:.4f})" if raw_val_acc is not None else ""
        print(f"epoch {epoch + 1:3d}/{config.epochs}  train loss {record.train_loss:.3f} "
              f"acc {record.train_acc:.4f}  val loss {val_loss:.3f} acc {val_acc:.4f}{raw_note}"
              f"{'  *best*' if improved else ''}  {record.seconds:.0f}s", flush=True)
    return best_path


def _optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    kind = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    try:  # the fused step is the cheapest where the build has it
        return kind(model.parameters(), lr=config.lr, weight_decay=config.weight_decay,
                    fused=True)
    except (RuntimeError, TypeError):
        return kind(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def _load_initial_weights(model: nn.Module, config: TrainConfig,
                          device: torch.device) -> list[dict[str, Any]]:
    """Load `config.init_from` into `model`; returns that run's history, to be carried over."""
    path = Path(config.init_from or "")
    if not path.exists():
        raise ValueError(f"--init-from: no checkpoint at {path}")
    state = read_checkpoint(path, device)
    if checkpoint_net(state, path) != config.net():
        arch = state["config"]["arch"]
        held = (f"a {arch} network, not {config.arch}" if arch != config.arch else
                f"another {arch} network than training.config.MODELS describes now")
        raise ValueError(f"--init-from: {path} holds {held}")
    model.load_state_dict(state["model"])
    history: list[dict[str, Any]] = state.get("history", [])
    print(f"starting from {path} (epoch {state['epoch']}, {len(history)} epochs of history)")
    return history


def read_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> dict[str, Any]:
    """A checkpoint's fields, read as plain data and tensors only (`weights_only`): a file that
    would run code when unpickled is refused, not executed."""
    try:
        state: dict[str, Any] = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(f"{path} is not a moodtunes checkpoint of plain data and tensors "
                         f"({str(exc).splitlines()[0]})") from None
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise ValueError(f"{path} is not a moodtunes checkpoint (no model and config in it)")
    return state


def checkpoint_net(state: dict[str, Any], path: str | Path) -> NetConfig:
    """The network a checkpoint holds. Checkpoints written before they described their network
    name only its architecture: that name's network in MODELS is taken to be theirs."""
    if "net" in state:
        try:
            return NetConfig.from_dict(state["net"])
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    arch = state["config"].get("arch")
    if arch not in MODELS:
        raise ValueError(
            f"{path} predates checkpoints that describe their network, and its architecture "
            f"{arch!r} is no longer registered (known: {', '.join(sorted(MODELS))}); "
            "it cannot be rebuilt"
        )
    return MODELS[arch]


def load_checkpoint(path: str | Path, device: str = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """The network saved in a checkpoint (in eval mode) and the checkpoint's other fields."""
    state = read_checkpoint(path, device)
    net = checkpoint_net(state, path)
    model = create_model(net)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:  # the network's code or, for an old checkpoint, MODELS changed
        raise ValueError(f"{path}'s weights do not fit {net}: {str(exc).splitlines()[0]}") from None
    model.eval()
    return model, state
