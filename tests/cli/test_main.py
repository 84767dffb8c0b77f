"""The `moodtunes` command's one error boundary and exit-code policy, and what it imports."""

import subprocess
import sys

import pytest

from moodtunes import cli
from moodtunes.cli import errors, main, vision
from moodtunes.errors import ModelError
from tests.support import ROOT


@pytest.mark.parametrize("raised, code, line", [
    (errors.UsageError("no such flag value"), 2, "error: no such flag value"),
    (errors.CommandFailed("the export failed"), 1, "error: the export failed"),
    (ModelError("model.onnx lacks moodtunes metadata"), 2,
     "error: model.onnx lacks moodtunes metadata"),
    (ValueError("unknown strategy 'cheer'"), 2, "error: unknown strategy 'cheer'"),
    (FileNotFoundError("data not found: none.npz"), 2, "error: data not found: none.npz"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_known_errors_end_in_one_line_and_their_exit_code(
    raised: BaseException, code: int, line: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(_args: object) -> int:
        raise raised

    monkeypatch.setattr(vision, "run_detect", run)
    assert main(["detect", "face.jpg"]) == code
    out, err = capsys.readouterr()
    assert out == "" and err == line + "\n"


def test_a_closed_pipe_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(_args: object) -> int:
        raise BrokenPipeError

    monkeypatch.setattr(vision, "run_detect", run)
    assert main(["detect", "face.jpg"]) == 0


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(_args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(vision, "run_detect", run)
    with pytest.raises(ZeroDivisionError):
        main(["detect", "face.jpg"])


def test_bad_usage_exits_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["nosuch"], ["db"], ["recommend", "--emotion", "sad", "-n", "many"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2, argv
    assert "usage: moodtunes" in capsys.readouterr().err


def test_the_policy_is_written_in_the_package_docstring() -> None:
    doc = " ".join((cli.__doc__ or "").split())
    for code in (errors.OK, errors.FAILED, errors.USAGE, errors.INTERRUPTED):
        assert f" {code} " in doc


def run_without_torch(*argv: str) -> subprocess.CompletedProcess[str]:
    """`moodtunes ARGV` where torch, onnx and matplotlib cannot be imported (no extra)."""
    code = ("import sys\n"
            "for name in ('torch', 'onnx', 'matplotlib'): sys.modules[name] = None\n"
            "from moodtunes.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_help_and_train_help_work_without_the_training_extra() -> None:
    result = run_without_torch("--help")
    assert result.returncode == 0 and "train" in result.stdout
    result = run_without_torch("train", "--help")
    assert result.returncode == 0, result.stderr
    assert "--ema DECAY" in result.stdout and "--batch-size" in result.stdout


@pytest.mark.parametrize("argv", [["train", "--epochs", "1"],
                                  ["export", "best.ckpt", "--out", "out"]])
def test_training_commands_name_the_missing_extra(argv: list[str]) -> None:
    result = run_without_torch(*argv)
    assert result.returncode == 2
    assert "needs the training extra" in result.stderr and "pip install" in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_report_names_the_missing_extra() -> None:
    result = run_without_torch("evaluate", "faces.npz", "--report", "out")
    assert result.returncode == 2 and "matplotlib" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_the_web_app_and_the_evaluation_never_import_torch() -> None:
    code = ("import sys\n"
            "import moodtunes.cli, moodtunes.web, moodtunes.prepare, moodtunes.training.config\n"
            "import moodtunes.evaluation.fer2013, moodtunes.evaluation.metrics\n"
            "import moodtunes.evaluation.report\n"
            "moodtunes.cli.build_parser()\n"
            "print(' '.join(m for m in ('torch', 'onnx') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.strip() == ""


def test_python_m_moodtunes_cli_is_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "moodtunes.cli", "recommend", "--emotion",
                             "joy"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "joy" in result.stderr
