//! The desired-state layer against the real server: changes made behind the SDK's back with
//! raw admin and S3 calls show in `drift` with before and after, `apply` repairs them, and the
//! tenant's key proves the repaired access.

use crate::*;
use s3aas_core::state::{self, Spec};

pub(crate) async fn desired_state_drift_repaired(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let spec = Spec::from_json(
        &serde_json::json!({"tenants": [{
            "instance": inst,
            "buckets": [{"name": b, "versioning": true}],
            "policies": [{"name": "rw", "document": PolicyDocument::bucket_read_write(&b).as_value()}],
            "users": [{"name": "app", "policies": ["rw"], "keys": [{"name": "deploy"}]}]
        }]})
        .to_string(),
    )
    .map_err(|e| e.to_string())?;
    let c = s3aas_core::Client::new(p.clone());
    let r: R = async {
        let plan = state::plan(&c, &spec).await.map_err(|e| e.to_string())?;
        let report = state::apply(&c, &plan, Default::default()).await;
        ensure(report.is_complete(), format!("first apply: {report}"))?;
        let key = &report.tenants[0].new_keys[0].key;
        let s3 = p.s3_client_for(&key.key.access_key_id, key.secret_access_key.clone());
        let put = || async { s3.put_object(&b, "k", "v".into(), &[]).await.map(drop) };
        eventually("the key writes its bucket", true, put).await?;
        ensure(
            state::plan(&c, &spec)
                .await
                .map_err(|e| e.to_string())?
                .is_empty(),
            "nothing differs after applying",
        )?;

        // Behind the SDK's back: raw S3 and admin calls, as another tool would make them.
        p.admin_s3()
            .put_versioning(&b, false)
            .await
            .map_err(|e| e.to_string())?;
        let read_only = PolicyDocument::bucket_read_only(&b).to_json();
        p.admin_raw(
            http::Method::PUT,
            "add-canned-policy",
            &[("name", &format!("{inst}--rw"))],
            Some(read_only.into_bytes()),
        )
        .await
        .map_err(|e| e.to_string())?;
        p.admin_raw(
            http::Method::PUT,
            "set-user-status",
            &[
                ("accessKey", &format!("{inst}--app")),
                ("status", "disabled"),
            ],
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
        eventually("the key of the disabled user", false, put).await?;

        let d = state::drift(&c, &spec.tenants[0])
            .await
            .map_err(|e| e.to_string())?;
        let updated = |name: &str, field: &str| s3aas_fakes::proof::reports_update(&d, name, field);
        ensure(
            updated(&b, "versioning"),
            format!("versioning drift: {:?}", d.changes),
        )?;
        ensure(
            updated("rw", "document"),
            format!("policy drift: {:?}", d.changes),
        )?;
        ensure(
            updated("app", "enabled"),
            format!("user drift: {:?}", d.changes),
        )?;

        let plan = state::plan(&c, &spec).await.map_err(|e| e.to_string())?;
        let report = state::apply(&c, &plan, Default::default()).await;
        ensure(report.is_complete(), format!("repair: {report}"))?;
        let after = state::plan(&c, &spec).await.map_err(|e| e.to_string())?;
        ensure(
            after.executable().next().is_none(),
            format!("left after repair:\n{after}"),
        )?;
        eventually("the repaired key writes again", true, put).await?;
        let v = p
            .admin_s3()
            .get_versioning(&b)
            .await
            .map_err(|e| e.to_string())?;
        ensure(v == Versioning::Enabled, format!("versioning {v:?}"))
    }
    .await;
    let _ = p.admin_s3().empty_bucket(&b).await;
    let clean = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("cleanup: {e}"));
    r.and(clean)
}
