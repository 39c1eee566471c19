"""Test setup shared by every test: nothing leaves the machine, nothing reads the real home."""

import os

# google-auth probes the GCE metadata server (169.254.169.254) when it finds no credentials,
# unless this is set before it is imported. Tests only ever talk to loopback.
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
for _name in list(os.environ):
    if _name.startswith("MAPWS_"):
        del os.environ[_name]

import pytest  # noqa: E402

#: The robustness figures are printed once at the end, merged across xdist workers.
pytest_plugins = ["tests.robustness.report"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Each test gets its own HOME and XDG dirs, so config and tokens never touch the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    yield home
