"""Drives the s3aas ECS simulator with Dell's own python-ecsclient (PyPI 1.1.12) and checks that
its answers parse and mean what ecs-and-cloudstack.md says.

Usage: ecsclient_check.py MGMT_URL USER PASSWORD
Exit 0 when every check passed; prints one line per check.
"""
import sys

from ecsclient.client import Client
from ecsclient.common.exceptions import ECSClientException

url, user, password = sys.argv[1:4]
client = Client('3', username=user, password=password, token_endpoint=url + '/login',
                ecs_endpoint=url, cache_token=False, request_timeout=10)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print('FAILED: ' + what)
        sys.exit(1)
    checks += 1
    print('ok: ' + what)


def expect_error(fn, code, what):
    try:
        fn()
    except ECSClientException as e:
        check(e.ecs_code == code, '%s -> ECS code %s (got %s, http %s, "%s")'
              % (what, code, e.ecs_code, e.http_status, e.message))
        return e
    check(False, what + ' should fail')


# Session: login (Basic -> X-SDS-AUTH-TOKEN) and whoami, which the client checks before each call.
who = client.user_info.whoami()
check(who['common_name'] == user, 'whoami names the management user')

# Namespaces.
client.namespace.create('pyns', is_encryption_enabled=True)
ns = client.namespace.get('pyns')
check(ns['id'] == 'pyns' and ns['name'] == 'pyns', 'namespace get: id and name')
check(ns['is_encryption_enabled'] in ('true', True), 'namespace is_encryption_enabled (a string on ECS)')
names = [n['name'] for n in client.namespace.list()['namespace']]
check('pyns' in names, 'namespace list')
expect_error(lambda: client.namespace.create('pyns'), 1015, 'creating a namespace twice')
expect_error(lambda: client.namespace.get('nope'), 1004, 'getting a missing namespace')

# Object users.
client.object_user.create('py-alice', 'pyns', tags=[{'name': 'team', 'value': 'blue'}])
info = client.object_user.get('py-alice', namespace='pyns')
check(info['namespace'] == 'pyns' and info['locked'] is False, 'user info: namespace, unlocked')
check({'name': 'team', 'value': 'blue'} in info['tag'], 'user info: tags')
users = client.object_user.list(namespace='pyns')
check([u['userid'] for u in users['blobuser']] == ['py-alice'], 'user list in namespace (blobuser)')
client.object_user.lock('py-alice', namespace='pyns')
check(client.object_user.get_lock('py-alice', namespace='pyns')['isLocked'] is True, 'lock')
client.object_user.unlock('py-alice', namespace='pyns')
check(client.object_user.get('py-alice', namespace='pyns')['locked'] is False, 'unlock')

# Secret keys: two at most; the grace period expires the old one.
k1 = client.secret_key.create(user_id='py-alice', namespace='pyns')
check(len(k1['secret_key']) >= 20 and 'key_timestamp' in k1, 'secret key create: secret + timestamp')
k2 = client.secret_key.create(user_id='py-alice', namespace='pyns', expiry_time=30)
keys = client.secret_key.get(user_id='py-alice', namespace='pyns')
check(keys['secret_key_1'] == k1['secret_key'] and keys['secret_key_2'] == k2['secret_key'],
      'both keys listed in slots 1 and 2')
check(keys['secret_key_1_exist'] is True and keys['key_expiry_timestamp_1'] != '',
      'the old key got an expiry from existing_key_expiry_time_mins')
e = expect_error(lambda: client.secret_key.create(user_id='py-alice', namespace='pyns'), 1008,
                 'a third key')
check('valid keys' in e.message, 'the two-key refusal says why')
client.secret_key.delete(user_id='py-alice', namespace='pyns', secret_key=k1['secret_key'])
keys = client.secret_key.get(user_id='py-alice', namespace='pyns')
check(keys['secret_key_1'] == k2['secret_key'] and keys['secret_key_2_exist'] is False,
      'deleting one key by secret leaves the other')

# Buckets: create (python-ecsclient sends an empty vpool = namespace default), info, list.
client.bucket.create('py-bucket', namespace='pyns', head_type='s3', encryption_enabled=True)
b = client.bucket.get('py-bucket', namespace='pyns')
check(b['name'] == 'py-bucket' and b['namespace'] == 'pyns', 'bucket info')
check(b['is_encryption_enabled'] == 'true', 'bucket is_encryption_enabled is a string')
check(b['block_size'] == -1 and b['notification_size'] == -1, 'no quota is -1')
expect_error(lambda: client.bucket.create('py-bucket', namespace='pyns'), 40008, 'bucket twice')
for i in range(5):
    client.bucket.create('py-page-%d' % i, namespace='pyns')
page = client.bucket.list('pyns', limit=2)
check(len(page['object_bucket']) == 2 and page.get('NextMarker'), 'bucket list pages with NextMarker')
seen = [x['name'] for x in page['object_bucket']]
while page.get('NextMarker'):
    page = client.bucket.list('pyns', marker=page['NextMarker'], limit=2)
    seen += [x['name'] for x in page['object_bucket']]
