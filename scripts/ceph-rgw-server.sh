#!/usr/bin/env bash
# Starts a single-node Ceph cluster (one monitor, one manager, one in-memory OSD, one RADOS
# Gateway) on loopback, without systemd, in a directory of its own; or stops it by pid.
#   scripts/ceph-rgw-server.sh start DIR   # prints KEY=VALUE lines: endpoint, admin keys, pids
#   scripts/ceph-rgw-server.sh stop DIR    # kills every daemon started in DIR, waits for exit
# Ports are free loopback ports picked at start. Everything lives in DIR (config, keyrings,
# logs, pid list DIR/pids); nothing is written elsewhere. Needs scripts/install-ceph.sh first.
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  [ -f "$dir/pids" ] || return 0
  local pids; pids="$(cat "$dir/pids")"
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
  rm -f "$dir/pids"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
trap 'rc=$?; [ $rc = 0 ] || { echo "ceph start failed; logs in $dir" >&2; stop; }' EXIT
: > "$dir/pids"
mon_v2=$(free_port); mon_v1=$(free_port); rgw_port=$(free_port)
fsid=$(cat /proc/sys/kernel/random/uuid)
conf="$dir/ceph.conf"
mkdir -p "$dir/mon" "$dir/mgr" "$dir/osd" "$dir/run" "$dir/log" "$dir/rgw"
cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]
mon initial members = a
public addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon warn on pool no redundancy = false
ms bind ipv6 = false
[client.admin]
keyring = $dir/client.admin.keyring
[mon]
mon data = $dir/mon/\$cluster-\$id
keyring = $dir/mon/\$cluster-\$id/keyring
[mgr]
mgr data = $dir/mgr/\$cluster-\$id
keyring = $dir/mgr/keyring
[osd]
osd data = $dir/osd/\$cluster-\$id
keyring = $dir/osd/\$cluster-\$id/keyring
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
keyring = $dir/rgw/keyring
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw enable usage log = true
rgw dns name = localhost
CONF
C=(--conf "$conf")
ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$dir/client.admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/client.admin.keyring" >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]" "$dir/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
ceph-mon "${C[@]}" -f -i a >"$dir/log/mon.out" 2>&1 & echo $! >> "$dir/pids"
ceph "${C[@]}" -s --connect-timeout 20 >/dev/null
mkdir -p "$dir/mgr/ceph-x"
ceph "${C[@]}" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o "$dir/mgr/keyring"
ceph-mgr "${C[@]}" -f -i x >"$dir/log/mgr.out" 2>&1 & echo $! >> "$dir/pids"
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_secret=$(ceph-authtool --gen-print-key)
echo "{\"cephx_secret\": \"$osd_secret\"}" > "$dir/osd.json"
osd_id=$(ceph "${C[@]}" osd new "$osd_uuid" -i "$dir/osd.json" -n client.admin)
mkdir -p "$dir/osd/ceph-$osd_id"
ceph-authtool --create-keyring "$dir/osd/ceph-$osd_id/keyring" --name "osd.$osd_id" --add-key "$osd_secret" >/dev/null
ceph-osd "${C[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
ceph-osd "${C[@]}" -f -i "$osd_id" >"$dir/log/osd.out" 2>&1 & echo $! >> "$dir/pids"
for _ in $(seq 1 120); do
  ceph "${C[@]}" osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.5
done
ceph "${C[@]}" osd stat | grep -q '1 up' || { echo "osd did not come up" >&2; exit 1; }
ceph "${C[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$dir/rgw/keyring"
radosgw "${C[@]}" -f -n client.rgw.a >"$dir/log/rgw.out" 2>&1 & echo $! >> "$dir/pids"
for _ in $(seq 1 240); do
  curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" && break; sleep 0.25
done
curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" || { echo "radosgw did not answer" >&2; exit 1; }
ak="ADMIN$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
sk="$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"
radosgw-admin "${C[@]}" -n client.admin user create --uid=s3aas-admin --display-name="s3aas admin" \
  --caps="users=*;buckets=*;usage=*;metadata=*;zone=read;user-policy=*" --access-key="$ak" --secret-key="$sk" >/dev/null
printf '%s\n' "$ak" > "$dir/admin.access"; printf '%s\n' "$sk" > "$dir/admin.secret"; chmod 600 "$dir/admin.secret"
echo "ENDPOINT=http://127.0.0.1:$rgw_port"
echo "ACCESS_KEY_FILE=$dir/admin.access"
echo "SECRET_KEY_FILE=$dir/admin.secret"
echo "CONF=$conf"
echo "PIDS=$(tr '\n' ' ' < "$dir/pids")"
