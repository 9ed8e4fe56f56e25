"""Fixtures shared by the browser tests (helpers in browserlib.py)."""

import browserlib as bl
import minibook
import pytest


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session (skips if it cannot run here)."""
    bl.require_browser()
    return bl.shared_chromium()


@pytest.fixture(scope="session")
def fixture_book(tmp_path_factory):
    """The fixture book (fixtures/minibook: math, a figure, widgets, an animation), built."""
    return minibook.build(tmp_path_factory.mktemp("minibook"))
