"""Drives the s3aas ECS simulator's IAM API (ECS 3.6+, `/iam?Action=...`) with boto3's IAM client
and checks that the answers parse and mean what ecs-and-cloudstack.md section 2.8 says.

boto3 knows AWS IAM's query protocol exactly (form-encoded parameters, `<Action>Response` XML
with `<member>` lists, `<ErrorResponse>` errors, URL-encoded policy documents), so a shape
error in the simulator fails here. It talks to ECS the way ECS documents for a management user:
unsigned, with the management token and `x-emc-namespace` headers (added by an event hook).

Usage: boto3_iam_check.py MGMT_URL USER PASSWORD
Exit 0 when every check passed; prints one line per check.
"""
import base64
import datetime
import json
import sys
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from checklib import check, count, expect_error

url, user, password = sys.argv[1:4]


def mgmt(method, path, body=None, token=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header('Accept', 'application/json')
    if body is not None:
        req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('X-SDS-AUTH-TOKEN', token)
    else:
        req.add_header('Authorization', 'Basic ' + base64.b64encode(
            ('%s:%s' % (user, password)).encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers, r.read()


headers, _ = mgmt('GET', '/login')
token = headers['X-SDS-AUTH-TOKEN']
mgmt('POST', '/object/namespaces/namespace', {'namespace': 'pyns'}, token)

namespace = {'value': 'pyns'}


def client():
    c = boto3.client('iam', endpoint_url=url + '/iam', region_name='us-east-1',
                     config=Config(signature_version=UNSIGNED, retries={'max_attempts': 1}))

    def add_headers(request, **_):
        request.headers['X-SDS-AUTH-TOKEN'] = token
        if namespace['value']:
            request.headers['x-emc-namespace'] = namespace['value']

    c.meta.events.register('before-send.iam', add_headers)
    return c


iam = client()

# Users.
u = iam.create_user(UserName='py-alice', Path='/', Tags=[{'Key': 'team', 'Value': 'blue sky'}])['User']
check(u['UserName'] == 'py-alice' and u['Path'] == '/', 'CreateUser: name and path')
check(u['Arn'] == 'urn:ecs:iam::pyns:user/py-alice', 'CreateUser: ECS-style ARN with the namespace')
check(isinstance(u['CreateDate'], datetime.datetime), 'CreateUser: CreateDate is a timestamp')
check(u['UserId'].startswith('AIDA'), 'CreateUser: a user id')
got = iam.get_user(UserName='py-alice')
check({'Key': 'team', 'Value': 'blue sky'} in got['User'].get('Tags', []), 'GetUser: tags, spaces intact')
check(len(got['ResponseMetadata']['RequestId']) > 0, 'GetUser: RequestId in ResponseMetadata')
expect_error(lambda: iam.create_user(UserName='py-alice'), 'EntityAlreadyExists', 409, 'CreateUser twice')
expect_error(lambda: iam.create_user(UserName='py-bad', Path='/x/'), 'InvalidInput', 400, 'a Path other than /')
expect_error(lambda: iam.get_user(UserName='nobody'), 'NoSuchEntity', 404, 'GetUser of a missing user')
iam.create_user(UserName='py-bob')
page = iam.list_users(MaxItems=1)
check(page['IsTruncated'] is True and len(page['Users']) == 1, 'ListUsers: MaxItems=1 is truncated')
page2 = iam.list_users(MaxItems=1, Marker=page['Marker'])
check(page2['IsTruncated'] is False and [x['UserName'] for x in page['Users'] + page2['Users']]
      == ['py-alice', 'py-bob'], 'ListUsers: Marker pages through both users')
iam.tag_user(UserName='py-bob', Tags=[{'Key': 'k', 'Value': 'v'}])
check(iam.list_user_tags(UserName='py-bob')['Tags'] == [{'Key': 'k', 'Value': 'v'}], 'TagUser + ListUserTags')
iam.untag_user(UserName='py-bob', TagKeys=['k'])
check(iam.list_user_tags(UserName='py-bob')['Tags'] == [], 'UntagUser')

# Access keys: two per user, Active/Inactive.
k1 = iam.create_access_key(UserName='py-alice')['AccessKey']
check(k1['Status'] == 'Active' and len(k1['SecretAccessKey']) >= 20, 'CreateAccessKey: active, with its secret')
k2 = iam.create_access_key(UserName='py-alice')['AccessKey']
expect_error(lambda: iam.create_access_key(UserName='py-alice'), 'LimitExceeded', 409, 'a third access key')
iam.update_access_key(UserName='py-alice', AccessKeyId=k2['AccessKeyId'], Status='Inactive')
meta = {k['AccessKeyId']: k for k in iam.list_access_keys(UserName='py-alice')['AccessKeyMetadata']}
check(meta[k2['AccessKeyId']]['Status'] == 'Inactive' and meta[k1['AccessKeyId']]['Status'] == 'Active',
      'UpdateAccessKey + ListAccessKeys: statuses')
check('SecretAccessKey' not in meta[k1['AccessKeyId']], 'ListAccessKeys never shows secrets')
expect_error(lambda: iam.update_access_key(UserName='py-alice', AccessKeyId=k1['AccessKeyId'], Status='Off'),
             'ValidationError', 400, 'UpdateAccessKey with a bad status')

# Managed policies.
doc = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': ['s3:GetObject'],
                                               'Resource': ['arn:aws:s3:::my bucket/*']}]}
