"""The pipeline as other Python code calls it (the CLI is one such caller)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from linkcheck.config import load_settings
from linkcheck.errors import UsageError
from linkcheck.pipeline import check
from linkcheck.store import Store


def test_a_check_over_no_inputs_is_refused_and_records_no_run(tmp_path: Path) -> None:
    settings = load_settings({"db": f"sqlite:///{tmp_path / 'links.db'}"}, env={}, cwd=tmp_path)
    with Store.open(settings.db) as store:
        with pytest.raises(UsageError, match="name the files"):
            asyncio.run(check(store, [], settings))
        assert store.run_summary(None) is None
