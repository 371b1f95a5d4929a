"""Herald's Python client: publish events and verify the webhooks Herald sends.

Standard library only (Python >= 3.9). Copy this one file into a project, or put its directory
on PYTHONPATH.

    from herald_client import Herald, verify

    herald = Herald("http://127.0.0.1:8081", "hrld_...")
    answer = herald.publish("app_...", "user.created", {"name": "Ada"}, id="user-42")

    verify("standard", "whsec_...", request.headers, request.get_data())
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Mapping, Optional, Union

__all__ = ["Herald", "HeraldError", "verify", "WebhookVerificationError"]

DEFAULT_TOLERANCE_SECONDS = 300


class HeraldError(Exception):
    """A publish Herald refused (``status`` and the problem document) or could not be reached (``status`` None)."""

    def __init__(self, message: str, status: Optional[int] = None, problem: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.status = status
        self.problem = problem


class WebhookVerificationError(Exception):
    """Why a webhook did not verify."""


class Herald:
    """Publishes events through Herald's ingest API (``POST /v1/apps/{app}/events``)."""

    def __init__(self, ingest_url: str, token: str, timeout: float = 10.0):
        self.ingest_url = ingest_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def publish(
        self,
        app: str,
        event_type: str,
        payload: Dict[str, Any],
        id: Optional[str] = None,  # noqa: A002 - the API's own name
        channels: Optional[list] = None,
        occurred_at: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Publishes one event; returns ingest's answer: ``{id, eventType, occurredAt, createdAt, duplicate}``.

        ``id`` makes the publish idempotent: a repeat returns the first event's id with ``duplicate`` True.
        """
        body: Dict[str, Any] = {"eventType": event_type, "payload": payload}
        if id is not None:
            body["id"] = id
        if channels is not None:
            body["channels"] = channels
        if occurred_at is not None:
            body["occurredAt"] = occurred_at
        request = urllib.request.Request(
            "%s/v1/apps/%s/events" % (self.ingest_url, urllib.parse.quote(app, safe="")),
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "authorization": "Bearer %s" % self.token,
                "content-type": "application/json",
                "idempotency-key": id if id is not None else str(uuid.uuid4()),
                "user-agent": "herald-client-python",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                problem = json.loads(text)
            except ValueError:
                problem = {"detail": text}
            detail = problem.get("detail") or problem.get("title") or error.reason
            raise HeraldError("publish refused (%d): %s" % (error.code, detail), error.code, problem) from None
        except urllib.error.URLError as error:
            raise HeraldError("cannot reach Herald at %s: %s" % (self.ingest_url, error.reason)) from None


def _header(headers: Mapping[str, Any], name: str) -> str:
    wanted = name.lower()
    for key in headers.keys():
        if key.lower() == wanted:
            value = headers[key]
            if isinstance(value, (list, tuple)):
                value = ", ".join(value)
            if value:
                return str(value)
    raise WebhookVerificationError("the %s header is missing" % name)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def verify(
    scheme: Union[str, Mapping[str, Any]],
    secret: str,
    headers: Mapping[str, Any],
    body: Union[bytes, str],
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> bool:
    """Checks a received webhook; returns True or raises WebhookVerificationError. Constant-time.

    ``scheme`` is ``"standard"`` or the endpoint's ``signature`` setting as a dict:
    ``{"scheme": "hmac-sha256", "header": "X-Signature", "prefix": "sha256=", "encoding": "hex"}``,
    ``{"scheme": "shared-secret", "header": "X-Webhook-Secret"}``. ``body`` is the raw bytes as received.
    """
    settings = {"scheme": scheme} if isinstance(scheme, str) else dict(scheme)
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    kind = settings.get("scheme")
    if kind == "standard":
        webhook_id = _header(headers, "webhook-id")
        timestamp = _header(headers, "webhook-timestamp")
        signatures = _header(headers, "webhook-signature")
        current = time.time() if now is None else now
        if not timestamp.isdigit() or abs(current - int(timestamp)) > tolerance_seconds:
            raise WebhookVerificationError("webhook-timestamp is too far from now")
        encoded = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
        key = base64.b64decode(encoded)
        signed = webhook_id.encode("utf-8") + b"." + timestamp.encode("utf-8") + b"." + raw
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
        matched = False
        # Several signatures during a secret rotation's grace period: any one may match.
        for entry in signatures.split(" "):
            version, _, signature = entry.partition(",")
            if version == "v1" and _same(signature, expected):
                matched = True
        if not matched:
            raise WebhookVerificationError("no webhook-signature matches")
        return True
    if kind == "hmac-sha256":
        header = settings.get("header")
        if not header:
            raise ValueError("the hmac-sha256 scheme needs its header")
        digest = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256)
        encoding = settings.get("encoding") or "hex"
        value = digest.hexdigest() if encoding == "hex" else base64.b64encode(digest.digest()).decode("ascii")
        if not _same(_header(headers, header), (settings.get("prefix") or "") + value):
            raise WebhookVerificationError("the %s signature does not match" % header)
        return True
    if kind == "shared-secret":
        header = settings.get("header")
        if not header:
            raise ValueError("the shared-secret scheme needs its header")
        if not _same(_header(headers, header), secret):
            raise WebhookVerificationError("the %s secret does not match" % header)
        return True
    raise ValueError("unknown scheme %r: use standard, hmac-sha256 or shared-secret" % (kind,))