p = iam.create_policy(PolicyName='pyrw', PolicyDocument=json.dumps(doc))['Policy']
arn = p['Arn']
check(arn == 'urn:ecs:iam::pyns:policy/pyrw' and p['DefaultVersionId'] == 'v1', 'CreatePolicy: ARN and v1')
v = iam.get_policy_version(PolicyArn=arn, VersionId='v1')['PolicyVersion']
check(v['Document'] == doc and v['IsDefaultVersion'] is True,
      'GetPolicyVersion: the document comes back (URL-encoded, decoded by boto3) unchanged')
expect_error(lambda: iam.create_policy(PolicyName='pybad', PolicyDocument='{"no": 1}'),
             'MalformedPolicyDocument', 400, 'a policy without Version/Statement')
iam.attach_user_policy(UserName='py-alice', PolicyArn=arn)
att = iam.list_attached_user_policies(UserName='py-alice')['AttachedPolicies']
check(att == [{'PolicyName': 'pyrw', 'PolicyArn': arn}], 'AttachUserPolicy + ListAttachedUserPolicies')
check(iam.get_policy(PolicyArn=arn)['Policy']['AttachmentCount'] == 1, 'GetPolicy: AttachmentCount')
expect_error(lambda: iam.delete_policy(PolicyArn=arn), 'DeleteConflict', 409, 'deleting an attached policy')
expect_error(lambda: iam.delete_user(UserName='py-alice'), 'DeleteConflict', 409, 'deleting a user with keys')
v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True)['PolicyVersion']
check(v2['VersionId'] == 'v2' and v2['IsDefaultVersion'] is True, 'CreatePolicyVersion: v2, default')
versions = iam.list_policy_versions(PolicyArn=arn)['Versions']
check(sorted(x['VersionId'] for x in versions) == ['v1', 'v2'], 'ListPolicyVersions')
expect_error(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId='v2'), 'DeleteConflict', 409,
             'deleting the default version')
local = [x['PolicyName'] for x in iam.list_policies(Scope='Local')['Policies']]
check(local == ['pyrw'], 'ListPolicies Scope=Local: the namespace policy only')
system = [x['Arn'] for x in iam.list_policies(Scope='AWS')['Policies']]
check(system and all(a.startswith('urn:ecs:iam:::policy/') for a in system), 'ListPolicies Scope=AWS: system policies')
iam.detach_user_policy(UserName='py-alice', PolicyArn=arn)
expect_error(lambda: iam.detach_user_policy(UserName='py-alice', PolicyArn=arn), 'NoSuchEntity', 404,
             'detaching a policy that is not attached')
expect_error(lambda: iam.delete_policy(PolicyArn=arn), 'DeleteConflict', 409, 'deleting a policy with versions')
iam.delete_policy_version(PolicyArn=arn, VersionId='v1')
iam.delete_policy(PolicyArn=arn)
expect_error(lambda: iam.get_policy(PolicyArn=arn), 'NoSuchEntity', 404, 'GetPolicy after DeletePolicy')

# Cleanup, and the namespace header.
for k in (k1, k2):
    iam.delete_access_key(UserName='py-alice', AccessKeyId=k['AccessKeyId'])
iam.delete_user(UserName='py-alice')
iam.delete_user(UserName='py-bob')
check(iam.list_users()['Users'] == [], 'DeleteAccessKey + DeleteUser: nothing left')
namespace['value'] = None
expect_error(lambda: iam.list_users(), 'InvalidInput', 400, 'a call without x-emc-namespace')
namespace['value'] = 'no-such-ns'
expect_error(lambda: iam.list_users(), 'NoSuchEntity', 404, 'a call for an unknown namespace')

mgmt('GET', '/logout', token=token)
print('%d checks passed' % count())
