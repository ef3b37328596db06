"""Talking to an S3-compatible bucket: `s3://BUCKET/PREFIX` addresses, one client, plain errors.

Why one module: the library's media store (s3_store.py) and the published tree's uploader
(delivery/bucket.py) both name a bucket the same way, need the same endpoint setting (MinIO,
Ceph, R2, a local moto server…) and must turn botocore's exceptions into a sentence that names
the bucket and the endpoint. Credentials always come from boto3's standard chain (environment,
shared config files, instance roles); they are never read, stored or logged here.

boto3 is an optional extra (``pip install 'urbanart[s3]'``): it is imported only when a bucket is
actually used, so the embedded default (a local folder) needs nothing more.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from urbanart.errors import InvalidValue, UrbanArtError

ENV_MEDIA_URL = "URBANART_MEDIA_URL"
ENV_ENDPOINT_URL = "URBANART_S3_ENDPOINT_URL"

# Bucket names as S3 allows them (3-63 lower-case letters, digits, dots and hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX_PART = re.compile(r"^[A-Za-z0-9._-]+$")


class BucketError(UrbanArtError):
    """A bucket cannot be reached or refused a request; the message names bucket and endpoint."""


@dataclass(frozen=True)
class BucketLocation:
    """Where objects live: a bucket, a key prefix inside it (no slashes at either end), and the
    endpoint of the S3-compatible service (None: AWS itself, as boto3 resolves it)."""

    bucket: str
    prefix: str
    endpoint_url: str | None = None

    def key(self, relpath: str) -> str:
        """The object key for a path relative to the prefix."""
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def relpath(self, key: str) -> str:
        """The inverse of key()."""
        return key[len(self.prefix) + 1 :] if self.prefix else key

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def describe(self) -> str:
        """For messages: the bucket address and where the service is (never any credential)."""
        return f"{self.url} at {self.endpoint_url or 'the default AWS endpoint'}"


def parse_bucket_url(
    url: str, *, endpoint_url: str | None = None, field: str = "bucket URL", key: str = "url"
) -> BucketLocation:
    """`s3://BUCKET/PREFIX` → BucketLocation; anything else is refused naming the field."""
    text = url.strip()
    if not text.startswith("s3://"):
        raise InvalidValue(field, url, "must look like s3://BUCKET/PREFIX", key=key)
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise InvalidValue(
            field, url, f"{bucket!r} is not a bucket name (3-63 of a-z 0-9 . -)", key=key
        )
    prefix = prefix.strip("/")
    if prefix and not all(_PREFIX_PART.fullmatch(p) and p != ".." for p in prefix.split("/")):
        raise InvalidValue(
            field, url, "the prefix may hold only letters, digits, . _ - and /", key=key
        )
    endpoint = (endpoint_url or "").strip() or None
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise InvalidValue(
            "S3 endpoint URL", endpoint, "must start with http:// or https://", key="endpoint_url"
        )
    if endpoint is not None and "@" in urlsplit(endpoint).netloc:
        shown = urlsplit(endpoint)._replace(netloc=f"…@{urlsplit(endpoint).hostname}").geturl()
        raise InvalidValue(
            "S3 endpoint URL",
            shown,  # never echo a credential
            "must not carry a user name or password; boto3 finds credentials in the "
            "environment (AWS_ACCESS_KEY_ID…) or ~/.aws",
            key="endpoint_url",
        )
    return BucketLocation(bucket, prefix, endpoint)


def location_from_env(url: str | None = None) -> BucketLocation | None:
    """The media bucket named by URBANART_MEDIA_URL (None: media stay in the library folder)."""
    text = url if url is not None else os.environ.get(ENV_MEDIA_URL, "")
    if not text.strip():
        return None
    return parse_bucket_url(
        text,
        endpoint_url=os.environ.get(ENV_ENDPOINT_URL),
        field=ENV_MEDIA_URL,
        key="media_url",
    )


def make_client(location: BucketLocation) -> Any:
    """A boto3 S3 client for the location: short timeouts and few retries, so an unreachable
    endpoint is reported in seconds rather than after minutes of silent back-off."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise BucketError(
            f"Using {location.url} needs boto3: pip install 'urbanart[s3]'."
        ) from None
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # Path-style addressing works with every S3-compatible service (MinIO, moto, Ceph).
        s3={"addressing_style": "path"},
        max_pool_connections=16,
    )
    session = boto3.session.Session()
    region = session.region_name or "us-east-1"
    return session.client(
        "s3", endpoint_url=location.endpoint_url, region_name=region, config=config
    )


def is_missing(exc: BaseException) -> bool:
    """True when botocore says the object (not the bucket) does not exist."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def failure(location: BucketLocation, action: str, exc: BaseException) -> BucketError:
    """A curator's sentence for a failed request: what, which bucket, which endpoint, why."""
    response = getattr(exc, "response", None)
    reason = type(exc).__name__
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        reason = f"{code}: {error.get('Message') or reason}"
        if str(code) in ("NoSuchBucket",):
            reason = f"the bucket {location.bucket!r} does not exist"
        elif str(code) in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            reason = f"access denied ({code}); check the credentials boto3 finds"
    elif type(exc).__name__ in ("EndpointConnectionError", "ConnectTimeoutError"):
        reason = "the endpoint cannot be reached"
    elif type(exc).__name__ == "NoCredentialsError":
        reason = "no credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)"
    return BucketError(f"Cannot {action} in {location.describe()}: {reason}.")
