"""Test setup shared by every test: nothing leaves the machine, nothing reads the real home."""

import os

# google-auth probes the GCE metadata server (169.254.169.254) when it finds no credentials,
# unless this is set before it is imported. Tests only ever talk to loopback.
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
for _name in list(os.environ):
    if _name.startswith("MAPWS_"):
        del os.environ[_name]

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.support.lean_discovery import lean_discovery  # noqa: E402

#: The robustness figures are printed once at the end, merged across xdist workers.
pytest_plugins = ["tests.robustness.report"]


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (pyproject's addopts): a worker per CPU, at most four (each holds an emulator and its
    plans in memory); with a single CPU none at all, so the tests run in this process without a
    worker's start-up. PYTEST_XDIST_AUTO_NUM_WORKERS still wins, as xdist documents."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cpus < 2 else min(cpus, 4)


#: Modules whose tests run LibreOffice: kept on one xdist worker (``--dist loadgroup``), so two soffice
#: processes never run at once and the module-scoped recalculations are made once.
LIBREOFFICE_MODULES = frozenset({"tests/backends/test_formulas_libreoffice.py", "tests/backends/test_summary_pdf.py",
                                 "tests/backends/test_calc_round_trip.py",
                                 "tests/cli/test_summary_pdf_cli.py"})
_ROOT = Path(__file__).resolve().parents[1]


#: The longest single tests (CPU seconds in a fresh clone, measured for issue 8): run first, so that
#: no worker is still busy with one of them while the other has nothing left (xdist hands out the
#: groups first, then single tests in this order).
LONG_FIRST = ("tests/test_lint.py::test_mypy_is_clean",  # no mypy cache in a fresh clone
              "test_bad_input[local-structure-5000-rows]", "test_bad_input[google-structure-5000-rows]",
              "test_nightly.py::test_a_worker_process_killed_mid_night",
              "test_benchmark_smoke.py::test_the_whole_process_benchmark",
              "test_security.py::test_a_full_run_as_a_service_account", "tests/test_suite_setup.py::")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            module = item.path.resolve().relative_to(_ROOT).as_posix()
        except ValueError:
            continue
        if module in LIBREOFFICE_MODULES:
            item.add_marker(pytest.mark.xdist_group("libreoffice"))
    items.sort(key=lambda item: not any(long in item.nodeid for long in LONG_FIRST))


def pytest_runtest_setup(item: pytest.Item) -> None:
    lean_discovery()  # googleapiclient, once something imported it, without its costly docstrings


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
