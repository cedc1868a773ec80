#!/usr/bin/env bash
# What can be checked of the declared minimum Rust (`rust-version`) without that toolchain
# (only the current stable one is installable where s3aas is built):
# - every crate in the lock file declares a rust-version no newer than ours (the resolver
#   prefers such versions, `resolver = "3"`; this catches one that slipped in by hand);
# - clippy's `incompatible_msrv` lint (on in `cargo clippy`) flags standard-library items
#   stabilised after it; that runs with the clippy step, not here.
# Language features are not checked by either: the README says which ones set the minimum.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
ours = next(p["rust_version"] for p in meta["packages"] if p["name"] == "s3aas")
def ver(v):
    return tuple(int(x) for x in (v.split(".") + ["0", "0"])[:3])
used = {n["id"] for n in meta["resolve"]["nodes"]}
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p["id"] in used and p.get("rust_version") and ver(p["rust_version"]) > ver(ours)
)
for name, version, rv in newer:
    print(f"{name} {version} needs Rust {rv}, newer than the declared {ours}", file=sys.stderr)
if newer:
    sys.exit(1)
print(f"rust-version {ours}: all {len(used)} locked crates declare it or older")
'
