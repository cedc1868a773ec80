"""What every cross-check script shares: one line per check, exit 1 at the first failure, and
expected boto3 errors checked by code and HTTP status."""
import sys

from botocore.exceptions import ClientError

checks = 0


def check(cond, what):
    global checks
    if not cond:
        print('FAILED: ' + what)
        sys.exit(1)
    checks += 1
    print('ok: ' + what)


def expect_error(fn, code, status, what):
    try:
        fn()
    except ClientError as e:
        got = e.response['Error'].get('Code')
        http = e.response['ResponseMetadata'].get('HTTPStatusCode')
        check(got == code and http == status,
              '%s -> %s/%s (got %s/%s, "%s")' % (what, code, status, got, http,
                                                 e.response['Error'].get('Message')))
        return e
    check(False, what + ' should fail')


def count():
    return checks
