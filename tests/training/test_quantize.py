"""Post-training int8 quantization: what is quantized, what is kept, what it reports."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the training extra is not installed")

import onnx  # noqa: E402
import torch  # noqa: E402

from moodtunes.training.export import export_onnx  # noqa: E402
from moodtunes.training.nets import create_model  # noqa: E402
from moodtunes.training.quantize import (  # noqa: E402
    ACCURACY_TOLERANCE,
    QuantizationResult,
    _first_convolutions,
    quantize_model,
)
from moodtunes.vision.classifier import EmotionClassifier  # noqa: E402


@pytest.fixture(scope="module")
def float_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("quant") / "model.fp32.onnx"
    export_onnx(create_model("vgg_tiny"), path, {"architecture": "vgg_tiny",
                                                 "validation_accuracy": "0.5"})
    return path


def test_int8_copy_keeps_first_convolution_float_and_the_metadata(float_model: Path) -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (96, 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, 96)
    out = float_model.with_name("model.int8.onnx")
    result = quantize_model(float_model, out, faces[:64], faces, labels)

    model = onnx.load(str(out))
    ops = [node.op_type for node in model.graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    weights = {init.name: init for init in model.graph.initializer}
    first = [n for n in model.graph.node if n.op_type == "Conv"
             and n.input[1] in weights and weights[n.input[1]].dims[1] == 1]
    # the single-channel convolution reads its float weights directly, not a dequantized copy
    assert first and all(weights[n.input[1]].data_type == onnx.TensorProto.FLOAT for n in first)

    classifier = EmotionClassifier(out)
    meta = classifier.metadata
    assert meta["moodtunes.architecture"] == "vgg_tiny"
    assert meta["moodtunes.quantization"].startswith("int8")
    assert float(meta["moodtunes.validation_accuracy"]) == pytest.approx(result.int8_accuracy,
                                                                         abs=1e-4)
    assert float(meta["moodtunes.float_validation_accuracy"]) == pytest.approx(
        result.float_accuracy, abs=1e-4)
    probs = classifier.predict(faces[:5])
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)  # softmax and average stay float
    assert 0 <= result.agreement <= 1 and result.max_gap >= 0


def test_first_convolutions_are_the_single_channel_ones(float_model: Path,
                                                       tmp_path: Path) -> None:
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = tmp_path / "prepared.onnx"  # the graph the quantizer sees
    quant_pre_process(str(float_model), str(prepared))
    model = onnx.load(str(prepared))
    names = _first_convolutions(model)
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    # the mirror-image pass repeats the network, so its first layer appears twice
    assert len(names) == 2 and len(convs) == 16 and set(names) <= set(convs)


@pytest.mark.parametrize(("float_acc", "int8_acc", "kept"), [
    (0.70, 0.70, True), (0.70, 0.70 - ACCURACY_TOLERANCE, True), (0.70, 0.69, False),
    (0.70, 0.71, True),
])
def test_int8_is_kept_only_within_the_tolerance(float_acc: float, int8_acc: float,
                                                kept: bool) -> None:
    result = QuantizationResult(Path("m.onnx"), float_acc, int8_acc, 0.99, 0.01)
    assert result.acceptable is kept
