"""Files in S3: the links bucket (``LinksBucket`` in ``template.yaml``: encrypted, no public
access, objects expire after 7 days). Keys come from :mod:`shophub.store.keys`."""

from __future__ import annotations

from typing import Any

#: Seconds a presigned download link stays valid.
DOWNLOAD_LINK_SECONDS = 600


class FileStore:
    """Objects of one bucket; ``s3`` is a boto3 S3 client (injected)."""

    def __init__(self, s3: Any, bucket: str | None) -> None:
        if not bucket:
            raise ValueError("the links bucket is not configured")
        self.s3 = s3
        self.bucket = bucket

    def put(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist (expired or deleted)."""
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return None
        return bytes(answer["Body"].read())

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def download_link(self, key: str, *, filename: str, content_type: str) -> str:
        """A presigned GET URL (valid :data:`DOWNLOAD_LINK_SECONDS`) that downloads as ``filename``."""
        return str(
            self.s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"',
                    "ResponseContentType": content_type,
                },
                ExpiresIn=DOWNLOAD_LINK_SECONDS,
            )
        )
