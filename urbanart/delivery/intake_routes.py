"""The hub's open-call routes: the hand-in page and form, tus uploads, the artist's status page.

Same discipline as the screens' API (api.py): sizes are checked from the headers before a byte
of body is read (a declared 2 GB body is refused at once), bodies are read in bounded pieces and
streamed to disk (python-multipart parses the no-JavaScript form as it arrives; tus chunks are
appended), database, disk and image work run off the event loop (the hub's one database thread,
an I/O pool, and capped guard processes), and token buckets limit each address, page session
and artist.

Routes (``<call>`` is a call's unguessable page token)::

    GET  /calls/_/intake.js                      the page's upload script
    GET  /calls/<call>[/invite/<invite>]         the hand-in form (sets the session cookie)
    POST /calls/<call>[/invite/<invite>]         the form: multipart/form-data, CSRF-checked
    OPTIONS|POST /calls/<call>/uploads           tus: capabilities, creation (with upload)
    HEAD|PATCH|DELETE /calls/<call>/uploads/<id> tus: offset, append, termination
    GET  /calls/<call>/uploads/<id>              the guard's verdict on a complete upload
    GET  /calls/status/<token>                   the artist's private status page
    POST /calls/status/<token>/withdraw/<id>     withdraw a work not yet reviewed

CSRF: a random session token lives in an HttpOnly, SameSite=Strict cookie scoped to /calls/;
every form carries it in a hidden field and every tus request in X-CSRF-Token; a POST or PATCH
whose token does not match the cookie is refused (403) before its body is read. Uploads are
owned by the session that created them (a hash of its token), so nobody else can resume,
read the offset of or delete them.

The guard runs beside the upload, not in its way: the last PATCH is answered as soon as its bytes
are on disk and the file goes to a guard process then. Why: an artist's page sends its files one
after another, and a guard answered inside the last PATCH kept the page (and the hub's network
side) idle while the file was decoded; now the next file uploads while this one is checked. The
verdict is still the artist's before anything is handed in: the page asks for it (GET on the
upload, answered once the check is done: 200, or 422 with the importer's reason) and shows
"checking…" until then, and the form post waits for the verdicts of the uploads it names and
refuses a refused one with its reason. A refused file is removed at once as before; only its
reason is kept, in memory, for the verdict and the form.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import logging
import os
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from urbanart.delivery.api import Receive, Scope, Send, error_body, send_json, send_too_many
from urbanart.delivery.rate_limit import Rate, RateLimiter
from urbanart.errors import InvalidValue, NotFound
from urbanart.imaging.limits import ImportLimits
from urbanart.intake import calls as calls_api
from urbanart.intake import pages
from urbanart.intake.calls import CallRecord, InviteRecord
from urbanart.intake.review import call_title
from urbanart.intake.submissions import (
    ArtistForm,
    HandInRefused,
    WorkForm,
    check_hand_in,
    record_hand_in,
    status_of,
    withdraw,
    works_handed_in,
)
from urbanart.intake.uploads import (
    Guard,
    Guarded,
    IntakeFolders,
    Refused,
    UploadInfo,
    open_append,
    owner_of,
    valid_id,
    write_all,
)
from urbanart.library.library import Library
from urbanart.library.settings import load_settings

log = logging.getLogger("urbanart.hub")

COOKIE = "ua_intake"
TUS_VERSION = b"1.0.0"
#: Bytes gathered from the socket before one write to disk (fewer thread hops, bounded memory).
WRITE_BATCH = 512 * 1024
#: A text field of the form; the longest (a bio, a description) is 5,000 characters.
MAX_FIELD_BYTES = 24 * 1024
MAX_PARTS = 400
#: Room for the form's text fields and multipart framing beyond the files themselves.
FORM_OVERHEAD = 1024 * 1024
#: An upload nobody touched for this long was abandoned; its folder goes (checked hourly).
ABANDONED_AFTER = 2 * 24 * 3600.0
SWEEP_INTERVAL = 3600.0
#: Reasons of refused uploads kept for their verdict and form (the files are gone at once).
KEPT_REFUSALS = 10_000
SCRIPT = (Path(__file__).resolve().parents[1] / "intake" / "static" / "intake.js").read_bytes()

_PAGE = re.compile(rb"/calls/([A-Za-z0-9_-]{16,64})(?:/invite/([A-Za-z0-9_-]{16,64}))?/?")
_UPLOADS = re.compile(rb"/calls/([A-Za-z0-9_-]{16,64})/uploads(?:/([A-Za-z0-9_-]{16,64}))?")
_STATUS = re.compile(rb"/calls/status/([A-Za-z0-9_-]{16,64})(?:/withdraw/([0-9]{1,12}))?")
_FIELD_NAME = re.compile(r"[a-z0-9-]{1,40}")
_WORK_FIELD = re.compile(
    r"work-([0-9]{1,2})-(file|still|upload|title|year|description|alt|license|ai)"
)
#: What a generative work's optional still is checked as (it is an image, whatever the call takes).
STILL_ONLY = ("still",)


FORM_RATE = Rate(burst=10, per_second=1 / 6)
UPLOADS_RATE = Rate(burst=40, per_second=1.0)
SESSION_RATE = Rate(burst=20, per_second=0.5)
ARTIST_RATE = Rate(burst=5, per_second=1 / 60)


@dataclass(frozen=True)
class IntakeRates:
    """Token buckets of the intake routes; a benchmark of 100 artists on one address raises them."""

    form_per_address: Rate = FORM_RATE
    uploads_per_address: Rate = UPLOADS_RATE
    uploads_per_session: Rate = SESSION_RATE
    hand_ins_per_artist: Rate = ARTIST_RATE


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name: value for name, value in scope["headers"]}


def _session_of(headers: dict[bytes, bytes]) -> str | None:
    raw = headers.get(b"cookie")
    if raw is None:
        return None
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):
        jar.load(raw.decode("latin-1"))
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None and valid_id(morsel.value) else None


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


async def send_html(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_empty(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class Abort(Exception):
    """Stop reading a request and answer with status and a message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


