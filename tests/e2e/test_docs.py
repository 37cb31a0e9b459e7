"""Documentation that mirrors the binary stays in step with it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import BINARY

REPO = Path(__file__).resolve().parents[2]


def test_configuration_doc_embeds_the_current_config_template():
    template = subprocess.run([str(BINARY), "config-template"], check=True, capture_output=True, text=True,
                              timeout=30).stdout
    doc = (REPO / "docs" / "configuration.md").read_text()
    start = doc.index("```toml\n") + len("```toml\n")
    embedded = doc[start:doc.index("```", start)]
    assert embedded == template, (
        "docs/configuration.md is out of date: replace its toml block with the output of `ofs config-template`")
