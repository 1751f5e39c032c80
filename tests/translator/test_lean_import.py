"""Importing a package's submodules without its __init__, and the handler's imports that rely on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from translator.lean_import import without_package_init

LAMBDA_ROOT = Path(__file__).resolve().parents[2] / "lambda" / "translate"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    root = tmp_path / "lean_probe"
    root.mkdir()
    (root / "__init__.py").write_text("import sys\nsys.lean_probe_inits += 1\nfrom lean_probe.sub import VALUE\n")
    (root / "sub.py").write_text("VALUE = object()\n")
    (root / "other.py").write_text("from lean_probe import VALUE\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "lean_probe_inits", 0, raising=False)
    yield "lean_probe"
    for name in [name for name in sys.modules if name.split(".")[0] == "lean_probe"]:
        del sys.modules[name]


def test_a_submodule_loads_without_the_package_init(package: str) -> None:
    with without_package_init(package):
        from lean_probe import sub

    assert sys.lean_probe_inits == 0
    assert package not in sys.modules  # the bare package is gone: the real one imports as usual afterwards
    import lean_probe

    assert sys.lean_probe_inits == 1
    assert lean_probe.VALUE is sub.VALUE


def test_exports_stand_in_for_what_the_init_re_exports(package: str) -> None:
    with without_package_init(package, {"VALUE": "sub"}):
        from lean_probe import other, sub

    assert other.VALUE is sub.VALUE
    assert sys.lean_probe_inits == 0


def test_an_already_imported_package_is_used_as_it_is(package: str) -> None:
    import lean_probe

    with without_package_init(package):
        from lean_probe import sub
    assert sys.modules[package] is lean_probe
    assert sub.VALUE is lean_probe.VALUE


def test_a_missing_package_is_an_import_error() -> None:
    with pytest.raises(ModuleNotFoundError), without_package_init("no_such_package_here"):
        pass


def test_the_handler_leaves_out_what_it_does_not_use() -> None:
    probe = (
        "import sys, handler\n"
        # A request's text work too: nothing it does needs the packages the function does not ship.
        "from translator import moses, sentences\n"
        "moses.detokenize_german(moses.tokenize_english(sentences.split_sentences('Mr. Smith & co. paid $5. Ok?')[0]))\n"
        "unused = ('joblib', 'tqdm', 'regex', 'click', 'sacremoses.normalize', 'sacremoses.truecase',"
        " 'aws_lambda_powertools.event_handler.appsync', 'aws_lambda_powertools.utilities.data_classes.kafka_event',"
        " 'email.policy')\n"
        "print(sorted(name for name in unused if name in sys.modules))\n"
        # The full packages still import afterwards, sharing the modules the handler loaded.
        "import sacremoses, aws_lambda_powertools.event_handler as event_handler\n"
        "print(sacremoses.MosesTokenizer is sys.modules['sacremoses.tokenize'].MosesTokenizer,"
        " event_handler.APIGatewayRestResolver is handler.APIGatewayRestResolver)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=LAMBDA_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.splitlines()[:2] == ["[]", "True True"], done.stdout + done.stderr
