"""The objects Yatai keeps in S3-compatible storage (boto3, always in a worker thread).

A bento's archive is ``bentos/<organization>/<repository>/<version>.tar.gz`` and a model's
``models/<organization>/<repository>/<version>.tar.gz`` (Yatai's ``services/bento.go`` and
``model.go``) in the configured bucket.  For a version: the object's size and time, and a
presigned download URL to copy.  Credentials come from the settings or boto3's usual
environment and profile chain; errors are words without them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from inference_console.settings.endpoints import S3Settings


def object_key(kind: str, organization: str, repository: str, version: str) -> str:
    folder = "bentos" if kind == "YataiBento" else "models"
    return f"{folder}/{organization}/{repository}/{version}.tar.gz"


class ObjectStore:
    def __init__(self, settings: S3Settings, presign_seconds: int = 3600) -> None:
        self.settings = settings
        self.presign_seconds = presign_seconds
        self._client: Any = None

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        s = self.settings
        session = boto3.session.Session(profile_name=s.profile) if s.profile else boto3.session.Session()
        kwargs: dict[str, Any] = {
            "endpoint_url": s.endpoint_url,
            "region_name": s.region or "us-east-1",
            "config": Config(
                s3={"addressing_style": "path" if s.path_style else "auto"},
                retries={"max_attempts": 2},
                connect_timeout=5,
                read_timeout=10,
                signature_version="s3v4",
            ),
        }
        if s.access_key_id:
            kwargs["aws_access_key_id"] = s.access_key_id
            kwargs["aws_secret_access_key"] = s.resolve_secret_access_key()
        return session.client("s3", **kwargs)

    def _describe_sync(self, key: str) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket = self.settings.bucket
        out: dict[str, Any] = {"bucket": bucket, "key": key}
        if not bucket:
            out["error"] = "no bucket configured (s3.bucket)"
            return out
        try:
            if self._client is None:
                self._client = self._make_client()
            head = self._client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status == 404 or code in ("404", "NoSuchKey", "NotFound"):
                out["error"] = f"missing: s3://{bucket}/{key} does not exist (404)"
            elif status == 403 or code in ("403", "AccessDenied", "Forbidden"):
                out["error"] = f"forbidden: the credentials may not read s3://{bucket}/{key} (403)"
            else:
                out["error"] = f"S3 error {code or status} for s3://{bucket}/{key}"
            return out
        except (BotoCoreError, OSError) as exc:
            out["error"] = f"S3 unreachable or misconfigured: {type(exc).__name__}"
            return out
        except Exception as exc:  # noqa: BLE001 - e.g. a secret that cannot be read
            out["error"] = f"S3: {exc}"
            return out
        out["size"] = int(head.get("ContentLength") or 0)
        modified = head.get("LastModified")
        out["lastModified"] = modified.isoformat() if modified is not None else ""
        out["etag"] = str(head.get("ETag", "")).strip('"')
        try:
            out["presignedUrl"] = self._client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=self.presign_seconds
            )
        except Exception as exc:  # noqa: BLE001
            out["presignedUrl"] = ""
            out["error"] = f"cannot presign: {type(exc).__name__}"
        return out

    async def describe(self, key: str) -> dict[str, Any]:
        return await asyncio.to_thread(self._describe_sync, key)
