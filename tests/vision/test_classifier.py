import json
from pathlib import Path

import numpy as np
import pytest

from moodtunes.emotions import EMOTIONS
from moodtunes.errors import ModelError
from moodtunes.vision.classifier import EmotionClassifier, default_model_path


@pytest.fixture(scope="module")
def classifier() -> EmotionClassifier:
    return EmotionClassifier()


def test_shipped_model_describes_itself(classifier: EmotionClassifier) -> None:
    assert default_model_path().is_file()
    assert classifier.labels == EMOTIONS
    assert classifier.metadata["moodtunes.input_size"] == "48"
    assert classifier.metadata["moodtunes.training_data"].startswith("train.npz")
    # int8 keeps a face under 4 ms on one core (docs/BENCHMARKS.md)
    assert classifier.metadata["moodtunes.quantization"].startswith("int8")


def test_batch_gives_probabilities_in_label_order(classifier: EmotionClassifier) -> None:
    faces = np.random.default_rng(1).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    probs = classifier.predict(faces)
    assert probs.shape == (5, 7) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    assert classifier.predict(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)


def test_rejects_float_faces(classifier: EmotionClassifier) -> None:
    with pytest.raises(ValueError, match="uint8"):
        classifier.predict(np.zeros((1, 48, 48), np.float32))


@pytest.fixture(scope="module")
def publictest_accuracy(classifier: EmotionClassifier,
                        publictest: dict[str, np.ndarray]) -> float:
    images, labels = publictest["images"], publictest["labels"]
    assert len(labels) == 3589
    return float((classifier.predict(images).argmax(1) == labels).mean())


def test_shipped_model_reads_publictest(classifier: EmotionClassifier,
                                        publictest_accuracy: float) -> None:
    """The metadata tells the truth about the shipped model (70.52% of PublicTest)."""
    assert classifier.validation_accuracy == pytest.approx(publictest_accuracy, abs=5e-5)
    assert classifier.metadata["moodtunes.batchnorm_statistics"].startswith("re-estimated")


def test_shipped_model_beats_the_paper_on_publictest(publictest_accuracy: float) -> None:
    """Issue 3: above the 70.16% the paper reports."""
    assert publictest_accuracy > 0.7016, f"shipped model reads {publictest_accuracy:.2%}"


def test_missing_and_broken_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        EmotionClassifier(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        EmotionClassifier(broken)


def _with_metadata(tmp_path: Path, **changes: str | None) -> Path:
    onnx = pytest.importorskip("onnx", reason="the training extra is not installed")
    model = onnx.load(str(default_model_path()))
    props = {p.key: p.value for p in model.metadata_props}
    for key, value in changes.items():
        if value is None:
            props.pop(f"moodtunes.{key}")
        else:
            props[f"moodtunes.{key}"] = value
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    path = tmp_path / "changed.onnx"
    onnx.save(model, str(path))
    return path


def test_wrong_labels_are_refused(tmp_path: Path) -> None:
    reordered = json.dumps(["happy", *[e for e in EMOTIONS if e != "happy"]])
    with pytest.raises(ModelError, match="labels"):
        EmotionClassifier(_with_metadata(tmp_path, labels=reordered))


def test_other_preprocessing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="preprocessing version"):
        EmotionClassifier(_with_metadata(tmp_path, preprocessing_version="99"))


def test_model_without_metadata_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="lacks moodtunes metadata"):
        EmotionClassifier(_with_metadata(tmp_path, mean=None))
