"""The Darwin-face contract: every golden file under darwin/ against a fresh `ofs standalone`.

Each golden file gets its own server (fresh data directory), so listings, searches and catalog dumps
see exactly what the file's setup created. The binary is the black-box suite's (OFS_BINARY or the build
trees); without one the module is skipped with the reason. Format and placeholders: contract_support.py
and README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "e2e"))

from contract_support import Run, golden_files, load  # noqa: E402
from e2e_support import FLEET, Launcher, find_binary, missing_binary_reason  # noqa: E402

BINARY = find_binary()
GOLDENS = golden_files()


@pytest.fixture(scope="module")
def launcher(tmp_path_factory):
    if BINARY is None:
        pytest.skip(missing_binary_reason())
    launcher = Launcher(BINARY, tmp_path_factory.mktemp("ofs-contract"))
    yield launcher
    problems = launcher.shutdown_all()
    if problems:
        pytest.fail("ofs server problems:\n" + "\n\n".join(problems), pytrace=False)


def test_there_are_golden_files():
    assert len(GOLDENS) >= 30, f"expected the Darwin goldens under {HERE / 'darwin'}"


@pytest.mark.parametrize("golden", GOLDENS, ids=[p.stem for p in GOLDENS])
def test_golden(golden: Path, launcher):
    spec = load(golden)
    server = launcher.start(name=golden.stem, fleet=FLEET)  # OFS_E2E_FLEET=1: a fleet per golden file
    try:
        run = Run(server)
        for setup in spec.get("setup", []):
            run.apply_setup(setup)
        for case in spec["cases"]:
            run.check(case)
    finally:
        problems = launcher.stop(server)
    if problems:
        pytest.fail("ofs server problems:\n" + "\n\n".join(problems), pytrace=False)
