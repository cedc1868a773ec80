//! Access keys: service accounts of the user (several per user; disable, expiry, rotation).

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    /// Every access key of every user of an instance, for estate-wide drift and billing checks:
    /// one `list-access-keys-bulk` call (RELEASE.2024-09-22 and later), which returns ids and
    /// expiry only (name, description and status stay `None`/default); on a server without it
    /// (answers 400/404/405/426/501), one `list-service-accounts` call per user with full
    /// details. Sorted by user, then key id.
    pub async fn list_instance_access_keys(&self, instance: &str) -> Result<Vec<AccessKey>> {
        let op = "list_instance_access_keys";
        self.require_instance(instance, op).await?;
        let users: Vec<String> = self
            .instance_users(instance)
            .await?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let iams: Vec<String> = users.iter().map(|u| iam(instance, u)).collect();
        let mut call =
            Call::new(op, Method::GET, "list-access-keys-bulk").q("listType", "svcacc-only");
        for i in &iams {
            call = call.q("users", i);
        }
        let resp = self.admin.send(&call).await?;
        if resp.is_success() {
            #[derive(Deserialize)]
            struct Entry {
                #[serde(default, rename = "serviceAccounts")]
                service_accounts: Vec<BulkKey>,
            }
            #[derive(Deserialize)]
            struct BulkKey {
                #[serde(rename = "accessKey")]
                access_key: String,
                #[serde(default)]
                expiration: Option<String>,
            }
            let map: BTreeMap<String, Entry> = crate::admin::decode::<D, _>(op, &resp)?;
            let mut out = Vec::new();
            for (iam_name, entry) in map {
                let Some(user) = iam_name.strip_prefix(&iam(instance, "")) else {
                    continue;
                };
                for k in entry.service_accounts {
                    let mut key = AccessKey::new(instance, user, &k.access_key, &k.access_key);
                    key.expiration = k
                        .expiration
                        .as_deref()
                        .and_then(|e| OffsetDateTime::parse(e, &Rfc3339).ok())
                        .filter(|e| e.year() < 9999 && e.unix_timestamp() > 0);
                    out.push(key);
                }
            }
            out.sort_by(|a, b| (&a.user, &a.id).cmp(&(&b.user, &b.id)));
            return Ok(out);
        }
        if !matches!(resp.status, 400 | 404 | 405 | 426 | 501) {
            return Err(self.admin.error(op, &resp, None));
        }
        tracing::debug!(
            status = resp.status,
            "list-access-keys-bulk unavailable; listing per user"
        );
        let mut out = Vec::new();
        for u in &users {
            match self.list_access_keys(instance, u).await {
                Ok(keys) => out.extend(keys),
                Err(e) if e.kind() == ErrorKind::NotFound => {} // deleted meanwhile
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (&a.user, &a.id).cmp(&(&b.user, &b.id)));
        Ok(out)
    }

    pub(crate) async fn key_info(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        op: &'static str,
    ) -> Result<(KeyInfo, AccessKey)> {
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id))
            .await?;
        if resp.status == 404 || resp.status == 400 {
            return Err(
                ctx::<D>(Error::not_found(ResourceKind::AccessKey, key_id), op)
                    .with_http_status(resp.status),
            );
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::AccessKey, key_id))));
        }
        let info: KeyInfo = crate::admin::decode::<D, _>(op, &resp)?;
        if info.parent_user != iam(instance, user) {
            return Err(ctx::<D>(
                Error::not_found(ResourceKind::AccessKey, key_id),
                op,
            ));
        }
        let key = info.to_key(instance, user, key_id);
        Ok((info, key))
    }

    pub(crate) async fn update_key(
        &self,
        key_id: &str,
        session_policy: Option<&PolicyDocument>,
        fields: serde_json::Value,
        op: &'static str,
    ) -> Result<()> {
        let mut body = fields;
        // RustFS, like MinIO, drops a key's session policy when an update omits it: resend it.
        if let Some(p) = session_policy {
            body["newPolicy"] = p.as_value().clone();
        }
        self.admin
            .ok(
                Call::new(op, Method::POST, "update-service-account")
                    .q("accessKey", key_id)
                    .json(&body)
                    .idempotency(Idempotency::Idempotent),
                Some((ResourceKind::AccessKey, key_id)),
            )
            .await
            .map(drop)
    }

    /// Creates a service account for `user`. Its access key id and secret are chosen here and
    /// sent along (`accessKey`/`secretKey`, which madmin servers honour), so that a call whose
    /// answer was lost can be resolved: the server is asked whether a key with that id exists
    /// and whose it is (see [`lost`]). The answer's credentials are used when one comes (a
    /// server that picks its own wins).
    pub(crate) async fn add_key(
        &self,
        instance: &str,
        user: &str,
        req: &CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let chosen_id = secret::random_access_key_id();
        let chosen_secret = secret::random_secret_key();
        let mut body = json!({
            "targetUser": want,
            "accessKey": chosen_id,
            "secretKey": chosen_secret.expose_secret(),
        });
        if let Some(n) = &req.name {
            body["name"] = json!(n);
        }
        if let Some(d) = &req.description {
            body["description"] = json!(d);
        }
        if let Some(e) = req.expiration {
            body["expiration"] = json!(e.format(&Rfc3339).expect("format"));
        }
        if let Some(p) = &req.session_policy {
            body["policy"] = p.as_value().clone();
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Creds {
            access_key: String,
            secret_key: String,
        }
        #[derive(Deserialize)]
        struct Resp {
            credentials: Creds,
        }
        let mut sent = 0;
        let (key_id, key_secret) = loop {
            sent += 1;
            // Not repeated by the transport: a repeat on a server that ignored the chosen id
            // would make a second key. Lost answers are resolved below instead.
            let answer: Result<Resp> = self
                .admin
                .json(
                    Call::new(op, Method::PUT, "add-service-account")
                        .json(&body)
                        .idempotency(Idempotency::NonIdempotent),
                    Some((ResourceKind::User, user)),
                )
                .await;
            let e = match answer {
                Ok(r) => {
                    let id = r.credentials.access_key;
                    self.verify_key_parent(instance, user, &id).await?;
                    break (id, SecretString::from(r.credentials.secret_key));
                }
                Err(e) => e,
            };
            // A repeat that fails in any way (RustFS: 400 "access key is already in use") may
            // mean the first attempt landed late: the id tells.
            if !e.outcome_unknown() && sent == 1 {
                return Err(e);
            }
            match self.resolve_lost_key(instance, user, &chosen_id, e).await? {
                None => break (chosen_id.clone(), chosen_secret.clone()),
                // It did not take effect: send it again. With the id chosen here, a copy of the
                // first request landing late cannot make a second key.
                Some(_) if sent < lost::CREATE_SENDS => {}
                Some(e) => return Err(e),
            }
        };
        let mut k = AccessKey::new(instance, user, &key_id, &key_id);
        k.name = req.name.clone();
        k.description = req.description.clone();
        k.expiration = req.expiration.map(|e| e.replace_nanosecond(0).unwrap_or(e));
        k.created = Some(OffsetDateTime::now_utc());
        k.session_policy = req.session_policy.clone();
        Ok(NewAccessKey::new(k, key_secret))
    }

    /// After `add-service-account` failed with `e` and may have landed: finds out whether the
    /// key `key_id` chosen for it exists. `Ok(None)` if it does and belongs to `user` (the caller
    /// holds its secret); `Ok(Some(e))` if it does not. If it belongs to someone else, or whether
    /// it exists cannot be found out, it is deleted (in case) and the error returned, `Partial`
    /// naming the key when deleting failed too.
    pub(crate) async fn resolve_lost_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        e: Error,
    ) -> Result<Option<Error>> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let parent = lost::confirm("access key", || async {
            let resp = self
                .admin
                .send(&Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id))
                .await?;
            // RustFS answers 400 for a key that does not exist, MinIO 404.
            if resp.status == 404 || resp.status == 400 {
                return Ok(None);
            }
            if !resp.is_success() {
                return Err(self
                    .admin
                    .error(op, &resp, Some((ResourceKind::AccessKey, key_id))));
            }
            let info: KeyInfo = crate::admin::decode::<D, _>(op, &resp)?;
            Ok(Some(info.parent_user))
        })
        .await;
        let note = match parent {
            Ok(Some(p)) if p == want => {
                tracing::debug!(key = key_id, error = %e, "the answer to creating the access key was lost, but it exists: carrying on");
                return Ok(None);
            }
            Ok(None) => return Ok(Some(e)),
            Ok(Some(p)) => format!(
                "the server created access key {key_id} for '{p}' instead of '{want}' (it ignored targetUser)"
            ),
            Err(c) => format!("whether access key {key_id} was created could not be checked ({c})"),
        };
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await;
        Err(match resp {
            Ok(r) if r.is_success() || r.status == 404 || r.status == 400 => {
                lost::noted(e, format!("{note}, so it was deleted in case"))
            }
            Ok(r) => lost::partial(
                e,
                format!(
                    "{note} and deleting it in case failed too (HTTP {}: {}); access key {key_id} of user '{user}' may have been left behind",
                    r.status,
                    r.body_snippet(200)
                ),
            ),
            Err(d) => lost::partial(
                e,
                format!("{note} and deleting it in case failed too ({d}); access key {key_id} of user '{user}' may have been left behind"),
            ),
        }
        .with_resource(ResourceKind::User, user))
    }

    /// Checks that a service account just created for `user` belongs to it. A server that
    /// ignores `targetUser` (or a proxy that drops it) creates the key for the caller instead,
    /// usually root: handing that key out would give a tenant root's powers. So the key is read
    /// back; if its parent is anyone else, or cannot be read, the key is deleted and the call
    /// fails.
    pub(crate) async fn verify_key_parent(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<()> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let problem = match self
            .admin
            .json::<KeyInfo>(
                Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id),
                Some((ResourceKind::AccessKey, key_id)),
            )
            .await
        {
            Ok(info) if info.parent_user == want => return Ok(()),
            Ok(info) => Error::new(
                ErrorKind::Backend,
                format!(
                    "the server created access key {key_id} for '{}' instead of '{want}' (it ignored targetUser)",
                    info.parent_user
                ),
            ),
            Err(e) => {
                let msg = format!(
                    "reading back new access key {key_id} to check its owner failed: {}",
                    e.message()
                );
                e.with_message(msg)
            }
        };
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await;
        let (kind, outcome) = match resp {
            Ok(r) if r.is_success() => (problem.kind(), "the key was deleted again".to_string()),
            Ok(r) => (
                ErrorKind::Partial,
                format!(
                    "deleting it failed too (HTTP {}: {}); delete access key {key_id} by hand",
                    r.status,
                    r.body_snippet(200)
                ),
            ),
            Err(e) => (
                ErrorKind::Partial,
                format!("deleting it failed too ({e}); delete access key {key_id} by hand"),
            ),
        };
        let msg = format!("{}; {outcome}", problem.message());
        Err(ctx::<D>(
            problem
                .with_kind(kind)
                .with_message(msg)
                .with_resource(ResourceKind::User, user),
            op,
        ))
    }
}

