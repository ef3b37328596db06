"""A real S3 HTTP API on 127.0.0.1 (moto's server app) for the bucket tests, recording requests.

Why our own thread rather than moto's ThreadedMotoServer: the same moto application, with a thin
WSGI layer in front that notes each request's method and path in arrival order, so tests can
check what reached the server (upload order, how many PUTs) on the server's side.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.serving import serve_in_background


@dataclass
class S3Server:
    endpoint: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bucket(self) -> str:
        """A new, empty bucket with a unique name (moto keeps state per process)."""
        import boto3

        name = f"t-{uuid.uuid4().hex[:20]}"
        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")
        client.create_bucket(Bucket=name)
        return name

    def public_bucket(self) -> str:
        """A new bucket anyone may read (a bucket policy, as for a bucket screens or a CDN fetch
        from without credentials); moto refuses anonymous reads otherwise, as S3 does."""
        name = self.bucket()
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        self.client().put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        return name

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def calls(self, method: str, bucket: str) -> list[str]:
        """Object paths (after /bucket/) of the recorded requests with this method."""
        head = f"/{bucket}/"
        with self.lock:
            return [p[len(head) :] for m, p in self.requests if m == method and p.startswith(head)]

    def forget(self) -> None:
        with self.lock:
            self.requests.clear()


def _recording(app: Callable[..., Any], server: S3Server) -> Callable[..., Any]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = unquote(urlsplit(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).path)
        if not path.startswith("/moto-api"):
            with server.lock:
                server.requests.append((environ["REQUEST_METHOD"], path))
        return app(environ, start_response)  # type: ignore[no-any-return]

    return wsgi


@pytest.fixture(name="s3_server")
def serve_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto's S3 on a random loopback port; boto3's standard chain finds test credentials."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    server = S3Server("")
    app = _recording(DomainDispatcherApplication(create_backend_app), server)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    server.endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = serve_in_background(httpd)
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(5)
