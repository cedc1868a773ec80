"""What PyPI rgwadmin (an independent Admin Ops client) sees of one RGW tenant, as JSON on
stdout: its users (suspended flag, S3 key ids) and the buckets its s3aas system user owns
(owner, quota, bytes and objects). The Rust test compares this with the provider's view.

usage: rgwadmin_check.py HOST:PORT ACCESS_KEY SECRET_FILE TENANT
"""
import json
import sys

from rgwadmin import RGWAdmin

server, access, secret_file, tenant = sys.argv[1:5]
with open(secret_file) as f:
    secret = f.read().strip()
rgw = RGWAdmin(access_key=access, secret_key=secret, server=server, secure=False, verify=False)

users = {}
for uid in rgw.get_metadata("user"):
    if not uid.startswith(tenant + "$"):
        continue
    info = rgw.get_user(uid=uid)
    users[uid.split("$", 1)[1]] = {
        "suspended": bool(info.get("suspended")),
        "keys": sorted(k["access_key"] for k in info.get("keys", []) if k.get("user") == uid),
    }

buckets = {}
for name in rgw.get_bucket(uid=tenant + "$s3aas"):
    name = name.split("/", 1)[-1]
    b = rgw.get_bucket(bucket=tenant + "/" + name, stats=True)
    usage = b.get("usage") or {}
    if isinstance(usage, list):
        usage = {}
    q = b.get("bucket_quota") or {}
    buckets[name] = {
        "owner": b.get("owner"),
        "quota": q.get("max_size") if q.get("enabled") else None,
        "bytes": sum(u.get("size", 0) for u in usage.values()),
        "objects": sum(u.get("num_objects", 0) for u in usage.values()),
    }

json.dump({"users": users, "buckets": buckets}, sys.stdout, sort_keys=True)