#[async_trait]
impl<D: Dialect> AccessKeyAdmin for MadminProvider<D> {
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        // The server checks the parent user in the same call (RustFS: 400 "target user not
        // exist", MinIO: 404), so it is asked about the user only when the call is refused.
        match self.add_key(instance, user, &req).await {
            Err(e) if matches!(e.http_status(), Some(400 | 404)) => {
                match self.instance_user(instance, user, op).await {
                    Err(u) if u.kind() == ErrorKind::NotFound => Err(u),
                    _ => Err(e),
                }
            }
            r => r,
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_access_keys", instance = %instance))]
    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        let op = "list_access_keys";
        #[derive(Deserialize)]
        struct L {
            #[serde(default)]
            accounts: Vec<KeyInfo>,
        }
        let iam = iam(instance, user);
        let l: L = self
            .admin
            .json(
                Call::new(op, Method::GET, "list-service-accounts").q("user", &iam),
                Some((ResourceKind::User, user)),
            )
            .await?;
        let mut keys: Vec<AccessKey> = l
            .accounts
            .iter()
            .filter(|k| k.parent_user.is_empty() || k.parent_user == iam)
            .filter_map(|k| {
                k.access_key
                    .as_deref()
                    .map(|id| k.to_key(instance, user, id))
            })
            .collect();
        // A key of the user proves the user (the server removes a user's keys with it); an empty
        // list is also what `list-service-accounts` answers for a missing user, so only then is
        // the user asked about.
        if keys.is_empty() {
            self.instance_user(instance, user, op).await?;
        }
        keys.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(keys)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_access_key", instance = %instance))]
    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        let op = "get_access_key";
        match self.key_info(instance, user, key_id, op).await {
            Ok((_, key)) => Ok(key),
            Err(e) => Err(self.name_missing_key(instance, user, op, e).await),
        }
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        let op = "set_access_key_enabled";
        let key = match self.key_info(instance, user, key_id, op).await {
            Ok((_, key)) => key,
            Err(e) => return Err(self.name_missing_key(instance, user, op, e).await),
        };
        let status = if enabled { "on" } else { "off" };
        self.update_key(
            key_id,
            key.session_policy.as_ref(),
            json!({"newStatus": status}),
            op,
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_access_key", instance = %instance))]
    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        let op = "delete_access_key";
        match self.key_info(instance, user, key_id, op).await {
            Ok(_) => {}
            // Gone already is success, unless the instance itself is missing.
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let e = self.name_missing(instance, op, e).await;
                return match e.resource().map(|(k, _)| k) {
                    Some(ResourceKind::Instance) => Err(e),
                    _ => Ok(()),
                };
            }
            Err(e) => return Err(e),
        }
        self.remove_key(key_id, op).await
    }

    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        self.rotate(instance, user, key_id, req).await
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// `delete-service-account` of a key already checked to be the user's.
    async fn remove_key(&self, key_id: &str, op: &'static str) -> Result<()> {
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await?;
        // RustFS answers 400 "service account not exist" for a key that is already gone.
        if resp.is_success()
            || resp.status == 404
            || resp.status == 400 && resp.body_snippet(500).contains("not exist")
        {
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::AccessKey, key_id))))
    }

    async fn rotate(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        let old = match self.key_info(instance, user, key_id, op).await {
            Ok((_, key)) => key,
            Err(e) => return Err(self.name_missing_key(instance, user, op, e).await),
        };
        let mut template = CreateAccessKey::new();
        template.name = old.name.clone();
        template.description = old.description.clone();
        template.session_policy = old.session_policy.clone();
        let new = self.add_key(instance, user, &template).await?;
        let retired: Result<OldKey> = async {
            match req.grace {
                Some(g) => {
                    let mut at = (OffsetDateTime::now_utc() + g)
                        .replace_nanosecond(0)
                        .expect("0 is valid");
                    if let Some(e) = old.expiration {
                        at = at.min(e);
                    }
                    self.update_key(
                        key_id,
                        old.session_policy.as_ref(),
                        json!({"newExpiration": at.format(&Rfc3339).expect("format")}),
                        op,
                    )
                    .await?;
                    Ok(OldKey::ExpiresAt(at))
                }
                None => {
                    // Checked to be the user's just above.
                    self.remove_key(key_id, op).await?;
                    Ok(OldKey::Deleted)
                }
            }
        }
        .await;
        match retired {
            Ok(fate) => Ok(RotatedAccessKey::new(new, fate)),
            Err(e) => {
                let undo = self.delete_access_key(instance, user, &new.key.id).await;
                let msg = match undo {
                    Ok(()) => format!(
                        "retiring the old key failed: {}; the new key was deleted again",
                        e.message()
                    ),
                    Err(u) => format!(
                        "retiring the old key failed: {}; deleting the new key {} failed too: {u}",
                        e.message(),
                        new.key.id
                    ),
                };
                let kind = if msg.contains("failed too") {
                    ErrorKind::Partial
                } else {
                    e.kind()
                };
                Err(ctx::<D>(e.with_kind(kind).with_message(msg), op))
            }
        }
    }
}