@dataclass
class FilePart:
    index: int
    file_name: str
    upload: UploadInfo
    handle: IO[bytes]
    size: int = 0
    error: str | None = None
    #: "file" (the work) or "still" (a generative work's optional still)
    field: str = "file"


@dataclass
class FormReader:
    """Parses one multipart hand-in as it arrives (in an I/O thread); file parts go to disk.

    Text fields are bounded in size and number; a file part over the call's limit is cut off
    and removed at once (its error shown next to it); no file part is stored before the form's
    CSRF token (the first field) matched the cookie.
    """

    boundary: bytes
    folders: IntakeFolders
    call: CallRecord
    owner: str
    session: str
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[int, FilePart] = field(default_factory=dict)
    #: Generative works' stills, by work index (only where the call takes generative works).
    stills: dict[int, FilePart] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    _parser: MultipartParser | None = None
    _name: str | None = None
    _filename: str | None = None
    _header_field: bytearray = field(default_factory=bytearray)
    _header_value: bytearray = field(default_factory=bytearray)
    _value: bytearray = field(default_factory=bytearray)
    _file: FilePart | None = None
    _skip: bool = False
    _parts: int = 0

    def __post_init__(self) -> None:
        self._parser = MultipartParser(
            self.boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def feed(self, chunks: list[bytes]) -> None:
        assert self._parser is not None
        try:
            for chunk in chunks:
                self._parser.write(chunk)
        except MultipartParseError as exc:
            raise Abort(400, f"the form could not be read: {exc}") from None

    def finish(self) -> None:
        assert self._parser is not None
        self._parser.finalize()
        if self._file is not None:  # the body ended inside a file part
            self._drop(self._file, "the upload was cut off; please send it again")

    def discard(self) -> None:
        for part in (*self.files.values(), *self.stills.values()):
            part.handle.close()
            self.folders.discard(part.upload.id)

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise Abort(413, f"the form has more than {MAX_PARTS} parts")
        self._name = self._filename = None
        self._value.clear()
        self._skip = False
        self._file = None

    def _header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            _kind, params = parse_options_header(bytes(self._header_value))
            name = params.get(b"name")
            self._name = name.decode("utf-8", "replace") if name is not None else None
            filename = params.get(b"filename")
            if filename is not None:
                self._filename = filename.decode("utf-8", "replace")
        self._header_field.clear()
        self._header_value.clear()

    def _headers_done(self) -> None:
        name = self._name
        if name is None or not _FIELD_NAME.fullmatch(name):
            self._skip = True
            return
        if self._filename is None:
            return
        match = _WORK_FIELD.fullmatch(name)
        kind = match[2] if match is not None else ""
        takes_still = "generative" in self.call.kinds
        if (
            kind not in ("file", "still")
            or not self._filename
            or (kind == "still" and not takes_still)
        ):
            self._skip = True  # no file chosen (an empty part), or a file where none belongs
            return
        assert match is not None
        index = int(match[1])
        parts = self.files if kind == "file" else self.stills
        if index >= self.call.max_files or index in parts:
            self._skip = True
            return
        if not _same(self.fields.get("csrf"), self.session):
            raise Abort(403, "this form has expired; reload the page and try again")
        upload = self.folders.new_upload(self.call.id, self.owner, 0, self._filename)
        handle = open(self.folders.data(upload.id), "wb")  # noqa: SIM115 - closed in _end/discard
        self._file = FilePart(index, upload.file_name, upload, handle, field=kind)
        parts[index] = self._file

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._skip:
            return
        if self._file is not None:
            part = self._file
            part.size += end - start
            if part.size > self.call.max_bytes:
                mb, limit = part.size / 1e6, self.call.max_bytes / 1e6
                self._drop(part, f"too large: over {mb:.0f} MB, the limit is {limit:.0f} MB")
                return
            part.handle.write(data[start:end])
            return
        self._value.extend(data[start:end])
        if len(self._value) > MAX_FIELD_BYTES:
            raise Abort(413, f"the field {self._name} is longer than {MAX_FIELD_BYTES} bytes")

    def _drop(self, part: FilePart, reason: str) -> None:
        part.handle.close()
        self.folders.discard(part.upload.id)
        del (self.files if part.field == "file" else self.stills)[part.index]
        self.errors[f"work-{part.index}-{part.field}"] = reason
        self._file = None
        self._skip = True

    def _end(self) -> None:
        if self._file is not None:
            self._file.handle.close()
            self._file = None
        elif not self._skip and self._name is not None and self._filename is None:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


class IntakeRoutes:
    """The /calls/ routes of one hub."""

    def __init__(
        self,
        library: Library,
        db: Executor,
        *,
        rates: IntakeRates | None = None,
        guard_workers: int | None = None,
        io_threads: int = 4,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.library = library
        self.db = db
        self.folders = IntakeFolders(library.home)
        # One guard process per core, up to four (as the importer): the guard's decode (about
        # 75 ms of CPU for a 10 MB PNG, JPEG at 1/8 scale) is what a rush of hand-ins adds to
        # the writes; the processes start with the first upload, so a hub without calls never
        # has them.
        self.guard = Guard(guard_workers or min(os.cpu_count() or 1, 4))
        self.io = ThreadPoolExecutor(io_threads, thread_name_prefix="hub-intake")
        self.clock = clock
        rates = rates or IntakeRates()
        self.form_rate = RateLimiter(rates.form_per_address)
        self.upload_rate = RateLimiter(rates.uploads_per_address)
        self.session_rate = RateLimiter(rates.uploads_per_session)
        self.artist_rate = RateLimiter(rates.hand_ins_per_artist)
        #: Upload ids with a PATCH in progress (a second one at once gets 409).
        self.busy: set[str] = set()
        #: Page session owner → live invite it opened (for tus creation on invite-only calls).
        self.invited: dict[str, int] = {}
        #: Guards running on complete tus uploads: started by the last PATCH, awaited by the
        #: verdict request and the form post.
        self.checking: dict[str, asyncio.Task[Guarded | Refused]] = {}
        #: Refused uploads (their folders are gone): upload id → (owner, call, file name, reason).
        self.refused: OrderedDict[str, tuple[str, int, str, str]] = OrderedDict()
        self._calls: dict[str, tuple[float, asyncio.Future[CallRecord | None]]] = {}
        self._settings: tuple[float, asyncio.Future[ImportLimits]] | None = None
        #: The tus chunk the page's script sends (tests of dropped chunks make it small).
        self.chunk_bytes = pages.TUS_CHUNK_BYTES
        self._swept = float("-inf")

    def close(self) -> None:
        for task in list(self.checking.values()):  # a restarted hub checks them when asked
            task.cancel()
        self.guard.close()
        self.io.shutdown(wait=True)

    # Helpers --------------------------------------------------------------------------------

    async def _run(self, executor: Executor, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, func, *args)

    async def call(self, page_token: str) -> CallRecord | None:
        """The call a page token names, cached for a second (tus chunks ask for it often).

        One look-up at a time per token: when the second is over, the requests arriving while
        it runs wait for it instead of each asking the database thread again (a hundred
        artists' chunks made a queue of identical queries there every second)."""
        loop = asyncio.get_running_loop()
        cached = self._calls.get(page_token)
        if cached is None or loop.time() - cached[0] >= 1.0:
            lookup = loop.run_in_executor(self.db, calls_api.call_by_page, self.library, page_token)
            if len(self._calls) > 1000:
                self._calls.clear()
            cached = self._calls[page_token] = (loop.time(), lookup)
        try:
            record = await asyncio.shield(cached[1])
        except Exception:
            if self._calls.get(page_token) is cached:  # the next request asks again
                del self._calls[page_token]
            raise
        return record if isinstance(record, CallRecord) else None

    async def limits(self, call: CallRecord) -> ImportLimits:
        """The library's import limits within the call's own, read at most once a second: each
        complete upload asked the database thread for the settings (a query per file in a rush,
        for settings a curator changes once in a while)."""
        loop = asyncio.get_running_loop()
        cached = self._settings
        if cached is None or loop.time() - cached[0] >= 1.0:
            lookup = loop.run_in_executor(self.db, _import_limits, self.library)
            cached = self._settings = (loop.time(), lookup)
        try:
            limits = await asyncio.shield(cached[1])
        except Exception:
            if self._settings is cached:  # the next check asks again
                self._settings = None
            raise
        return replace(limits, max_bytes=min(limits.max_bytes, call.max_bytes))

    async def guard_upload(
        self, upload: UploadInfo, call: CallRecord, kinds: tuple[str, ...] | None = None
    ) -> Guarded | Refused:
        """The import guard on a complete upload (kinds: the call's, unless given); a refused
        one is removed whole at once."""
        limits = await self.limits(call)
        future = self.guard.submit(
            self.folders.data(upload.id), upload.file_name, limits, kinds or call.kinds
        )
        try:
            verdict = await asyncio.wrap_future(future)
        except Exception as exc:  # the worker died (killed, out of memory before the check)
            log.warning("guard worker failed on an upload", exc_info=True)
            verdict = Refused(f"could not be checked: {type(exc).__name__}")
        if not isinstance(verdict, Refused):
            try:
                await self._run(self.io, self.folders.keep_guarded, upload.id, verdict)
            except OSError:  # terminated (DELETE) while it was being checked
                verdict = Refused("the upload was removed while it was being checked")
        if isinstance(verdict, Refused):
            await self._run(self.io, self.folders.discard, upload.id)
            self.refused[upload.id] = (
                upload.owner,
                upload.call_id,
                upload.file_name,
                verdict.reason,
            )
            while len(self.refused) > KEPT_REFUSALS:
                self.refused.popitem(last=False)
        return verdict

    def start_check(self, upload: UploadInfo, call: CallRecord) -> None:
        """Guard a complete tus upload in the background (its last PATCH is answered at once)."""
        task = asyncio.get_running_loop().create_task(self.guard_upload(upload, call))
        self.checking[upload.id] = task

        def done(finished: asyncio.Task[Guarded | Refused]) -> None:
            self.checking.pop(upload.id, None)
            if not finished.cancelled() and finished.exception() is not None:
                # Not refused, not accepted: the next verdict request checks it again.
                log.error("checking an upload failed", exc_info=finished.exception())

        task.add_done_callback(done)

    async def verdict(
        self, upload_id: str, owner: str, call: CallRecord
    ) -> tuple[str, Guarded | Refused] | None:
        """The guard's verdict on one of this session's complete tus uploads to this call, with
        its file name, waiting while it is checked; None when there is no such upload or it is
        not complete."""
        refused = self.refused.get(upload_id)
        if refused is not None:
            kept_owner, call_id, file_name, reason = refused
            return (
                (file_name, Refused(reason)) if (kept_owner, call_id) == (owner, call.id) else None
            )
        info = self.folders.known(upload_id) or await self._run(
            self.io, self.folders.upload, upload_id
        )
        if info is None or info.owner != owner or info.call_id != call.id:
            return None
        task = self.checking.get(upload_id)
        if task is None:
            guarded = self.folders.known_guarded(upload_id) or await self._run(
                self.io, self.folders.guarded, upload_id
            )
            if guarded is not None:
                return info.file_name, guarded
            # Complete but not checked: the hub restarted (or the check failed) meanwhile.
            offset = await self._run(self.io, self.folders.offset, upload_id)
            if offset != info.length or upload_id in self.busy:
                return None
            self.start_check(info, call)
            task = self.checking[upload_id]
        return info.file_name, await asyncio.shield(task)

    async def closed_page(self, send: Send, call: CallRecord) -> None:
        text = "This call is closed: the deadline has passed, no more works can be handed in."
        await send_html(send, 403, pages.message_page(call.title, text))

    @staticmethod
    def _client(scope: Scope) -> str:
        client = scope.get("client")
        return str(client[0]) if client else "?"

    # Dispatch -------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send, raw: bytes) -> None:
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._dispatch(scope, receive, tracked, raw)
        except Abort as exc:
            if not started:
                await send_json(
                    tracked,
                    exc.status,
                    error_body("refused", exc.message),
                    extra=[(b"connection", b"close")],
                )
        except Exception:
            log.exception("open-call request failed")
            if not started:
                await send_json(tracked, 500, error_body("internal error"))

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, raw: bytes) -> None:
        method = scope["method"]
        if raw == b"/calls/_/intake.js" and method in ("GET", "HEAD"):
            headers = [
                (b"content-type", b"text/javascript; charset=utf-8"),
                (b"content-length", str(len(SCRIPT)).encode()),
                (b"cache-control", b"no-cache"),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else SCRIPT})
            return
        if (m := _STATUS.fullmatch(raw)) is not None:
            await self.status(scope, receive, send, m[1].decode(), m[2])
            return
        if (m := _UPLOADS.fullmatch(raw)) is not None:
            await self.tus(scope, receive, send, m[1].decode(), m[2].decode() if m[2] else None)
            return
        if (m := _PAGE.fullmatch(raw)) is not None:
            invite = m[2].decode() if m[2] else None
            await self.page(scope, receive, send, m[1].decode(), invite, raw)
            return
        await send_json(send, 404, error_body("not found"))

    # The hand-in page and form ---------------------------------------------------------------

    async def page(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        page_token: str,
        invite_token: str | None,
        raw: bytes,
    ) -> None:
        method = scope["method"]
        if method not in ("GET", "POST"):
            await send_json(
                send, 405, error_body("method not allowed"), extra=[(b"allow", b"GET, POST")]
            )
            return
        call = await self.call(page_token)
        if call is None:
            await send_json(send, 404, error_body("not found"))
            return
        invite: InviteRecord | None = None
        if invite_token is not None:
            invite = await self._run(
                self.db, calls_api.invite_by_token, self.library, call.id, invite_token
            )
            if invite is None:
                text = "This invite link was revoked or is wrong; ask the curators for a new one."
                await send_html(send, 403, pages.message_page(call.title, text))
                return
        elif call.invite_only:
            text = "This call is by invitation only: use the personal link the curators sent you."
            await send_html(send, 403, pages.message_page(call.title, text))
            return
        if not call.open_at(self.clock()):
            await self.closed_page(send, call)
            return
        headers = _headers(scope)
        session = _session_of(headers)
        action = raw.decode("ascii")
        if method == "GET":
            extra: list[tuple[bytes, bytes]] = []
            if session is None:
                session = secrets.token_urlsafe(24)
                cookie = f"{COOKIE}={session}; Path=/calls/; HttpOnly; SameSite=Strict"
                extra.append((b"set-cookie", cookie.encode()))
            if invite is not None:
                self.invited[owner_of(session)] = invite.id
            if invite is not None:
                form = ArtistForm(name=invite.name, email=invite.email)
                body = pages.call_page(
                    call, action=action, csrf=session, form=form, chunk_bytes=self.chunk_bytes
                )
            else:
                body = pages.blank_call_page(
                    call, action=action, csrf=session, chunk_bytes=self.chunk_bytes
                )
            await send_html(send, 200, body, extra)
            return
        await self.hand_in(scope, receive, send, call, invite, session, headers, action)

    async def hand_in(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        call: CallRecord,
        invite: InviteRecord | None,
        session: str | None,
        headers: dict[bytes, bytes],
        action: str,
    ) -> None:
        close = [(b"connection", b"close")]
        if session is None:
            raise Abort(403, "this form has expired; reload the page and try again")
        wait = self.form_rate.take(self._client(scope))
        if wait > 0:
            await send_too_many(send, wait, "too many hand-ins from this address; wait a minute")
            return
        ctype, params = parse_options_header(headers.get(b"content-type", b""))
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            await send_json(
                send, 415, error_body("unsupported media type", "send multipart/form-data")
            )
            return
        # A generative work may come with its still: room for one more file per work.
        per_work = 2 if "generative" in call.kinds else 1
        limit = call.max_files * per_work * call.max_bytes + FORM_OVERHEAD
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            status = 400 if not length.isdigit() else 413
            detail = f"a hand-in to this call may be at most {limit // 1_000_000} MB"
            await send_json(send, status, error_body("body too large", detail), extra=close)
            return
        owner = owner_of(session)
        reader = FormReader(boundary, self.folders, call, owner, session)
        try:
            await self._read_form(receive, reader, limit)
        except BaseException:
            await self._run(self.io, reader.discard)
            raise
        await self._finish_hand_in(send, call, invite, session, reader, action)

    async def _read_form(self, receive: Receive, reader: FormReader, limit: int) -> None:
        total = 0
        batch: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Abort(400, "the connection closed before the form arrived")
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                raise Abort(413, f"a hand-in to this call may be at most {limit // 1_000_000} MB")
            if chunk:
                batch.append(chunk)
                size += len(chunk)
            more = message.get("more_body", False)
            if size >= WRITE_BATCH or (not more and batch):
                await self._run(self.io, reader.feed, batch)
                batch, size = [], 0
            if not more:
                await self._run(self.io, reader.finish)
                return

    async def _finish_hand_in(
        self,
        send: Send,
        call: CallRecord,
        invite: InviteRecord | None,
        session: str,
        reader: FormReader,
        action: str,
    ) -> None:
        if not _same(reader.fields.get("csrf"), session):
            await self._run(self.io, reader.discard)
            raise Abort(403, "this form has expired; reload the page and try again")
        form = _artist_form(reader.fields, call.max_files)
        errors = dict(reader.errors)
        owner = owner_of(session)
        adopt: dict[int, str] = {}  # work index → upload id holding its guarded bytes
        from_form: set[str] = set()
        parts = sorted(reader.files.items())
        named = [
            (work, upload_id)
            for work in form.works
            if (upload_id := reader.fields.get(f"work-{work.index}-upload", "").strip())
            and work.index not in reader.files
            and f"work-{work.index}-file" not in errors
        ]
        # All verdicts at once: the form's own files are guarded now (side by side in the guard
        # processes), the tus uploads' checks began with their last chunk (waited for if still on).
        stills = sorted(reader.stills.items())
        guarded, found_uploads, still_verdicts = await asyncio.gather(
            asyncio.gather(*(self.guard_upload(part.upload, call) for _index, part in parts)),
            asyncio.gather(*(self.verdict(upload_id, owner, call) for _w, upload_id in named)),
            asyncio.gather(
                *(self.guard_upload(part.upload, call, STILL_ONLY) for _index, part in stills)
            ),
        )
        for (index, part), verdict in zip(stills, still_verdicts, strict=True):
            work = form.works[index]
            work.still_name = part.file_name
            if isinstance(verdict, Refused):
                errors[f"work-{index}-still"] = f"{part.file_name}: {verdict.reason}"
                continue
            work.still_upload_id = part.upload.id
            from_form.add(part.upload.id)
        for (index, part), verdict in zip(parts, guarded, strict=True):
            work = form.works[index]
            work.file_name = part.file_name
            if isinstance(verdict, Refused):
                errors[f"work-{index}-file"] = f"{part.file_name}: {verdict.reason}"
                continue
            work.guarded, work.upload_id = verdict, None
            adopt[index] = part.upload.id
            from_form.add(part.upload.id)
        for (work, upload_id), found in zip(named, found_uploads, strict=True):
            if found is None:
                errors[f"work-{work.index}-file"] = (
                    "the upload is gone; please choose the file again"
                )
                continue
            file_name, outcome = found
            if isinstance(outcome, Refused):
                errors[f"work-{work.index}-file"] = f"{file_name}: {outcome.reason}"
                continue
            work.guarded, work.upload_id, work.file_name = outcome, upload_id, file_name
            adopt[work.index] = upload_id
        try:
            already = await self._run(self.db, works_handed_in, self.library, call.id, form.email)
            checked = check_hand_in(call, form, already)
        except HandInRefused as exc:
            errors = {**exc.errors, **errors}
            checked = []
        if not errors and self.artist_rate.take(form.email.strip().lower()) > 0:
            errors["form"] = "too many hand-ins for this e-mail address; wait a few minutes"
        if errors:
            for upload_id in from_form:  # form files go; tus uploads stay for the next try
                await self._run(self.io, self.folders.discard, upload_id)
            for work in form.works:
                if work.upload_id is None:
                    work.guarded = None
            body = pages.call_page(
                call,
                action=action,
                csrf=session,
                form=form,
                errors=errors,
                chunk_bytes=self.chunk_bytes,
            )
            await send_html(send, 422, body)
            return
        keys: list[str] = []
        try:
            for item in checked:
                keys.append(
                    await self._run(
                        self.io, self.folders.adopt, adopt[item.form.index], item.form.file_name
                    )
                )
                if item.form.still_upload_id is not None:
                    await self._run(
                        self.io,
                        self.folders.adopt_still,
                        item.form.still_upload_id,
                        keys[-1],
                        item.form.still_name,
                    )
            token = await self._run(
                self.db,
                record_hand_in,
                self.library,
                call,
                form,
                checked,
                keys,
                invite.id if invite else None,
            )
        except BaseException:
            for key in keys:
                await self._run(self.io, self.folders.remove_work, key)
            raise
        location = f"/calls/status/{token}".encode()
        await send_empty(send, 303, [(b"location", location), (b"content-length", b"0")])

    # tus ------------------------------------------------------------------------------------

    async def tus(
        self, scope: Scope, receive: Receive, send: Send, page_token: str, upload_id: str | None
    ) -> None:
        method = scope["method"]
        headers = _headers(scope)
        base = [(b"tus-resumable", TUS_VERSION), (b"cache-control", b"no-store")]
        call = await self.call(page_token)
        if call is None:
            await send_json(send, 404, error_body("not found"))
            return
        if method == "OPTIONS":
            await send_empty(
                send,
                204,
                [
                    *base,
                    (b"tus-version", TUS_VERSION),
                    (b"tus-extension", b"creation,creation-with-upload,termination"),
                    (b"tus-max-size", str(call.max_bytes).encode()),
                    (b"content-length", b"0"),
                ],
            )
            return
        if headers.get(b"tus-resumable") != TUS_VERSION:
            await send_json(
                send,
                412,
                error_body("unsupported tus version", "send Tus-Resumable: 1.0.0"),
                extra=[(b"tus-version", TUS_VERSION)],
            )
            return
        session = _session_of(headers)
        token = headers.get(b"x-csrf-token", b"").decode("latin-1")
        if session is None or not _same(token, session):
            await send_json(
                send, 403, error_body("forbidden", "this page has expired; reload it"), extra=base
            )
            return
        owner = owner_of(session)
        if upload_id is None:
            if method != "POST":
                await send_json(
                    send,
                    405,
                    error_body("method not allowed"),
                    extra=[(b"allow", b"OPTIONS, POST")],
                )
                return
            await self.tus_create(scope, receive, send, call, owner, headers, base)
            return
        if method == "GET":
            await self.tus_verdict(send, call, owner, upload_id, base)
            return
        info = self.folders.known(upload_id) or await self._run(
            self.io, self.folders.upload, upload_id
        )
        if info is None or info.owner != owner or info.call_id != call.id:
            await send_json(send, 404, error_body("not found"), extra=base)
            return
        if method == "HEAD":
            offset = await self._run(self.io, self.folders.offset, upload_id)
            if offset < 0:  # removed (terminated, refused, handed in) since it was read
                await send_json(send, 404, error_body("not found"), extra=base)
                return
            await send_empty(
                send,
                200,
                [
                    *base,
                    (b"upload-offset", str(offset).encode()),
                    (b"upload-length", str(info.length).encode()),
                ],
            )
            return
        if method == "DELETE":
            if upload_id in self.busy:
                await send_json(
                    send, 409, error_body("busy", "a chunk is being written"), extra=base
                )
                return
            await self._run(self.io, self.folders.discard, upload_id)
            await send_empty(send, 204, base)
            return
        if method == "PATCH":
            await self.tus_patch(receive, send, call, info, headers, base)
            return
        await send_json(
            send,
            405,
            error_body("method not allowed"),
            extra=[(b"allow", b"GET, HEAD, PATCH, DELETE")],
        )

    async def tus_verdict(
        self,
        send: Send,
        call: CallRecord,
        owner: str,
        upload_id: str,
        base: list[tuple[bytes, bytes]],
    ) -> None:
        """GET on an upload: answered once the guard has decided (the page shows "checking…")."""
        found = await self.verdict(upload_id, owner, call)
        if found is None:
            detail = "no complete upload of this page has this address"
            await send_json(send, 404, error_body("not found", detail), extra=base)
            return
        file_name, verdict = found
        if isinstance(verdict, Refused):
            detail = f"{file_name}: {verdict.reason}"
            await send_json(send, 422, error_body("refused", detail), extra=base)
            return
        await send_json(send, 200, {"accepted": file_name}, extra=base)

    async def tus_create(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        call: CallRecord,
        owner: str,
        headers: dict[bytes, bytes],
        base: list[tuple[bytes, bytes]],
    ) -> None:
        if not call.open_at(self.clock()):
            await send_json(send, 403, error_body("closed", "the deadline has passed"), extra=base)
            return
        if call.invite_only and owner not in self.invited:
            await send_json(
                send, 403, error_body("forbidden", "open your invite link first"), extra=base
            )
            return
        for limiter, key in ((self.upload_rate, self._client(scope)), (self.session_rate, owner)):
            wait = limiter.take(key)
            if wait > 0:
                await send_too_many(
                    send, wait, "too many uploads at once; wait a moment", extra=base
                )
                return
        length = headers.get(b"upload-length", b"")
        if not length.isdigit():
            await send_json(
                send, 400, error_body("invalid request", "send Upload-Length"), extra=base
            )
            return
        if int(length) > call.max_bytes:
            detail = (
                f"too large: {int(length) / 1e6:.0f} MB, the limit is {call.max_bytes / 1e6:.0f} MB"
            )
            await send_json(send, 413, error_body("too large", detail), extra=base)
            return
        # creation-with-upload: the first chunk rides in the creation request (one request per
        # file of up to a chunk, not two: each request is about 1.5 ms of the hub's CPU).
        with_data = headers.get(b"content-type") == b"application/offset+octet-stream"
        declared = headers.get(b"content-length")
        if (
            with_data
            and declared is not None
            and (not declared.isdigit() or int(declared) > int(length))
        ):
            detail = f"the first chunk may be at most the upload's length ({int(length)} bytes)"
            status, error = (413, "too large") if declared.isdigit() else (400, "invalid request")
            await send_json(
                send,
                status,
                error_body(error, detail),
                extra=[*base, (b"connection", b"close")],
            )
            return
        name = _metadata(headers.get(b"upload-metadata", b"")).get("filename", "file")
        now = asyncio.get_running_loop().time()
        if now - self._swept > SWEEP_INTERVAL:
            self._swept = now
            await self._run(self.io, self.folders.sweep, ABANDONED_AFTER)
        offset = 0
        if not with_data:
            info = await self._run(
                self.io, self.folders.new_upload, call.id, owner, int(length), name
            )
        else:
            info, fd = await self._run(
                self.io, self.folders.start_upload, call.id, owner, int(length), name
            )
            written = await self._first_chunk(receive, info, fd)
            if written < 0:
                detail = f"at most {info.length} bytes"
                await send_json(
                    send,
                    413,
                    error_body("too large", detail),
                    extra=[*base, (b"connection", b"close")],
                )
                return
            offset = written
            if offset == info.length:
                self.start_check(info, call)
        location = f"{call.path}/uploads/{info.id}".encode()
        await send_empty(
            send,
            201,
            [
                *base,
                (b"location", location),
                (b"upload-offset", str(offset).encode()),
                (b"content-length", b"0"),
            ],
        )

    async def _first_chunk(self, receive: Receive, info: UploadInfo, fd: int) -> int:
        """The body of a creation request appended to its new upload; bytes written, or -1 when
        it is over the upload's length. Why the upload goes whole when this fails (over length,
        dropped connection): the artist's page never learned its address, so it could not resume
        it; it creates a new one, and nothing of the first is left on disk. fd is the new data
        file's, opened O_APPEND; _append closes it."""
        self.busy.add(info.id)
        kept = False
        try:
            written = await self._append(receive, fd, info.length)
            kept = written >= 0
            return written
        finally:
            self.busy.discard(info.id)
            if not kept:
                await self._run(self.io, self.folders.discard, info.id)

    async def tus_patch(
        self,
        receive: Receive,
        send: Send,
        call: CallRecord,
        info: UploadInfo,
        headers: dict[bytes, bytes],
        base: list[tuple[bytes, bytes]],
    ) -> None:
        close = [*base, (b"connection", b"close")]
        if headers.get(b"content-type") != b"application/offset+octet-stream":
            await send_json(
                send,
                415,
                error_body("unsupported media type", "send application/offset+octet-stream"),
                extra=close,
            )
            return
        if not call.open_at(self.clock()):
            await send_json(send, 403, error_body("closed", "the deadline has passed"), extra=close)
            return
        if info.id in self.busy:
            await send_json(
                send, 409, error_body("busy", "another request is writing this upload"), extra=close
            )
            return
        self.busy.add(info.id)
        fd: int | None = None
        try:
            try:
                fd, offset = await self._run(self.io, open_append, self.folders.data(info.id))
            except OSError:  # removed (terminated, refused, handed in) since it was read
                await send_json(send, 404, error_body("not found"), extra=close)
                return
            claimed = headers.get(b"upload-offset", b"")
            if not claimed.isdigit() or int(claimed) != offset or offset >= info.length:
                await send_json(
                    send,
                    409,
                    error_body("offset mismatch", f"the upload is at {offset}"),
                    extra=[*close, (b"upload-offset", str(offset).encode())],
                )
                return
            room = info.length - offset
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > room):
                await send_json(
                    send, 413, error_body("too large", f"at most {room} more bytes"), extra=close
                )
                return
            owned, fd = fd, None  # _append closes it, also when it fails
            written = await self._append(receive, owned, room)
            if written < 0:
                await send_json(
                    send, 413, error_body("too large", f"at most {room} more bytes"), extra=close
                )
                return
            offset += written
        finally:
            if fd is not None:
                os.close(fd)
            self.busy.discard(info.id)
        if offset == info.length:
            self.start_check(info, call)
        await send_empty(send, 204, [*base, (b"upload-offset", str(offset).encode())])

    async def _append(self, receive: Receive, fd: int, room: int) -> int:
        """Append the request body to the upload through fd (opened O_APPEND by the PATCH, and
        closed here, also on an error); bytes written, or -1 when it is over room (nothing of
        the excess is written). A dropped connection keeps what arrived."""
        batch: list[bytes] = []
        size = total = 0
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    last, fd = fd, -1  # write_all closes it, also when it fails
                    await self._run(self.io, write_all, last, batch, True)
                    raise Abort(400, "the connection dropped; resume from the offset HEAD reports")
                chunk = message.get("body", b"")
                if total + size + len(chunk) > room:
                    last, fd = fd, -1
                    await self._run(self.io, write_all, last, batch, True)
                    return -1
                if chunk:
                    batch.append(chunk)
                    size += len(chunk)
                more = message.get("more_body", False)
                if not more:
                    last, fd = fd, -1
                    written: int = await self._run(self.io, write_all, last, batch, True)
                    return total + written
                if size >= WRITE_BATCH:
                    written = await self._run(self.io, write_all, fd, batch)
                    total += written
                    batch, size = [], 0
        finally:
            if fd >= 0:
                os.close(fd)

    # The artist's status page ---------------------------------------------------------------

    async def status(
        self, scope: Scope, receive: Receive, send: Send, token: str, withdraw_id: bytes | None
    ) -> None:
        method = scope["method"]
        view = await self._run(self.db, status_of, self.library, token)
        if view is None:
            await send_json(send, 404, error_body("not found"))
            return
        headers = _headers(scope)
        session = _session_of(headers)
        if withdraw_id is None and method == "GET":
            extra: list[tuple[bytes, bytes]] = []
            if session is None:
                session = secrets.token_urlsafe(24)
                cookie = f"{COOKIE}={session}; Path=/calls/; HttpOnly; SameSite=Strict"
                extra.append((b"set-cookie", cookie.encode()))
            title = await self._run(self.db, call_title, self.library, view.call_id)
            body = pages.status_page(
                view, title, csrf=session, withdraw_base=f"/calls/status/{token}/withdraw"
            )
            await send_html(send, 200, body, extra)
            return
        if withdraw_id is None or method != "POST":
            await send_json(send, 405, error_body("method not allowed"))
            return
        length = headers.get(b"content-length", b"")
        if not length.isdigit() or int(length) > 4096:
            await send_json(
                send, 413, error_body("body too large"), extra=[(b"connection", b"close")]
            )
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > 4096:
                raise Abort(413, "body too large")
            if not message.get("more_body", False):
                break
        from urllib.parse import parse_qs

        sent = parse_qs(body.decode("utf-8", "replace")).get("csrf", [""])[0]
        if not _same(sent, session):
            raise Abort(403, "this page has expired; reload it and try again")
        try:
            record = await self._run(self.db, withdraw, self.library, token, int(withdraw_id))
        except (NotFound, InvalidValue) as exc:
            text = exc.reason if isinstance(exc, InvalidValue) else str(exc)
            await send_html(send, 409, pages.message_page("Not withdrawn", text))
            return
        await self._run(self.io, self.folders.remove_work, record.file_key)
        location = f"/calls/status/{token}".encode()
        await send_empty(send, 303, [(b"location", location), (b"content-length", b"0")])


def _import_limits(library: Library) -> ImportLimits:
    limits: ImportLimits = load_settings(library).import_limits()
    return limits


def _metadata(raw: bytes) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated ``key base64value`` pairs."""
    values: dict[str, str] = {}
    for pair in raw.decode("latin-1").split(","):
        key, _, value = pair.strip().partition(" ")
        if not key:
            continue
        try:
            values[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
    return values


def _artist_form(fields: dict[str, str], max_files: int) -> ArtistForm:
    works = [
        WorkForm(
            index=i,
            title=fields.get(f"work-{i}-title", ""),
            year=fields.get(f"work-{i}-year", ""),
            description=fields.get(f"work-{i}-description", ""),
            alt_text=fields.get(f"work-{i}-alt", ""),
            license=fields.get(f"work-{i}-license", ""),
            ai_involvement=fields.get(f"work-{i}-ai", ""),
        )
        for i in range(max_files)
    ]
    return ArtistForm(
        name=fields.get("name", ""),
        bio=fields.get("bio", ""),
        link=fields.get("link", ""),
        email=fields.get("email", ""),
        terms=fields.get("terms", "") == "yes",
        works=works,
    )
