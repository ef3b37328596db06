"""Signed pushes: POST each push screen its current manifest, in parallel, with bounded retries.

A push is a nudge for screens that cannot poll often (or sit behind a gateway that forwards
requests to them): the body is the exact manifest file the tree serves, authenticated with an
HMAC over a timestamp and the body, so a receiver can refuse forgeries and replays.
One requests.Session with a connection pool sized for the concurrency serves every push, and
every request has a (connect, read) timeout, so a thousand screens with a few dead ones take
about one timeout, not one per dead screen.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

# proxy_bypass_environment is real but undocumented, so typeshed leaves it out.
from urllib.request import (  # type: ignore[attr-defined]
    getproxies_environment,
    proxy_bypass_environment,
)

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from urbanart.errors import InvalidValue
from urbanart.library.library import Library, current_tree
from urbanart.library.lookup import find
from urbanart.library.models import PushDelivery, Screen
from urbanart.protocol.push_signature import push_headers
from urbanart.protocol.tree_layout import manifest_path

log = logging.getLogger(__name__)

PUSH_WORKERS = 64
BACKOFF_FACTOR = 0.2
#: A receiver's Retry-After is honoured up to this many seconds; beyond it a push would hold a
#: worker (and the curator) hostage, so it waits this long and tries once more.
RETRY_AFTER_CAP = 10.0
RETRY_STATUSES = (500, 502, 503, 504)
DELIVERY_LOG_LIMIT = 10


# Attempt counting -----------------------------------------------------------------------------

_tally = threading.local()


class CountingRetry(Retry):
    """urllib3's Retry, counting failed attempts for the delivery log.

    urllib3 calls increment() once per failed attempt (an error or a retryable status), in the
    thread making the request; the count goes to a thread-local tally that push resets before
    each request, so one shared adapter serves every thread. Retry-After is honoured up to
    RETRY_AFTER_CAP.
    """

    def increment(self, *args: Any, **kwargs: Any) -> CountingRetry:
        _tally.failures = getattr(_tally, "failures", 0) + 1
        response = kwargs.get("response")
        if response is None and len(args) >= 3:
            response = args[2]
        if response is not None:
            _tally.last_status = response.status
        return super().increment(*args, **kwargs)

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, RETRY_AFTER_CAP)


def make_retry(retries: int) -> CountingRetry:
    """Retry connects and 5xx answers with backoff; never retry a read timeout (the receiver may
    be processing, and waiting again would double the worst case)."""
    return CountingRetry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        other=0,
        redirect=0,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),
        respect_retry_after_header=True,
        raise_on_status=True,
    )


def make_session(*, workers: int, hosts: int, retries: int) -> requests.Session:
    """One session for a whole push run: pooled keep-alive connections, sized so no worker ever
    waits for a connection and no host's pool is evicted mid-run.

    trust_env is off: environment proxies are resolved once per host by push() instead of on
    every request (half the CPU of a push at scale), and no .netrc password is ever sent to a
    screen.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(
        pool_connections=max(1, min(hosts, 4096)),
        pool_maxsize=max(1, workers),
        max_retries=make_retry(retries),
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# Pushing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushOutcome:
    """What happened when one screen was pushed; error is secret-free and curator-readable."""

    screen_id: int
    screen: str
    manifest_version: str
    ok: bool
    http_status: int | None
    attempts: int
    error: str | None
    started_at: datetime
    finished_at: datetime

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat()
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass(frozen=True)
class _Target:
    screen_id: int
    name: str
    url: str
    secret: str
    token: str

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback
        return f"_Target({self.screen_id}, {self.name!r})"


def _describe(exc: BaseException, timeout: float, attempts: int) -> tuple[str, int | None]:
    """A curator-readable reason from the exception's type only: exception texts carry URLs,
    which may embed credentials, so they are never shown or stored."""
    reason: BaseException | None = exc
    if isinstance(exc, requests.RequestException) and exc.args:
        first = exc.args[0]
        if isinstance(first, MaxRetryError):
            reason = first.reason
    status = getattr(_tally, "last_status", None)
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if isinstance(exc, requests.exceptions.RetryError) or isinstance(reason, ResponseError):
        return f"the screen kept answering HTTP {status}{tries}", status
    if isinstance(reason, ReadTimeoutError) or isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout:g} s{tries}", None
    if isinstance(reason, NewConnectionError):
        return f"could not connect (refused or unreachable){tries}", None
    if isinstance(reason, ConnectTimeoutError) or isinstance(
        exc, requests.exceptions.ConnectTimeout
    ):
        return f"could not connect within {timeout:g} s{tries}", None
    if isinstance(reason, ProtocolError):
        return f"the connection broke before an answer{tries}", None
    if isinstance(exc, requests.exceptions.SSLError):
        return "the screen's HTTPS certificate was refused", None
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "the push URL is not valid", None
    return f"the push failed ({type(reason or exc).__name__}){tries}", None