check(seen == sorted(['py-bucket'] + ['py-page-%d' % i for i in range(5)]), 'marker paging walks every bucket once')

# ECS's own bucket retention (seconds; not S3 object lock, which s3aas uses).
check(client.bucket.get_retention('py-bucket', namespace='pyns')['period'] == 0, 'bucket retention: none')
client.bucket.set_retention('py-bucket', 'pyns', period=3600)
check(client.bucket.get_retention('py-bucket', namespace='pyns')['period'] == 3600,
      'bucket retention: set in seconds, read back')
check(client.bucket.get('py-bucket', namespace='pyns')['retention'] == 3600, 'bucket info: retention')
expect_error(lambda: client.bucket.set_retention('py-bucket', 'pyns', period=-5), 1008,
             'bucket retention: a negative period')

# Quota in GB; both values required, both -1 refused.
client.bucket.set_quota('py-bucket', 5, 4, namespace='pyns')
q = client.bucket.get_quota('py-bucket', namespace='pyns')
check(q['blockSize'] == 5 and q['notificationSize'] == 4, 'quota set and read back in GB')
expect_error(lambda: client.bucket.set_quota('py-bucket', -1, -1, namespace='pyns'), 1008,
             'quota with both values -1')
client.bucket.delete_quota('py-bucket', namespace='pyns')
q = client.bucket.get_quota('py-bucket', namespace='pyns')
check(q['blockSize'] == -1 and q['notificationSize'] == -1, 'quota deleted')

# Billing.
bill = client.billing.get_bucket_billing_info('py-bucket', 'pyns', sizeunit='BYTE')
check(bill['total_size_unit'] == 'BYTE' and float(bill['total_size']) == 0, 'billing in bytes')
check(int(bill['total_objects']) == 0 and bill['sample_time'], 'billing objects and sample time')
bill = client.billing.get_bucket_billing_info('py-bucket', 'pyns')
check(bill['total_size_unit'] == 'GB', 'billing defaults to GB')

# Namespace billing (what instance usage reads): totals, bucket details a page at a time
# (the Rust side sets two buckets per page), sample times as yyyy-MM-dd'T'HH:mm:ss'Z'.
import datetime
nb = client.billing.get_namespace_billing_info('pyns', sizeunit='BYTE')
check(nb['namespace'] == 'pyns' and nb['total_size_unit'] == 'BYTE', 'namespace billing: namespace, unit')
check(float(nb['total_size']) == 0 and int(nb['total_objects']) == 0, 'namespace billing: totals')
check('bucket_billing_info' not in nb, 'namespace billing: no bucket detail unless asked')
datetime.datetime.strptime(nb['sample_time'], '%Y-%m-%dT%H:%M:%SZ')
check(True, "namespace billing: sample_time as yyyy-MM-dd'T'HH:mm:ss'Z'")
page = client.billing.get_namespace_billing_info('pyns', sizeunit='BYTE', include_bucket_detail=True)
seen = [b['name'] for b in page['bucket_billing_info']]
check(len(seen) == 2 and page.get('next_marker'), 'namespace billing: bucket details page with next_marker')
first = page['bucket_billing_info'][0]
check(first['namespace'] == 'pyns' and first['total_size_unit'] == 'BYTE' and 'vpool_id' in first
      and int(first['total_objects']) == 0 and first['sample_time'], 'namespace billing: bucket detail fields')
while page.get('next_marker'):
    page = client.billing.get_namespace_billing_info('pyns', sizeunit='BYTE', include_bucket_detail=True,
                                                     marker=page['next_marker'])
    seen += [b['name'] for b in page['bucket_billing_info']]
check(seen == sorted(['py-bucket'] + ['py-page-%d' % i for i in range(5)]),
      'namespace billing: next_marker walks every bucket once')
check(client.billing.get_namespace_billing_info('pyns', sizeunit='KB')['total_size_unit'] == 'KB',
      'namespace billing: the unit asked for')
expect_error(lambda: client.billing.get_namespace_billing_info('pyns', sizeunit='PB'), 1008,
             'namespace billing: an unknown unit')
expect_error(lambda: client.billing.get_namespace_billing_info('nope'), 1004,
             'namespace billing: a missing namespace')

# Topology.
nodes = client.node.list()
check(len(nodes['node']) >= 1 and nodes['node'][0]['ip'], 'vdc nodes')

# Teardown through the same client.
for i in range(5):
    client.bucket.delete('py-page-%d' % i, namespace='pyns')
client.bucket.delete('py-bucket', namespace='pyns')
expect_error(lambda: client.bucket.get('py-bucket', namespace='pyns'), 1004, 'deleted bucket is gone')
client.object_user.delete('py-alice', namespace='pyns')
client.namespace.delete('pyns')
expect_error(lambda: client.namespace.get('pyns'), 1004, 'deleted namespace is gone')
client.authentication.logout()
print('python-ecsclient: %d checks passed' % checks)
