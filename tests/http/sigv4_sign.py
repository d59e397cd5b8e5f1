"""Sign an HTTP request with botocore's SigV4Auth (the reference signer the
AWS CLI and boto3 use) — a child of test_http_auth.py, run with the Python
that has botocore (Debian's /usr/bin/python3).

stdin: {"method", "url", "headers": {...}, "body": str, "access_key_id",
        "secret_access_key", "region", "service", "age_seconds": N}
stdout: {"headers": {...}, "url": ...} — the request's headers with
Authorization and X-Amz-Date added. age_seconds > 0 signs as of that many
seconds ago. With "presign": N (seconds) the request is presigned instead
(SigV4QueryAuth, X-Amz-Expires=N): "url" carries the signature.
"""
import datetime
import json
import sys
import types
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    spec = json.load(sys.stdin)
    req = AWSRequest(method=spec["method"], url=spec["url"], data=spec.get("body", "").encode(),
                     headers=spec.get("headers", {}))
    creds = Credentials(spec["access_key_id"], spec["secret_access_key"])
    if spec.get("presign"):
        signer = SigV4QueryAuth(creds, spec.get("service", "sqs"), spec.get("region", "us-east-1"),
                                expires=int(spec["presign"]))
    else:
        signer = SigV4Auth(creds, spec.get("service", "sqs"), spec.get("region", "us-east-1"))
    age = float(spec.get("age_seconds", 0))
    if age:
        then = datetime.datetime.utcnow() - datetime.timedelta(seconds=age)

        class Past(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return then

            @classmethod
            def now(cls, tz=None):
                return then if tz is None else then.replace(tzinfo=datetime.timezone.utc)
        fake = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime)
                                        if not k.startswith("__")})
        fake.datetime = Past
        with mock.patch.object(botocore.auth, "datetime", fake):
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    json.dump({"headers": dict(req.headers.items()), "url": req.url}, sys.stdout)


if __name__ == "__main__":
    main()