def _manifest(library: Library, token: str) -> tuple[bytes, str] | None:
    path = current_tree(library) / manifest_path(token)
    try:
        body = path.read_bytes()
        version = json.loads(json.loads(body)["payload"])["manifest_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return body, str(version)


def _push_one(
    session: requests.Session,
    library: Library,
    target: _Target,
    timeout: float,
    proxies: dict[str, str],
) -> PushOutcome:
    started = datetime.now(UTC)
    found = _manifest(library, target.token)
    if found is None:
        return PushOutcome(
            target.screen_id, target.name, "", False, None, 0,
            "no published manifest for this screen; run `urbanart publish` first",
            started, datetime.now(UTC),
        )  # fmt: skip
    body, version = found
    if not target.secret:
        return PushOutcome(
            target.screen_id, target.name, version, False, None, 0,
            "no push secret stored for this screen (the library's secrets file lost it); "
            "set a new one with `urbanart screens edit --push-secret` and give it to the player",
            started, datetime.now(UTC),
        )  # fmt: skip
    _tally.failures = 0
    _tally.last_status = None
    try:
        response = session.post(
            target.url,
            data=body,
            headers=push_headers(target.secret, body, version),
            timeout=(timeout, timeout),
            allow_redirects=False,
            proxies=proxies,
        )
        response.close()
    except requests.RequestException as exc:
        attempts = max(1, _tally.failures)
        error, status = _describe(exc, timeout, attempts)
        return PushOutcome(
            target.screen_id, target.name, version, False, status, attempts, error,
            started, datetime.now(UTC),
        )  # fmt: skip
    attempts = _tally.failures + 1
    ok = 200 <= response.status_code < 300
    answer = None if ok else f"the screen answered HTTP {response.status_code}"
    return PushOutcome(
        target.screen_id, target.name, version, ok, response.status_code, attempts, answer,
        started, datetime.now(UTC),
    )  # fmt: skip


def _targets(library: Library, refs: Sequence[str | int] | None) -> list[_Target]:
    with library.session() as session:
        if refs:
            rows: dict[int, Screen] = {}
            for ref in refs:
                screen = find(session, Screen, ref, kind="screen")
                if not screen.push_url:
                    raise InvalidValue(
                        "screen",
                        screen.name,
                        "has no push URL; set one with `urbanart screens edit "
                        f"{screen.id} --push-url URL`",
                        key="screen",
                    )
                rows[screen.id] = screen
            screens = list(rows.values())
        else:
            screens = list(
                session.scalars(
                    select(Screen).where(Screen.push_url.is_not(None)).order_by(Screen.id)
                )
            )
        stored = library.secrets.all()
        return [
            _Target(s.id, s.name, s.push_url or "", stored.get(s.id, ""), s.poll_token)
            for s in screens
            if s.push_url
        ]


def push(
    library: Library,
    *,
    screens: Sequence[str | int] | None = None,
    timeout: float = 5.0,
    retries: int = 3,
    workers: int = PUSH_WORKERS,
) -> list[PushOutcome]:
    """Push the current manifest to every screen with a push URL (or just those named), in
    parallel; one PushDelivery row per screen records the outcome. Returns outcomes by screen id.
    """
    if timeout <= 0:
        raise InvalidValue(
            "timeout", timeout, "must be a positive number of seconds", key="timeout"
        )
    if retries < 0:
        raise InvalidValue("retries", retries, "must be 0 or more", key="retries")
    targets = _likely_slow_first(library, _targets(library, screens))
    if not targets:
        return []
    env_proxies = getproxies_environment()  # read once, not once per request
    routes = {t.screen_id: _proxies_for(t.url, env_proxies) for t in targets}
    hosts = len({urlsplit(t.url)[:2] for t in targets})
    pool = max(1, min(workers, len(targets)))

    def one(target: _Target) -> PushOutcome:
        return _push_one(session, library, target, timeout, routes[target.screen_id])

    with (
        make_session(workers=pool, hosts=hosts, retries=retries) as session,
        ThreadPoolExecutor(max_workers=pool, thread_name_prefix="push") as executor,
    ):
        outcomes = list(executor.map(one, targets))
    _record(library, outcomes)
    for outcome in outcomes:
        if outcome.ok:
            log.info("pushed %s (%d attempt(s))", outcome.screen, outcome.attempts)
        else:
            log.warning("push to %s failed: %s", outcome.screen, outcome.error)
    return sorted(outcomes, key=lambda o: o.screen_id)


def _proxies_for(url: str, env: dict[str, str]) -> dict[str, str]:
    """The environment's proxy for url (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY), unless NO_PROXY
    exempts its host: what requests would pick, decided once per screen."""
    if not env:
        return {}
    parts = urlsplit(url)
    if proxy_bypass_environment(parts.netloc, env):
        return {}
    proxy = env.get(parts.scheme) or env.get("all")
    return {parts.scheme: proxy} if proxy else {}


def _likely_slow_first(library: Library, targets: list[_Target]) -> list[_Target]:
    """Screens whose last push failed go first: a dead screen costs a whole timeout, and started
    early that wait overlaps with everyone else's pushes instead of trailing after them."""
    if len(targets) < 2:
        return targets
    latest = (
        select(PushDelivery.screen_id, func.max(PushDelivery.id).label("last"))
        .group_by(PushDelivery.screen_id)
        .subquery()
    )
    with library.session() as session:
        failed = set(
            session.scalars(
                select(PushDelivery.screen_id)
                .join(latest, PushDelivery.id == latest.c.last)
                .where(PushDelivery.ok.is_(False))
            )
        )
    return sorted(targets, key=lambda t: t.screen_id not in failed)


def _record(library: Library, outcomes: Iterable[PushOutcome]) -> None:
    """One transaction for the whole run: a thousand small commits would cost more than pushing."""
    with library.session() as session:
        for o in outcomes:
            session.add(
                PushDelivery(
                    screen_id=o.screen_id,
                    manifest_version=o.manifest_version,
                    started_at=o.started_at,
                    finished_at=o.finished_at,
                    attempts=o.attempts,
                    http_status=o.http_status,
                    ok=o.ok,
                    error=o.error,
                )
            )
