"""boto3 helpers for the S3 tests (a second, independent S3 client to check what Firn did).

usage:
  s3tool.py ENDPOINT KEY SECRET auth-setup BUCKET   -> prints {"key": ..., "secret": ...} of a new IAM user
  s3tool.py ENDPOINT KEY SECRET list BUCKET         -> prints {"objects": {key: size}, "uploads": [key, ...]}
  s3tool.py ENDPOINT KEY SECRET wait-part BUCKET K  -> waits (30 s max) until an upload of K has a part
"""

import json
import sys
import time

import boto3


def client(service, endpoint, key, secret):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )


def auth_setup(endpoint, key, secret, bucket):
    # Exactly three unauthenticated IAM calls (INITIAL_NO_AUTH_ACTION_COUNT=3), then auth is on.
    iam = client("iam", endpoint, key, secret)
    iam.create_user(UserName="firn")
    created = iam.create_access_key(UserName="firn")["AccessKey"]
    iam.put_user_policy(
        UserName="firn",
        PolicyName="s3",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    user = client("s3", endpoint, created["AccessKeyId"], created["SecretAccessKey"])
    user.create_bucket(Bucket=bucket)
    print(json.dumps({"key": created["AccessKeyId"], "secret": created["SecretAccessKey"]}))


def listing(endpoint, key, secret, bucket):
    s3 = client("s3", endpoint, key, secret)
    objects = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    uploads = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    print(json.dumps({"objects": objects, "uploads": uploads}))


def wait_part(endpoint, key, secret, bucket, object_key):
    s3 = client("s3", endpoint, key, secret)
    deadline = time.time() + 30
    while time.time() < deadline:
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            if upload["Key"] != object_key:
                continue
            parts = s3.list_parts(Bucket=bucket, Key=object_key, UploadId=upload["UploadId"])
            if parts.get("Parts"):
                print(json.dumps({"parts": len(parts["Parts"])}))
                return
        time.sleep(0.1)
    sys.stderr.write(f"no part of {object_key} appeared within 30 s\n")
    sys.exit(1)


def main():
    endpoint, key, secret, command = sys.argv[1:5]
    rest = sys.argv[5:]
    if command == "auth-setup":
        auth_setup(endpoint, key, secret, *rest)
    elif command == "list":
        listing(endpoint, key, secret, *rest)
    elif command == "wait-part":
        wait_part(endpoint, key, secret, *rest)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
