"""Reads SeaweedFS's IAM state with boto3 (an independent client) and prints it as JSON, for the
cross-checks in seaweedfs_server.rs. Reads only; never changes anything.

    boto3_iam.py names                 # {"users": [...], "policies": [...]}
    boto3_iam.py user IAM_NAME         # {"tags": {...}, "keys": {id: status}, "attached": [...]}
    boto3_iam.py policy NAME           # {"document": {...}}
    boto3_iam.py features BUCKET       # {"lifecycle": [...], "cors": [...], "object_lock": {...}}
Connection: ENDPOINT, ACCESS_KEY, SECRET_KEY in the environment.
"""
import json
import os
import sys

import boto3

iam = boto3.client(
    "iam",
    endpoint_url=os.environ["ENDPOINT"],
    aws_access_key_id=os.environ["ACCESS_KEY"],
    aws_secret_access_key=os.environ["SECRET_KEY"],
    region_name="us-east-1",
)
cmd = sys.argv[1]
if cmd == "names":
    out = {
        "users": [u["UserName"] for u in iam.list_users()["Users"]],
        "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
    }
elif cmd == "user":
    name = sys.argv[2]
    out = {
        "tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        "keys": {
            k["AccessKeyId"]: k["Status"]
            for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        },
        "attached": sorted(
            p["PolicyName"]
            for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        ),
    }
elif cmd == "policy":
    arn = "arn:aws:iam:::policy/" + sys.argv[2]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    out = {"document": doc if isinstance(doc, dict) else json.loads(doc)}
elif cmd == "features":
    from botocore.exceptions import ClientError

    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["ENDPOINT"],
        aws_access_key_id=os.environ["ACCESS_KEY"],
        aws_secret_access_key=os.environ["SECRET_KEY"],
        region_name="us-east-1",
    )
    bucket = sys.argv[2]

    def read(call, key, missing):
        try:
            return call(Bucket=bucket)[key]
        except ClientError as e:
            if e.response["Error"]["Code"] == missing:
                return None
            raise

    out = {
        "lifecycle": read(
            s3.get_bucket_lifecycle_configuration, "Rules", "NoSuchLifecycleConfiguration"
        ),
        "cors": read(s3.get_bucket_cors, "CORSRules", "NoSuchCORSConfiguration"),
        "object_lock": read(
            s3.get_object_lock_configuration,
            "ObjectLockConfiguration",
            "ObjectLockConfigurationNotFoundError",
        ),
    }
else:
    sys.exit("unknown command " + cmd)
print(json.dumps(out))
