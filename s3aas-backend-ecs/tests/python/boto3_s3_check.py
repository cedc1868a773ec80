"""Drives the s3aas ECS simulator's S3 side with boto3's S3 client: the bucket configurations
s3aas sets on ECS (lifecycle, CORS, object-lock default retention), who may set them, what ECS
lacks (per-bucket replication, lifecycle transitions), and anonymous listing under a
public-read-list policy with the namespace in `x-emc-namespace`.

boto3 signs SigV4 and reads S3's XML shapes and error bodies exactly, so a shape or signing
error in the simulator fails here. It adds Content-MD5 to configuration PUTs as S3 (and the
SDKs before flexible checksums) did: ECS predates flexible checksums.

Usage: boto3_s3_check.py S3_URL NAMESPACE OWNER_KEY OWNER_SECRET OTHER_KEY OTHER_SECRET
                         PLAIN_BUCKET LOCK_BUCKET PUBLIC_BUCKET
Exit 0 when every check passed; prints one line per check.
"""
import base64
import hashlib
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from checklib import check, count, expect_error

(url, ns, owner_key, owner_secret, other_key, other_secret,
 plain, locked, public) = sys.argv[1:10]


def add_md5(params, **_):
    body = params.get('body') or b''
    if isinstance(body, str):
        body = body.encode()
    params['headers']['Content-MD5'] = base64.b64encode(hashlib.md5(body).digest()).decode()


def client(key=None, secret=None, namespace=None):
    cfg = Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1},
                 request_checksum_calculation='when_required',
                 signature_version=UNSIGNED if key is None else 's3v4')
    c = boto3.client('s3', endpoint_url=url, region_name='us-east-1', config=cfg,
                     aws_access_key_id=key or 'x', aws_secret_access_key=secret or 'x')
    for op in ('PutBucketLifecycleConfiguration', 'PutBucketCors', 'PutObjectLockConfiguration'):
        c.meta.events.register('before-call.s3.' + op, add_md5)
    if namespace:
        def header(request, **_):
            request.headers['x-emc-namespace'] = namespace
        c.meta.events.register('before-sign.s3', header)
    return c


s3 = client(owner_key, owner_secret)
other = client(other_key, other_secret)

# Lifecycle: the expiry actions, read back as boto3 parses them.
expect_error(lambda: s3.get_bucket_lifecycle_configuration(Bucket=plain),
             'NoSuchLifecycleConfiguration', 404, 'GetBucketLifecycleConfiguration before any')
