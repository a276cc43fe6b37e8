"""A publish failure in words an operator can act on, for Page settings and the log."""

from __future__ import annotations


def describe(exc: BaseException, url: str) -> str:
    try:
        from botocore import exceptions as aws
    except ImportError:  # pragma: no cover - boto3 is a dependency
        aws = None
    if aws is not None:
        if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError):
            return (
                "No S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or AWS_PROFILE) in Candor's environment."
            )
        if isinstance(exc, aws.EndpointConnectionError | aws.ConnectTimeoutError):
            return f"Could not connect to the S3 endpoint ({exc})."
        if isinstance(exc, aws.ReadTimeoutError):
            return f"The S3 endpoint did not answer in time ({exc})."
        if isinstance(exc, aws.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = str(error.get("Message", "")) or str(exc)
            bucket = url.removeprefix("s3://").split("/", 1)[0]
            if code == "NoSuchBucket":
                return f"The bucket {bucket!r} does not exist (NoSuchBucket): create it first."
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"):
                return f"The S3 credentials were refused ({code}): {message}"
            if code in ("AccessDenied", "403", "Forbidden"):
                return (
                    f"Access denied to bucket {bucket!r} ({code}): the credentials need "
                    "s3:ListBucket, s3:PutObject and s3:DeleteObject on it."
                )
            return f"S3 refused the request ({code or 'error'}): {message}"
        if isinstance(exc, aws.BotoCoreError):
            return f"S3 client error: {exc}"
    if isinstance(exc, PermissionError):
        return f"Permission denied writing {exc.filename or url}: {exc.strerror}."
    if isinstance(exc, OSError):
        return f"Could not write to {url}: {exc}"
    return f"{type(exc).__name__}: {exc}"
