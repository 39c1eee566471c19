"""One error translation for every Google call: the same failure gives the same error code, exit
code and words from ``auth check``, ``init --create-folder``, ``list`` and ``sync`` (and from the
store and ``auth.check`` as libraries), over the loopback emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from map_workspace.backends.google import auth
from map_workspace.backends.google.errors import GoogleApiFailed, GoogleAuthError
from map_workspace.cli import cli
from map_workspace.config import Config
from tests.google_emulator import Emulator
from tests.google_emulator.auth import ANONYMOUS_CALLER, oauth_error
from tests.support.google import instant_retry, make_store

ROBOT = "mapws-errors@emulator-tests.iam.gserviceaccount.com"
FOLDER = "application/vnd.google-apps.folder"
TODAY = "2026-03-02"


@pytest.fixture(scope="module")
def key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def robot(emulator: Emulator, tmp_path: Path, key_pem: str) -> dict[str, str]:
    """A service account with a Shared Drive folder it may add files to, as the CLI's environment."""
    key = tmp_path / "robot.json"
    key.write_text(json.dumps({
        "type": "service_account", "project_id": "emulator-tests", "private_key_id": "throwaway",
        "private_key": key_pem, "client_email": ROBOT, "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token"}), encoding="utf-8")
    key.chmod(0o600)
    folder = emulator.seed_file("Sales MAPs", FOLDER, owner="boss@seller.example", shared_with={ROBOT: "writer"},
                                app_clients=[ROBOT])
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
            "MAPWS_STATE": str(tmp_path / "state.sqlite"), "MAPWS_CREDENTIALS": str(key), "MAPWS_FOLDER": folder}


def error_of(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    """Exit code, the ``--json`` error and what stderr said, for one failing command."""
    result = CliRunner().invoke(cli, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code != 0, result.output
    return result.exit_code, json.loads(result.stdout)["error"], result.stderr


COMMANDS = (("auth", "check"), ("init", "--backend", "google", "--create-folder", "MAPs"), ("list",),
            ("sync", "acme-rollout"))


def create_plan(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                                      "Dana Tanaka <dana@acme.example>", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def refuse_every_token(header: str | None) -> Any:
    """The emulator's token lookup when every bearer token is refused (revoked): a 401 for all."""
    return None if header else ANONYMOUS_CALLER


def test_a_401_reads_the_same_from_every_command(emulator, robot, monkeypatch):
    create_plan(robot)
    monkeypatch.setattr(emulator.core.tokens, "caller_for", refuse_every_token)
    emulator.log.clear()
    seen = {" ".join(command): error_of(robot, *command) for command in COMMANDS}

    assert {code for code, _, _ in seen.values()} == {2}
    assert {json.dumps(error, sort_keys=True) for _, error, _ in seen.values()} == {json.dumps({
        "code": GoogleAuthError.code,
        "message": f"Google refused the credentials of {ROBOT}: they are invalid, expired or revoked.",
        "hint": seen["auth check"][1]["hint"]}, sort_keys=True)}
    hint = seen["list"][1]["hint"]
    assert "service account's key is not deleted or disabled" in hint and "mapws auth check" in hint
    assert len({stderr for _, _, stderr in seen.values()}) == 1
    # Each command met the 401 on its first API call; the client libraries refresh the token and try
    # twice more (google-auth's own rule for a 401), and mapws's retry policy adds no attempt.
    refused = [e for e in emulator.log_entries() if e["status"] == 401]
    assert len(refused) == 3 * len(COMMANDS)


def test_a_refused_token_request_reads_the_same_from_every_command(emulator, robot, monkeypatch):
    create_plan(robot)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise oauth_error("invalid_grant", "Invalid JWT Signature.")

    monkeypatch.setattr(emulator.core.tokens, "token_endpoint", refuse)
    seen = [error_of(robot, *command) for command in COMMANDS]

    assert {code for code, _, _ in seen} == {2}
    (error,) = {json.dumps(error, sort_keys=True) for _, error, _ in seen}
    assert json.loads(error)["code"] == GoogleAuthError.code
    assert json.loads(error)["message"] == (f"Could not get an access token for {ROBOT}: the credentials were "
                                            "refused (invalid_grant: Invalid JWT Signature.).")


def test_a_folder_not_shared_reads_the_same_from_check_init_and_create(emulator, robot):
    hidden = emulator.seed_file("Made in the Drive UI", FOLDER, owner="boss@seller.example")  # not shared
    env = {**robot, "MAPWS_FOLDER": hidden}
    create = ("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana <dana@acme.example>")
    seen = [error_of(env, *command) for command in (("auth", "check"), COMMANDS[1], create)]

    assert {code for code, _, _ in seen} == {2}
    (error,) = {json.dumps(error, sort_keys=True) for _, error, _ in seen}
    assert json.loads(error)["message"] == f"{ROBOT} cannot see the folder {hidden}."
    assert "--create-folder" in json.loads(error)["hint"]
    assert not [f for f in emulator.state(spreadsheets=False)["files"] if f["name"] != "Made in the Drive UI"
                and hidden in (f.get("parents") or [])]


def test_google_failing_reads_the_same_from_auth_check_and_the_store_after_the_same_retries(emulator, robot):
    config = Config(backend="google", google_api_root=emulator.base_url, credentials=robot["MAPWS_CREDENTIALS"])
    store = make_store(emulator, credentials=auth.resolve_identity(config).credentials, principal=ROBOT)
    failures = []
    emulator.faults.rate = 1.0  # every API call answers 500/503 or resets the connection
    try:
        for attempt in (lambda: auth.check(config, retry=instant_retry(emulator)), store.list_plans):
            emulator.log.clear()
            with pytest.raises(GoogleApiFailed) as caught:
                attempt()
            failures.append((caught.value, len([e for e in emulator.log_entries() if e["path"] != "/token"])))
    finally:
        emulator.faults.rate = 0.0
    (checked, check_calls), (listed, list_calls) = failures
    assert check_calls == list_calls == instant_retry().max_retries + 1
    assert checked.exit_code == listed.exit_code == 3 and checked.hint == listed.hint
    assert checked.message.startswith("Google API failed after 5 retries (")
    assert checked.message.endswith(f"trying to read the account's Drive profile as {ROBOT}.")
    assert listed.message.endswith(f"trying to list the plans as {ROBOT}.")
