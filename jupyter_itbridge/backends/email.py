"""Email (SMTP): the lowest common denominator every help desk accepts.

No ``Auto-Submitted`` header on purpose: RT-style desks do not answer auto-submitted mail, and
the user must get the desk's acknowledgement. No find/status: mail cannot be searched.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from traitlets import Bool, Float, Integer, List, Unicode

from .base import Backend, BackendError, OutgoingRequest, TicketRef, env_default, short_marker


def stable_message_id(request_uuid: str, from_addr: str) -> str:
    """The same ``Message-ID`` on every try of one request: SMTP is at-least-once (a send
    whose answer was lost is sent again), and desks and mail systems drop a message whose
    ``Message-ID`` they already have (RFC 5322 section 3.6.4: unique per message)."""
    domain = from_addr.rpartition("@")[2] or "jupyter-itbridge.invalid"
    return f"<itbridge.{request_uuid}@{domain}>"


class EmailBackend(Backend):
    """Sends each request as one plain-text UTF-8 mail to the help desk address."""

    name = "email"
    #: IT answers the mail; its replies go to the requester's inbox, not back to us.
    messages_hint = "IT's replies arrive by mail."
    can_find = False
    can_sync = False

    host = Unicode("localhost", help="SMTP server host name.").tag(config=True)

    port = Integer(
        0, help="SMTP port (0: 465 with ``smtps``, else 587 with ``starttls``, else 25)."
    ).tag(config=True)

    smtps = Bool(False, help="Implicit TLS (SMTPS, usually port 465) instead of STARTTLS.").tag(
        config=True
    )

    starttls = Bool(
        True,
        help="Upgrade the connection with STARTTLS before AUTH (fails "
        "closed: no STARTTLS offered means no mail).",
    ).tag(config=True)

    ca_bundle = Unicode(
        "", help="CA bundle for the SMTP server's certificate (empty: system CAs)."
    ).tag(config=True)

    username = Unicode(
        help="SMTP AUTH user (empty: no AUTH). Default: ``ITBRIDGE_SMTP_USER``."
    ).tag(config=True)

    password = Unicode(
        help="""SMTP AUTH password. Default: the ``ITBRIDGE_SMTP_PASSWORD``
        environment variable. Never logged or shown."""
    ).tag(config=True)

    from_addr = Unicode("", help="Envelope and header sender, e.g. ``jupyter@corp.example``.").tag(
        config=True
    )

    from_name = Unicode("Jupyter IT requests", help="Display name of the sender.").tag(config=True)

    to_addrs = List(Unicode(), [], help="Help desk address(es) that receive the requests.").tag(
        config=True
    )

    user_domain = Unicode(
        "",
        help="""Mail domain of Jupyter users: with ``corp.example``, user ``alice`` is set as
        ``Reply-To: alice@corp.example`` so the desk answers her directly.""",
    ).tag(config=True)

    subject_prefix = Unicode("[Jupyter] ", help="Text before the summary in the subject.").tag(
        config=True
    )

    timeout = Float(20.0, help="Seconds before the SMTP connection gives up.").tag(config=True)

    _user_env = env_default("username", "ITBRIDGE_SMTP_USER")
    _password_env = env_default("password", "ITBRIDGE_SMTP_PASSWORD")

    @property
    def _port(self) -> int:
        return self.port or (465 if self.smtps else 587 if self.starttls else 25)

    @property
    def _where(self) -> str:
        return f"smtp://{self.host}:{self._port}"

    def build_message(self, request: OutgoingRequest) -> EmailMessage:
        """The exact message sent (public so the preview and tests can show it)."""
        if not self.from_addr or not self.to_addrs:
            raise BackendError(
                "EmailBackend.from_addr and EmailBackend.to_addrs must be set.", retryable=False
            )
        msg = EmailMessage()
        msg["Message-ID"] = stable_message_id(request.uuid, self.from_addr)
        msg["Date"] = formatdate(localtime=True)
        msg["From"] = formataddr((self.from_name, self.from_addr))
        msg["To"] = ", ".join(self.to_addrs)
        msg["Subject"] = f"{self.subject_prefix}{request.summary} {short_marker(request.uuid)}"
        if self.user_domain and request.user:
            msg["Reply-To"] = f"{request.user}@{self.user_domain}"
        msg["X-ITBridge-Request-ID"] = request.uuid
        msg.set_content(request.body_with_marker, charset="utf-8")
        return msg

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_bundle or None)

    def _connect(self) -> smtplib.SMTP:
        if self.smtps:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self._port, timeout=self.timeout, context=self._tls()
            )
        else:
            smtp = smtplib.SMTP(self.host, self._port, timeout=self.timeout)
            if self.starttls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    smtp.quit()
                    raise BackendError(
                        f"{self._where} does not offer STARTTLS; set EmailBackend.starttls = "
                        "False only for a trusted relay.",
                        retryable=False,
                    )
                smtp.starttls(context=self._tls())
        smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    @contextmanager
    def _smtp_errors(self) -> Iterator[None]:
        """SMTP and socket failures as one admin sentence each (shared by send and check)."""
        try:
            yield
        except BackendError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise BackendError(
                f"EmailBackend.password was rejected by {self._where} (SMTP {exc.smtp_code})",
                retryable=False,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({c for c, _ in exc.recipients.values()})
            raise BackendError(
                f"{self._where} refused EmailBackend.to_addrs "
                f"{sorted(exc.recipients)} (SMTP {codes})",
                retryable=all(400 <= c < 500 for c in codes),
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise BackendError(
                f"{self._where} refused EmailBackend.from_addr "
                f"{self.from_addr!r} (SMTP {exc.smtp_code})",
                retryable=400 <= exc.smtp_code < 500,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise BackendError(
                f"{self._where} answered SMTP {exc.smtp_code}", retryable=400 <= exc.smtp_code < 500
            ) from None
        except ssl.SSLError as exc:
            raise BackendError(
                f"TLS with {self._where} failed ({exc.reason}); set EmailBackend.ca_bundle?",
                retryable=False,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise BackendError(
                f"{self._where} could not be reached ({type(exc).__name__}); will retry",
                retryable=True,
            ) from None

    def create(self, request: OutgoingRequest) -> TicketRef:
        msg = self.build_message(request)
        with self._smtp_errors(), self._connect() as smtp:
            smtp.send_message(msg)
        self.log.info("itbridge email: request %s sent to %s", request.uuid, self._where)
        return TicketRef(id=str(msg["Message-ID"]).strip("<>"), url=None)

    def check(self) -> str:
        with self._smtp_errors(), self._connect() as smtp:
            smtp.noop()
        auth = "with AUTH" if self.username else "without AUTH"
        return f"email: {self._where} accepted the connection {auth}."

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "host": self.host,
            "port": self._port,
            "smtps": self.smtps,
            "starttls": self.starttls,
            "auth": bool(self.username),
            "to": list(self.to_addrs),
        }
