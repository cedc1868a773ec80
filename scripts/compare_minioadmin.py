"""The peer side of examples/compare_minioadmin.rs: the official MinIO Python SDK's MinioAdmin
(PyPI `minio`) doing N of each admin operation at a given concurrency against one server.
Prints one JSON object: operation -> operations per second.

Usage: compare_minioadmin.py HOST:PORT ACCESS_KEY SECRET_KEY N CONCURRENCY PREFIX
"""
import json
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from minio.credentials import StaticProvider
from minio.minioadmin import MinioAdmin

endpoint, ak, sk, n, conc, prefix = sys.argv[1:7]
n, conc = int(n), int(conc)
admin = MinioAdmin(endpoint=endpoint, credentials=StaticProvider(ak, sk), secure=False)


def timed(fn, items):
    """Operations per second, or the error text when the operation fails."""
    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=conc) as pool:
            list(pool.map(fn, items))
    except Exception as e:  # reported, not hidden: e.g. an answer encrypted with an id it lacks
        return '%s: %s' % (type(e).__name__, e)
    return len(items) / (time.perf_counter() - start)


users = ['%s-u%05d' % (prefix, i) for i in range(n)]
sas = ['%s%05d' % (prefix.replace('-', '')[:10].upper(), i) for i in range(n)]
result = {}
result['add-user'] = timed(lambda u: admin.user_add(u, secrets.token_hex(20)), users)
result['list-users'] = timed(lambda _: json.loads(admin.user_list()), range(n))
result['add-service-account'] = timed(
    lambda a: admin.add_service_account(access_key=a, secret_key=secrets.token_hex(20)), sas)
result['delete-service-account'] = timed(admin.delete_service_account, sas)
result['remove-user'] = timed(admin.user_remove, users)
print(json.dumps(result))
