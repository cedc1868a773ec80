//! The desired-state proof: changes made behind the SDK's back show as drift and are repaired.

use super::*;

/// Suspends RGW user `uid` with PyPI rgwadmin (an independent Admin Ops client: `POST
/// /admin/user?suspended=1`, its own signing) and answers whether rgwadmin then reads the user
/// as suspended.
pub(super) fn rgwadmin_suspend(uid: &str) -> Result<bool, String> {
    const SCRIPT: &str = r#"
import sys
from rgwadmin import RGWAdmin
server, access, secret_file, uid = sys.argv[1:5]
with open(secret_file) as f:
    secret = f.read().strip()
rgw = RGWAdmin(access_key=access, secret_key=secret, server=server, secure=False, verify=False)
rgw.modify_user(uid=uid, key_type=None, suspended=1)
print("suspended" if rgw.get_user(uid=uid).get("suspended") else "active")
"#;
    let (server, access, secret_file) = CROSS.get().expect("run_all sets it").clone();
    let out = std::process::Command::new(rgwadmin_python()?)
        .arg("-c")
        .arg(SCRIPT)
        .arg(server)
        .arg(access)
        .arg(secret_file)
        .arg(uid)
        .output()
        .map_err(err("run rgwadmin"))?;
    if !out.status.success() {
        return Err(format!(
            "rgwadmin suspend failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "suspended")
}

/// The desired-state layer on the real RGW: a bucket's versioning (raw S3), a user's status
/// (rgwadmin, raw Admin Ops) and a named policy's stored document (raw IAM `PutUserPolicy` on
/// the policy holder) changed behind the SDK's back show in `drift` with before and after,
/// `apply` repairs them, and a key of the user proves the repaired access. Ceph keys have no
/// names (`access_key_name` is off), so the key is made outside the spec; it is an orphan of
/// unknown origin, which `prune` never deletes.
pub(super) async fn desired_state_drift(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    use s3aas_core::state::{self, Origin, Spec};
    // `prune: true` so the planner lists the keys of `app` (it lists a user's keys only when
    // the spec names keys or prunes): the key made outside the spec must be seen as an orphan,
    // and being of unknown origin it must survive the repair (the final write uses it).
    let spec = Spec::from_json(
        &serde_json::json!({"tenants": [{
            "instance": inst,
            "prune": true,
            "buckets": [{"name": "data", "versioning": true}],
            "policies": [{"name": "rw", "document": PolicyDocument::bucket_read_write("data").as_value()}],
            "users": [{"name": "app", "policies": ["rw"]}]
        }]})
        .to_string(),
    )
    .map_err(err("spec"))?;
    let c = s3aas_core::Client::new(p.clone());
    let plan = state::plan(&c, &spec).await.map_err(err("plan"))?;
    let report = state::apply(&c, &plan, Default::default()).await;
    if !report.is_complete() {
        return Err(format!("first apply: {report}"));
    }
    let again = state::plan(&c, &spec).await.map_err(err("plan again"))?;
    if !again.is_empty() {
        return Err(format!("differs after applying:\n{again}"));
    }
    let k = p
        .create_access_key(&inst, "app", CreateAccessKey::new())
        .await
        .map_err(err("create key"))?;
    let s3 = p.s3_with_key(&k.key.access_key_id, k.secret_access_key.clone());
    eventually("the user's key writes its bucket", || async {
        put(&s3, "data", "k", b"v".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;

    // Behind the SDK's back, none of it through the provider's trait methods.
    // 1. Versioning suspended with a plain S3 call (signed as the tenant's bucket owner).
    p.instance_s3(&inst)
        .await
        .map_err(err("instance s3"))?
        .put_versioning("data", false)
        .await
        .map_err(err("raw put_versioning"))?;
    // 2. The stored document of `rw` (the inline policy `rw` of `<tenant>$s3aas-policies`,
    //    what `get_policy` reads) made read-only with a raw IAM call signed as the admin.
    let (server, access, secret_file) = CROSS.get().expect("run_all sets it").clone();
    let secret = std::fs::read_to_string(&secret_file)
        .map_err(err("admin secret"))?
        .trim()
        .to_string();
    let iam = s3aas_http::IamClient::new(
        "raw",
        s3aas_http::HttpClient::new("raw", s3aas_http::HttpConfig::default())
            .map_err(err("http client"))?,
        url::Url::parse(&format!("http://{server}")).map_err(err("url"))?,
        s3aas_http::SigV4Signer::new(&access, SecretString::from(secret), "us-east-1")
            .with_service("iam"),
    );
    let tenant = s3aas_backend_ceph::tenant_of(&inst);
    let holder = format!("{tenant}${}", s3aas_backend_ceph::POLICY_USER);
    let read_only = PolicyDocument::bucket_read_only("data").to_json();
    iam.send(
        "raw",
        "PutUserPolicy",
        &[
            ("UserName", holder.as_str()),
            ("PolicyName", "rw"),
            ("PolicyDocument", read_only.as_str()),
        ],
        s3aas_http::Idempotency::Idempotent,
    )
    .await
    .map_err(err("raw PutUserPolicy on the policy holder"))?;
    // 3. The user suspended by rgwadmin. (Pacific's Admin Ops suspend also drops the user's
    //    inline policies, so the drift holds the re-attachment of `rw` too: seen as
    //    `Create policy rw` next to the three updates checked below.)
    if !rgwadmin_suspend(&format!("{tenant}$app"))? {
        return Err("rgwadmin does not read the user as suspended after suspending it".into());
    }
    eventually("the suspended user's key is refused", || async {
        refused(
            put(&s3, "data", "k", b"v".to_vec()).await,
            &[ErrorKind::PermissionDenied, ErrorKind::Unauthenticated],
        )
    })
    .await?;

    let d = state::drift(&c, &spec.tenants[0])
        .await
        .map_err(err("drift"))?;
    let seen: Vec<String> = d
        .changes
        .iter()
        .map(|ch| format!("{:?} {} {}", ch.op, ch.kind, ch.name))
        .collect();
    println!("desired state on ceph: drift {seen:?}");
    let updated = |name: &str, field: &str| s3aas_fakes::proof::reports_update(&d, name, field);
    for (name, field) in [
        ("data", "versioning"),
        ("rw", "document"),
        ("app", "enabled"),
    ] {
        if !updated(name, field) {
            return Err(format!(
                "no update of {name}'s {field} with before and after in the drift: {:?}",
                d.changes
            ));
        }
    }
    let orphan = format!("app/{}", k.key.id);
    if !d
        .orphans
        .iter()
        .any(|o| o.name == orphan && o.origin == Origin::Unknown)
    {
        return Err(format!(
            "the key made outside the spec is not an orphan of unknown origin: {:?}",
            d.orphans
        ));
    }

    let plan = state::plan(&c, &spec).await.map_err(err("plan repair"))?;
    let report = state::apply(&c, &plan, Default::default()).await;
    if !report.is_complete() {
        return Err(format!("repair: {report}"));
    }
    let after = state::plan(&c, &spec)
        .await
        .map_err(err("plan after repair"))?;
    if after.executable().next().is_some() {
        return Err(format!("left after repair:\n{after}"));
    }
    eventually("the repaired user's key writes again", || async {
        put(&s3, "data", "k2", b"v".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    let v = p
        .instance_s3(&inst)
        .await
        .map_err(err("instance s3"))?
        .get_versioning("data")
        .await
        .map_err(err("raw get_versioning"))?;
    if v != Versioning::Enabled {
        return Err(format!("versioning after repair: {v:?}"));
    }
    Ok(())
}
