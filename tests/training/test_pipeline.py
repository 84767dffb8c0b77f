"""A tiny real training run: a few steps on a small subset, exported and parity-checked."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the training extra is not installed")

from moodtunes.cli import main  # noqa: E402
from moodtunes.training.config import MODELS, TrainConfig  # noqa: E402
from moodtunes.training.nets import create_model  # noqa: E402
from moodtunes.training.pipeline import run_training  # noqa: E402
from moodtunes.vision.classifier import EmotionClassifier  # noqa: E402
from tests.support import FER_DIR, require_shared  # noqa: E402


def _tiny(tmp_path: Path, **kw: object) -> TrainConfig:
    train = require_shared(FER_DIR / "train.npz")
    tmp_path.mkdir(parents=True, exist_ok=True)
    val = tmp_path / "val.npz"
    with np.load(FER_DIR / "publictest.npz") as d:
        np.savez(val, images=d["images"][:128], labels=d["labels"][:128])
    base = dict(arch="vgg_tiny", epochs=2, batch_size=64, train_data=str(train),
                val_data=str(val), limit=256, threads=1, device="cpu",
                out_dir=str(tmp_path / "run"))
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


def test_tiny_run_exports_a_model_the_app_can_load(tmp_path: Path) -> None:
    import torch

    config = _tiny(tmp_path)
    onnx_path = run_training(config, progress=False)
    classifier = EmotionClassifier(onnx_path)
    assert classifier.metadata["moodtunes.architecture"] == "vgg_tiny"
    assert 0 <= classifier.validation_accuracy <= 1  # type: ignore[operator]
    probs = classifier.predict(np.zeros((3, 48, 48), np.uint8))
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)
    history = (Path(config.out_dir) / "history.json").read_text()
    assert '"epoch": 2' in history
    run = Path(config.out_dir)
    # the checkpoints and the exported model describe their network
    described = MODELS["vgg_tiny"].to_dict()
    for name in ("best.ckpt", "last.ckpt"):
        assert torch.load(run / name, weights_only=True)["net"] == described
    assert classifier.networks == [described]
    # the float export is kept beside the shipped file; int8 ships only when it is as accurate
    assert (run / "model.fp32.onnx").exists() and (run / "model.int8.onnx").exists()
    shipped = (run / "model.onnx").read_bytes()
    if "moodtunes.quantization" in classifier.metadata:
        assert shipped == (run / "model.int8.onnx").read_bytes()
        drop = (float(classifier.metadata["moodtunes.float_validation_accuracy"])
                - classifier.validation_accuracy)  # type: ignore[operator]
        assert drop <= 0.005 + 1e-9
    else:
        assert shipped == (run / "model.fp32.onnx").read_bytes()


def test_without_quantization_the_float_model_ships(tmp_path: Path) -> None:
    config = _tiny(tmp_path, epochs=1)
    onnx_path = run_training(config, progress=False, quantize=False)
    assert onnx_path.read_bytes() == (Path(config.out_dir) / "model.fp32.onnx").read_bytes()
    assert not (Path(config.out_dir) / "model.int8.onnx").exists()
    assert "moodtunes.quantization" not in EmotionClassifier(onnx_path).metadata


def test_warm_restart_with_weight_averaging_carries_the_history(tmp_path: Path) -> None:
    import torch

    from moodtunes.training.train import train

    first = train(_tiny(tmp_path / "a", epochs=2, erase=0.5), progress=False)
    config = _tiny(tmp_path / "b", epochs=1, init_from=str(first), ema_decay=0.9, seed=1)
    best = torch.load(train(config, progress=False), weights_only=True)
    history = best["history"]
    # the first run's two epochs, then this one, numbered on, with the raw weights' accuracy
    assert [r["epoch"] for r in history] == [1, 2, 3]
    assert [r["stage"] for r in history] == [1, 1, 2]
    assert history[0]["raw_val_acc"] is None
    assert 0 <= history[2]["raw_val_acc"] <= 1
    # the averaged weights are the ones kept: they differ from the raw ones in last.ckpt
    last = torch.load(Path(config.out_dir) / "last.ckpt", weights_only=True)
    weight = "features.0.weight"
    assert not torch.equal(best["model"][weight], last["model"][weight])
    assert torch.equal(best["model"][weight], last["ema"][f"module.{weight}"])
    # resuming the finished run trains nothing and keeps the history
    assert torch.load(train(config, progress=False), weights_only=True)["history"] == history


def test_warm_restart_refuses_another_architecture(tmp_path: Path) -> None:
    from moodtunes.training.train import train

    first = train(_tiny(tmp_path / "a", epochs=1), progress=False)
    with pytest.raises(ValueError, match="vgg_tiny network, not paper_cnn"):
        train(_tiny(tmp_path / "b", arch="paper_cnn", init_from=str(first)), progress=False)
    with pytest.raises(ValueError, match="no checkpoint"):
        train(_tiny(tmp_path / "c", init_from=str(tmp_path / "none.ckpt")), progress=False)


def test_same_seed_same_weights_and_resume_continues(tmp_path: Path) -> None:
    import torch

    a = _tiny(tmp_path / "a", epochs=1)
    b = _tiny(tmp_path / "b", epochs=1)
    from moodtunes.training.train import train

    wa = torch.load(train(a, progress=False), weights_only=True)["model"]
    wb = torch.load(train(b, progress=False), weights_only=True)["model"]
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key
    # a finished run resumes without training again; another config is refused
    assert train(a, progress=False).exists()
    with pytest.raises(ValueError, match="different configuration"):
        train(_tiny(tmp_path / "a", epochs=1, lr=0.1), progress=False)


def test_train_command_reports_missing_data(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--train-data", str(tmp_path / "none.npz"), "--out",
                 str(tmp_path / "run")])
    assert code == 2
    assert "none.npz" in capsys.readouterr().err


def test_the_papers_schedule_keeps_its_learning_rate(tmp_path: Path) -> None:
    import torch

    from moodtunes.training.train import train

    config = _tiny(tmp_path, optimizer="adam", schedule="constant", lr=1e-4, weight_decay=0.0,
                   label_smoothing=0.0, augment=False)
    history = torch.load(train(config, progress=False), weights_only=True)["history"]
    assert [r["lr"] for r in history] == [1e-4, 1e-4]
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'; choose one of: adamw, adam"):
        train(_tiny(tmp_path / "x", optimizer="sgd"), progress=False)


def test_export_averages_several_checkpoints(tmp_path: Path) -> None:
    from moodtunes.training.train import train

    a = train(_tiny(tmp_path / "a", epochs=1), progress=False)
    b = train(_tiny(tmp_path / "b", epochs=1, seed=1), progress=False)
    out = tmp_path / "ensemble"
    assert main(["export", str(a), str(b), "--out", str(out), "--no-mirror",
                 "--no-quantize"]) == 0
    classifier = EmotionClassifier(out / "model.onnx")
    meta = classifier.metadata
    assert meta["moodtunes.members"] == "2" and meta["moodtunes.tta"] == "none"
    assert meta["moodtunes.architecture"] == "vgg_tiny+vgg_tiny"
    np.testing.assert_allclose(classifier.predict(np.zeros((2, 48, 48), np.uint8)).sum(1), 1,
                               atol=1e-5)


def test_export_refuses_missing_checkpoints(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "none.ckpt"), "--out", str(tmp_path)]) == 2
    assert "none.ckpt" in capsys.readouterr().err


def test_shared_epochs_count_once_in_the_training_time() -> None:
    from moodtunes.training.pipeline import _train_seconds

    first = [{"epoch": 1, "seconds": 10.0}, {"epoch": 2, "seconds": 10.0}]
    restart = [*first, {"epoch": 3, "seconds": 5.0}]
    other = [{"epoch": 1, "seconds": 7.0}]
    assert _train_seconds([first, restart]) == 25.0  # a snapshot of the same run
    assert _train_seconds([restart, other]) == 32.0  # two separate runs


def test_random_erasing_blanks_one_rectangle_in_the_chosen_share() -> None:
    import torch

    from moodtunes.training.train import random_erase

    x = torch.ones(2000, 1, 48, 48)
    out = random_erase(x, torch.Generator().manual_seed(0), 0.5)
    blanked = (out == 0).flatten(1)
    touched = blanked.any(1)
    assert 0.45 < touched.float().mean() < 0.55
    share = blanked[touched].float().mean(1)
    assert share.min() > 0.005 and share.max() <= 0.25  # 2-20% of the face, whole pixels
    for face in (out[touched] == 0)[:50, 0]:  # one solid rectangle each
        rows, cols = face.any(1).nonzero(), face.any(0).nonzero()
        height = int(rows.max() - rows.min() + 1)
        width = int(cols.max() - cols.min() + 1)
        assert int(face.sum()) == height * width
    assert torch.equal(random_erase(x, torch.Generator().manual_seed(0), 0.0), x)
    again = random_erase(x, torch.Generator().manual_seed(0), 0.5)
    assert torch.equal(again, out)  # seeded


def test_weight_average_warms_up_from_random_weights_only() -> None:
    import torch

    from moodtunes.training.train import ema_update

    def averaged_after(update: object, updates: int) -> float:
        ema, now = [torch.zeros(3)], [torch.ones(3)]
        update(ema, now, torch.tensor(updates))  # type: ignore[operator]
        return float(ema[0][0])

    warm = ema_update(0.998, warm_up=True)
    # decay (1 + n) / (10 + n): 2/11 after the first update, so the average moves most of the way
    assert averaged_after(warm, 1) == pytest.approx(1 - 2 / 11)
    assert averaged_after(warm, 100) == pytest.approx(1 - 101 / 110)
    # the ramp stops at the configured decay
    assert averaged_after(warm, 100_000) == pytest.approx(0.002)
    # a warm restart averages at the full decay from the start
    assert averaged_after(ema_update(0.998, warm_up=False), 1) == pytest.approx(0.002)
    # integer buffers (BatchNorm's batch counter) take the same rule
    counts, now = [torch.zeros(1, dtype=torch.long)], [torch.full((1,), 100, dtype=torch.long)]
    warm(counts, now, torch.tensor(1))  # type: ignore[operator]
    assert int(counts[0]) == 81


def test_weight_averaged_run_from_random_weights(tmp_path: Path) -> None:
    import torch

    from moodtunes.training.train import train

    # one step an epoch at a constant rate, so the four-epoch run begins with the one-epoch run
    tiny = dict(limit=64, schedule="constant", lr=0.05, ema_decay=0.998)
    one = _tiny(tmp_path / "one", epochs=1, **tiny)
    train(one, progress=False)
    four = _tiny(tmp_path / "four", epochs=4, **tiny)
    best = torch.load(train(four, progress=False), weights_only=True)
    weight = "features.0.weight"
    first = torch.load(Path(one.out_dir) / "last.ckpt", weights_only=True)["model"][weight]
    last = torch.load(Path(four.out_dir) / "last.ckpt", weights_only=True)
    raw, ema = last["model"][weight], last["ema"][f"module.{weight}"]
    # without the warm-up the average would still be 99% the first step's weights
    assert (ema - raw).norm() < 0.5 * (first - raw).norm()
    assert not torch.equal(ema, raw)
    assert best["history"][0]["raw_val_acc"] is not None


def test_blended_targets_mix_the_label_with_the_ferplus_votes() -> None:
    from moodtunes.evaluation.fer2013 import FaceSet
    from moodtunes.training.train import blended_targets

    votes = np.array([[0, 0, 0, 1, 0, 0, 0],  # all annotators agree with the label (happy)
                      [0, 0, 0, 0, 0.8, 0, 0.2],  # they say sad/neutral, the label says angry
                      [np.nan] * 7], np.float32)  # no usable votes: the label alone
    faces = FaceSet(np.zeros((3, 48, 48), np.uint8), np.array([3, 0, 6]), "votes", votes)
    targets = blended_targets(faces, 0.5)
    np.testing.assert_allclose(targets.sum(1), 1, atol=1e-6)
    np.testing.assert_allclose(targets[0], np.eye(7)[3])
    np.testing.assert_allclose(targets[1], [0.5, 0, 0, 0, 0.4, 0, 0.1], atol=1e-6)
    np.testing.assert_allclose(targets[2], np.eye(7)[6])
    assert (targets.argmax(1) == faces.labels).all()  # up to 0.5 the label stays on top
    with pytest.raises(ValueError, match="no FER\\+ votes"):
        blended_targets(FaceSet(faces.images, faces.labels, "plain"), 0.5)


def test_soft_targets_train_on_the_votes_and_need_them(tmp_path: Path) -> None:
    from moodtunes.training.train import train

    def first_loss(run: Path) -> float:
        import json

        return float(json.loads((run / "history.json").read_text())[0]["train_loss"])

    plain = _tiny(tmp_path / "plain", epochs=1)
    train(plain, progress=False)
    soft = _tiny(tmp_path / "soft", epochs=1, soft_targets=0.5)
    train(soft, progress=False)
    # the same seed and faces: only the targets differ, and so does the loss
    assert first_loss(Path(soft.out_dir)) != first_loss(Path(plain.out_dir))

    no_votes = _tiny(tmp_path / "novotes", epochs=1, soft_targets=0.5)
    no_votes.train_data = no_votes.val_data  # written without ferplus_votes
    with pytest.raises(ValueError, match="no FER\\+ votes"):
        train(no_votes, progress=False)
    with pytest.raises(ValueError, match="0..1"):
        train(_tiny(tmp_path / "bad", soft_targets=1.5), progress=False)


def test_batchnorm_recalibration_measures_the_unaugmented_faces() -> None:
    import torch

    from moodtunes.training.train import recalibrate_batchnorm, to_input

    torch.manual_seed(0)
    model = create_model("vgg_tiny").eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    faces = np.random.default_rng(0).integers(0, 256, (40, 48, 48), dtype=np.uint8)
    fresh = recalibrate_batchnorm(model, faces, batch_size=40)

    x = to_input(torch.from_numpy(faces))
    with torch.no_grad():
        first = model.features[0](torch.cat([x, torch.flip(x, dims=[3])]))  # conv before BN 1
    np.testing.assert_allclose(fresh.features[1].running_mean.numpy(),
                               first.mean((0, 2, 3)).numpy(), rtol=1e-4, atol=1e-5)
    assert not fresh.training
    # the dense layer's BatchNorm sees what inference feeds it: dropout off (the convolutions'
    # BatchNorm layers normalise each batch by its own statistics while they are measured)
    measuring = create_model("vgg_tiny").eval()
    measuring.load_state_dict(before)
    for layer in measuring.modules():
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.train()
    with torch.no_grad():
        views = [measuring.features(v).flatten(1) for v in (x, torch.flip(x, dims=[3]))]
        hidden = [measuring.classifier[2](v) for v in views]  # classifier[1] is the dropout
    expected_var = torch.stack([h.var(0) for h in hidden]).mean(0)  # one batch per view
    np.testing.assert_allclose(fresh.classifier[3].running_var.numpy(), expected_var.numpy(),
                               rtol=1e-4, atol=1e-6)
    # only the statistics change; the model passed in is left as it was
    for name, value in fresh.state_dict().items():
        if "running" not in name and "num_batches" not in name:
            assert torch.equal(value, before[name]), name
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert not torch.equal(fresh.features[1].running_mean, before["features.1.running_mean"])
    # a network without BatchNorm has nothing to re-estimate
    paper = create_model("paper_cnn")
    assert recalibrate_batchnorm(paper, faces) is paper
    # a single face is measured together with its mirror image
    one = recalibrate_batchnorm(model, faces[:1])
    assert int(one.features[1].num_batches_tracked) == 1


def test_export_keeps_recalibrated_statistics_only_when_they_help(tmp_path: Path) -> None:
    config = _tiny(tmp_path, epochs=1)
    onnx_path = run_training(config, progress=False, quantize=False)
    meta = EmotionClassifier(onnx_path).metadata
    trained = float(meta["moodtunes.trained_validation_accuracy"])
    exported = float(meta["moodtunes.validation_accuracy"])
    if meta["moodtunes.batchnorm_statistics"] == "as trained":
        assert exported == trained
    else:
        assert meta["moodtunes.batchnorm_statistics"].startswith("re-estimated on 256 ")
        assert exported >= trained

    plain = run_training(config, progress=False, quantize=False, recalibrate=False)
    meta = EmotionClassifier(plain).metadata
    assert meta["moodtunes.batchnorm_statistics"] == "as trained"
    assert meta["moodtunes.validation_accuracy"] == meta["moodtunes.trained_validation_accuracy"]


def test_a_stage_without_export_keeps_only_its_checkpoints(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _tiny(tmp_path, epochs=1)
    best = run_training(config, progress=False, export=False)
    run = Path(config.out_dir)
    assert best == run / "best.ckpt" and (run / "last.ckpt").exists()
    assert not list(run.glob("*.onnx"))
    code = main(["train", "--train-data", config.train_data, "--out", str(run), "--no-export",
                 "--ship"])
    assert code == 2 and "--ship needs the export" in capsys.readouterr().err


def test_the_train_command_trains_the_config_its_flags_describe(tmp_path: Path) -> None:
    import torch

    config = _tiny(tmp_path, epochs=1, limit=64, erase=0.25, seed=3)
    argv = ["train", "--arch", config.arch, "--epochs", "1", "--batch-size", "64",
            "--train-data", config.train_data, "--val-data", config.val_data, "--limit", "64",
            "--erase", "0.25", "--seed", "3", "--threads", "1", "--device", "cpu",
            "--out", config.out_dir, "--quiet", "--no-export"]
    assert main(argv) == 0
    best = torch.load(Path(config.out_dir) / "best.ckpt", weights_only=True)
    assert TrainConfig(**best["config"]) == config
    assert best["net"] == MODELS["vgg_tiny"].to_dict()


def test_a_run_resumes_only_the_network_it_began(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from moodtunes.training import config as training_config
    from moodtunes.training.train import train

    config = _tiny(tmp_path, epochs=1, limit=64)
    train(config, progress=False)
    monkeypatch.setitem(training_config.MODELS, "vgg_tiny",
                        replace(MODELS["vgg_tiny"], widths=(4, 8, 16, 32)))
    with pytest.raises(ValueError, match="holds another vgg_tiny network"):
        train(config, progress=False)
    with pytest.raises(ValueError, match="init-from: .* holds another vgg_tiny network"):
        train(_tiny(tmp_path / "b", epochs=1, init_from=str(Path(config.out_dir) / "best.ckpt")),
              progress=False)
