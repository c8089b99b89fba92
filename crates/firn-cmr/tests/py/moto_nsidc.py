"""Sets up a moto server like NSIDC's bucket behind temporary credentials, then turns auth on.

Usage: moto_nsidc.py ENDPOINT BUCKET KEY
Creates BUCKET in us-west-2 holding KEY (the bytes b"ATL03 granule bytes"), a role allowed to read
it, and two sessions of that role (sts:AssumeRole), then enables moto's authentication so that
every later request must be signed with one of them. Prints the two credentials as JSON.
"""

import json
import sys
import urllib.request

import boto3

endpoint, bucket, key = sys.argv[1:4]
# Outside auth mode moto accepts any key; these only sign the set-up requests.
session = dict(
    endpoint_url=endpoint,
    region_name="us-west-2",
    aws_access_key_id="setup",
    aws_secret_access_key="setup",
)
s3 = boto3.client("s3", **session)
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
s3.put_object(Bucket=bucket, Key=key, Body=b"ATL03 granule bytes")

iam = boto3.client("iam", **session)
trust = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    ],
}
role = iam.create_role(RoleName="nsidc-s3-reader", AssumeRolePolicyDocument=json.dumps(trust))
read = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}],
}
iam.put_role_policy(RoleName="nsidc-s3-reader", PolicyName="read", PolicyDocument=json.dumps(read))

sts = boto3.client("sts", **session)
credentials = []
for name in ("first", "second"):
    c = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName=name)["Credentials"]
    credentials.append(
        {"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}
    )

# A text body: Flask would read a form-encoded one as a form and leave the data empty.
request = urllib.request.Request(
    endpoint + "/moto-api/reset-auth",
    data=b"0",
    method="POST",
    headers={"Content-Type": "text/plain"},
)
urllib.request.urlopen(request).read()
print(json.dumps(credentials))