rules = [
    {'ID': 'logs', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled', 'Expiration': {'Days': 30}},
    {'ID': 'old', 'Filter': {}, 'Status': 'Disabled',
     'NoncurrentVersionExpiration': {'NoncurrentDays': 7},
     'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 2}},
]
s3.put_bucket_lifecycle_configuration(Bucket=plain, LifecycleConfiguration={'Rules': rules})
got = s3.get_bucket_lifecycle_configuration(Bucket=plain)['Rules']
check([r['ID'] for r in got] == ['logs', 'old'], 'lifecycle: both rules back')
check(got[0]['Expiration'] == {'Days': 30} and got[0]['Filter'] == {'Prefix': 'logs/'},
      'lifecycle: expiry days and prefix filter')
check(got[1]['Status'] == 'Disabled' and got[1]['NoncurrentVersionExpiration']['NoncurrentDays'] == 7
      and got[1]['AbortIncompleteMultipartUpload']['DaysAfterInitiation'] == 2,
      'lifecycle: noncurrent expiry and multipart abort')
expect_error(lambda: s3.put_bucket_lifecycle_configuration(Bucket=plain, LifecycleConfiguration={
    'Rules': [{'ID': 't', 'Filter': {}, 'Status': 'Enabled',
               'Transitions': [{'Days': 30, 'StorageClass': 'GLACIER'}]}]}),
    'NotImplemented', 501, 'lifecycle: a transition (ECS supports only expiry)')
expect_error(lambda: other.put_bucket_lifecycle_configuration(Bucket=plain, LifecycleConfiguration={
    'Rules': rules}), 'AccessDenied', 403, 'lifecycle: another user of the namespace may not set it')
expect_error(lambda: other.get_bucket_lifecycle_configuration(Bucket=plain), 'AccessDenied', 403,
             'lifecycle: nor read it')
s3.delete_bucket_lifecycle(Bucket=plain)
expect_error(lambda: s3.get_bucket_lifecycle_configuration(Bucket=plain),
             'NoSuchLifecycleConfiguration', 404, 'DeleteBucketLifecycle removes it')

# CORS.
expect_error(lambda: s3.get_bucket_cors(Bucket=plain), 'NoSuchCORSConfiguration', 404,
             'GetBucketCors before any')
cors = [{'ID': 'console', 'AllowedOrigins': ['https://console.example.com'],
         'AllowedMethods': ['GET', 'PUT'], 'AllowedHeaders': ['*'], 'ExposeHeaders': ['ETag'],
         'MaxAgeSeconds': 600}]
s3.put_bucket_cors(Bucket=plain, CORSConfiguration={'CORSRules': cors})
check(s3.get_bucket_cors(Bucket=plain)['CORSRules'] == cors, 'CORS: the rule back, field for field')
expect_error(lambda: s3.put_bucket_cors(Bucket=plain, CORSConfiguration={'CORSRules': [
    {'AllowedOrigins': ['*'], 'AllowedMethods': ['PATCH']}]}), 'MalformedXML', 400,
    'CORS: a method S3 does not know')
expect_error(lambda: other.put_bucket_cors(Bucket=plain, CORSConfiguration={'CORSRules': cors}),
             'AccessDenied', 403, 'CORS: another user may not set it')
s3.delete_bucket_cors(Bucket=plain)
expect_error(lambda: s3.get_bucket_cors(Bucket=plain), 'NoSuchCORSConfiguration', 404,
             'DeleteBucketCors removes it')

# Object lock: the default retention of a lock-enabled bucket.
lock = s3.get_object_lock_configuration(Bucket=locked)['ObjectLockConfiguration']
check(lock['ObjectLockEnabled'] == 'Enabled' and 'Rule' not in lock, 'object lock: on, no default yet')
s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
    'ObjectLockEnabled': 'Enabled', 'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 3}}})
lock = s3.get_object_lock_configuration(Bucket=locked)['ObjectLockConfiguration']
check(lock['Rule']['DefaultRetention'] == {'Mode': 'GOVERNANCE', 'Days': 3},
      'object lock: the default retention back')
expect_error(lambda: s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
    'ObjectLockEnabled': 'Enabled', 'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 3,
                                                                   'Years': 1}}}),
    'MalformedXML', 400, 'object lock: days and years together')
expect_error(lambda: s3.get_object_lock_configuration(Bucket=plain),
             'ObjectLockConfigurationNotFoundError', 404, 'object lock: none on a plain bucket')
expect_error(lambda: other.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
    'ObjectLockEnabled': 'Enabled'}), 'AccessDenied', 403, 'object lock: another user may not set it')

# What ECS has not: per-bucket replication (ECS replicates by replication group).
s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={'Status': 'Enabled'})
expect_error(lambda: s3.put_bucket_replication(Bucket=plain, ReplicationConfiguration={
    'Role': '', 'Rules': [{'ID': 'r', 'Priority': 1, 'Status': 'Enabled', 'Filter': {},
                           'DeleteMarkerReplication': {'Status': 'Disabled'},
                           'Destination': {'Bucket': 'arn:aws:s3:::elsewhere'}}]}),
    'NotImplemented', 501, 'replication: not an ECS S3 API')
expect_error(lambda: s3.get_bucket_replication(Bucket=plain), 'NotImplemented', 501,
             'replication: not readable either')

# Anonymous: the public-read-list bucket lists and reads for anyone who names the namespace.
s3.put_object(Bucket=public, Key='hello.txt', Body=b'hi')
anon = client(namespace=ns)
keys = [o['Key'] for o in anon.list_objects_v2(Bucket=public).get('Contents', [])]
check(keys == ['hello.txt'], 'anonymous ListObjectsV2 with x-emc-namespace')
check(anon.get_object(Bucket=public, Key='hello.txt')['Body'].read() == b'hi', 'anonymous GetObject')
expect_error(lambda: anon.get_bucket_cors(Bucket=public), 'AccessDenied', 403,
             'anonymous: the policy grants no configuration read')
expect_error(lambda: anon.list_objects_v2(Bucket=plain), 'AccessDenied', 403,
             'anonymous: a bucket without a public policy')
expect_error(lambda: client().list_objects_v2(Bucket=public), 'AccessDenied', 403,
             'anonymous without the namespace')
s3.delete_object(Bucket=public, Key='hello.txt')

print('%d checks passed' % count())
