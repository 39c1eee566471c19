"""Sending: mail over SMTP (the standard library's smtplib: ``smtps://`` TLS from the start, or
``smtp://`` with STARTTLS) and the Slack incoming webhook. The SMTP password is read from
``MAPWS_SMTP_PASSWORD`` when the connection is made, and never appears in a message or a log.

One failure is one recipient's: a refused address or an unreachable server raises
:class:`DeliveryFailed` naming them, and the caller carries on with the others.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from map_workspace.config import SmtpAddress, smtp_address
from map_workspace.errors import MapwsError, UsageError

PASSWORD_ENV = "MAPWS_SMTP_PASSWORD"
TIMEOUT = 30.0


class DeliveryFailed(MapwsError):
    """A message that did not go out: to whom, and why in words."""

    code = "notify.failed"


class SmtpSender:
    """One connection for the run, opened on the first mail and again after a failure."""

    def __init__(self, url: str, *, context: ssl.SSLContext | None = None, timeout: float = TIMEOUT,
                 environ: dict[str, str] | None = None) -> None:
        try:
            self.address: SmtpAddress = smtp_address(url)
        except ValueError as exc:
            raise UsageError(f"notify.smtp: {exc}", "Use smtps://user@host:465 or smtp://user@host:587.") from None
        self._context = context or ssl.create_default_context()
        self._timeout = timeout
        self._password = (environ if environ is not None else os.environ).get(PASSWORD_ENV, "")
        if self.address.user and not self._password:  # before anything is sent
            raise UsageError(f"notify.smtp names the user {self.address.user}, but {PASSWORD_ENV} is not set.",
                             f"Set {PASSWORD_ENV} in the environment (never in the config file).")
        self._smtp: smtplib.SMTP | None = None
        #: Why the server could not be reached, once it could not: the rest fail at once with it.
        self._unreachable = ""

    @property
    def where(self) -> str:
        return f"{self.address.host}:{self.address.port}"

    def _connect(self) -> smtplib.SMTP:
        a = self.address
        if a.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(a.host, a.port, timeout=self._timeout, context=self._context)
        else:
            smtp = smtplib.SMTP(a.host, a.port, timeout=self._timeout)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self._context)
                smtp.ehlo()
            elif a.user:
                smtp.close()
                raise DeliveryFailed(f"{self.where} does not offer STARTTLS, and mapws will not send the password "
                                     "in clear.", "Use smtps://…:465, or a relay that offers STARTTLS.")
        if a.user:
            try:
                smtp.login(a.user, self._password)
            except smtplib.SMTPException as exc:
                smtp.close()
                raise DeliveryFailed(f"{self.where} refused the sign-in of {a.user}: {_said(exc)}",
                                     f"Check the user in notify.smtp and {PASSWORD_ENV}.") from None
        return smtp

    def send_mail(self, message: EmailMessage) -> None:
        to = str(message["To"])
        if self._unreachable:
            raise DeliveryFailed(f"Not sent to {to}: {self._unreachable}", _HINT)
        try:
            if self._smtp is None:
                self._smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            self._unreachable = f"the mail server {self.where} could not be reached ({_said(exc)})."
            raise DeliveryFailed(f"Not sent to {to}: {self._unreachable}", _HINT) from None
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"Not sent to {to}: the server refused the address ({_refusal(exc.recipients)}).",
                                 "Check the address in the plan's Stakeholders tab.") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # a broken conversation: the next mail opens a new one
            raise DeliveryFailed(f"Not sent to {to}: {self.where} said {_said(exc)}", _HINT) from None
        if refused:
            raise DeliveryFailed(f"Not sent to {to}: the server refused the address ({_refusal(refused)}).",
                                 "Check the address in the plan's Stakeholders tab.")

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


_HINT = "Check notify.smtp and that the server is up; run mapws notify again: what was sent is not sent twice."


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    return " ".join(str(exc).split()) or type(exc).__name__


def _refusal(recipients: dict[str, Any]) -> str:
    parts = []
    for address, (code, text) in recipients.items():
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        parts.append(f"{address}: {code} {' '.join(said.split())}")
    return "; ".join(parts)


def post_slack(url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT) -> None:
    """POST one message to a Slack incoming webhook; DeliveryFailed when it is not taken. The URL is
    a secret (it lets anyone post): it is never repeated in a message."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — the configured webhook
            response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")[:200]
        raise DeliveryFailed(f"Slack did not take the message: HTTP {exc.code} {' '.join(body.split())}",
                             "Check notify.slack_webhook (or MAPWS_SLACK_WEBHOOK).") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"Slack could not be reached: {' '.join(str(reason).split())}",
                             "Check notify.slack_webhook (or MAPWS_SLACK_WEBHOOK) and the network.") from None
