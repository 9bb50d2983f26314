"""The one place that talks to object storage, through boto3, and turns its failures into plain sentences.

Every object is sent with one PutObject (never a multipart upload: feed files are far below PutObject's
5 GB limit), so its ETag is the MD5 of its bytes and one listing tells what changed. The MD5 is also sent as
``Content-MD5``, so the store refuses a body damaged on the way, and recorded as ``x-amz-meta-feedpub-md5``
for stores whose ETags are not MD5s (encrypted buckets, objects another tool uploaded in parts).
"""

from __future__ import annotations

import base64
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
)

from .plan import DeployError, RemoteObject, Target, etag_md5

MD5_METADATA = "feedpub-md5"
CONNECT_TIMEOUT = 3  # seconds: an endpoint that cannot be reached fails a deploy within seconds
READ_TIMEOUT = 30
ATTEMPTS = 3  # boto3's standard retry mode: throttling and transient errors, with backoff
CREDENTIAL_ERRORS = frozenset({
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken",
    "AuthorizationHeaderMalformed", "InvalidSecurity", "AllAccessDisabled",
})


class Store:
    """A bucket and prefix behind an S3 client.

    ``session`` is a botocore session (default: a new one, on the standard credential chain); a caller may
    register its own event hooks on it. Its response parser is told to leave timestamps as text: a listing
    has one per object, feedpub never reads them, and parsing them was most of a large listing's time.
    """

    def __init__(self, target: Target, endpoint_url: str = "", session: Any = None, connections: int = 16) -> None:
        self.target = target
        config = Config(
            retries={"mode": "standard", "max_attempts": ATTEMPTS},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            max_pool_connections=connections,
            # Content-MD5 already guards every body; botocore's default extra CRC checksums (since 1.36) are
            # refused by several S3-compatible services.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = session or botocore.session.get_session()
        session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
        try:
            self.client = session.create_client("s3", endpoint_url=endpoint_url or None, config=config)
        except (ValueError, BotoCoreError) as error:
            raise DeployError(f"cannot use the endpoint URL {endpoint_url!r}: {error}", status=2) from None
        self.where = self.client.meta.endpoint_url

    def list(self) -> list[RemoteObject]:
        """Every object under the prefix, from ListObjectsV2 (a request per 1,000 objects).

        One listing, page after page: listing ranges side by side (``StartAfter``) would need the store to
        order keys as S3 does, and SeaweedFS, for one, lists a folder's contents before its siblings.
        """
        prefix = self.target.prefix
        found: list[RemoteObject] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.target.bucket, Prefix=prefix):
                for item in page.get("Contents", ()):
                    path = item["Key"][len(prefix):]
                    if path and not path.endswith("/"):  # "folder" markers some consoles create
                        found.append(RemoteObject(path, item["Size"], etag_md5(item.get("ETag", ""))))
        except (BotoCoreError, ClientError) as error:
            raise self.explain(error) from None
        return found

    def recorded_md5(self, path: str) -> str | None:
        """The MD5 recorded when feedpub uploaded the object (one HEAD), or None."""
        try:
            head = self.client.head_object(Bucket=self.target.bucket, Key=self.target.key(path))
        except (BotoCoreError, ClientError) as error:
            raise self.explain(error) from None
        return head.get("Metadata", {}).get(MD5_METADATA)

    def put(self, path: str, body: bytes, md5: str, headers: dict[str, str]) -> None:
        self.client.put_object(
            Bucket=self.target.bucket,
            Key=self.target.key(path),
            Body=body,
            ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode("ascii"),
            ContentType=headers["Content-Type"],
            CacheControl=headers["Cache-Control"],
            Metadata={MD5_METADATA: md5},
        )

    def delete(self, path: str) -> None:
        # One DeleteObject per key: DeleteObjects is missing from some S3-compatible stores, and a deploy
        # rarely deletes more than a few objects.
        self.client.delete_object(Bucket=self.target.bucket, Key=self.target.key(path))

    def explain(self, error: Exception) -> DeployError:
        """One line for a failure that stops the whole deploy: what happened, and what to change."""
        target, where = self.target, self.where
        if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
            return DeployError(
                f"no usable AWS credentials for {target} ({error}): set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; feedpub reads them only from the standard AWS chain",
                status=2,
            )
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                return DeployError(
                    f"the bucket {target.bucket!r} does not exist at {where}: create it, or correct the "
                    "deploy target (and --endpoint-url)",
                    status=2,
                )
            if code in CREDENTIAL_ERRORS:
                return DeployError(
                    f"{where} refused access to {target} ({describe(error)}): check the credentials "
                    "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and their permissions",
                    status=2,
                )
            return DeployError(f"{where} refused a request for {target}: {describe(error)}")
        if isinstance(error, ParamValidationError):  # botocore's own check of the bucket name, before any request
            reason = " ".join(str(error).split())
            return DeployError(f"the deploy target {target} cannot be used: {reason[:300]}", status=2)
        if isinstance(error, (BotoConnectionError, HTTPClientError)):
            return DeployError(
                f"cannot reach the object store at {where} ({describe(error)}): check --endpoint-url "
                "(or deploy_endpoint_url, AWS_ENDPOINT_URL) and the network, then deploy again"
            )
        return DeployError(f"deploying to {target} at {where} failed: {describe(error)}")


def describe(error: Exception) -> str:
    """A short reason for one failed request, for lists of failed keys."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code") or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        message = details.get("Message", "")
        return f"{code}: {message}" if message else str(code)
    if isinstance(error, (BotoCoreError, OSError)):
        return str(error)
    return f"{type(error).__name__}: {error}"
