//! Planning users, named policies, attachments and access keys.

use super::*;

impl Planner<'_> {
    pub(super) fn put_policy(&mut self, p: &PolicyState, have: Option<&Policy>) {
        if !self.caps.policies {
            self.unsupported(ResourceKind::Policy, &p.name, "named policies", "policies");
            return;
        }
        let op = if have.is_some() {
            Op::Update
        } else {
            Op::Create
        };
        self.push(
            Change::new(
                op,
                ResourceKind::Policy,
                &p.name,
                Action::PutPolicy {
                    document: p.document.clone(),
                },
            )
            .with_fields(vec![field(
                "document",
                have.map(|h| h.document.as_value()),
                p.document.as_value(),
            )]),
        );
    }

    pub(super) fn policy(&mut self, p: &PolicyState, have: Option<&Policy>) {
        match (p.ensure, have) {
            (Ensure::Absent, Some(_)) => {
                self.push(Change::new(
                    Op::Delete,
                    ResourceKind::Policy,
                    &p.name,
                    Action::DeletePolicy,
                ));
            }
            (Ensure::Absent, None) => {}
            (Ensure::Present, Some(h)) if h.document.semantically_eq(&p.document) => {}
            (Ensure::Present, h) => self.put_policy(p, h),
        }
    }

    pub(super) fn create_user(&mut self, u: &UserState) {
        let mut tags = u.tags.clone().unwrap_or_default();
        if self.caps.user_tags {
            tags.insert(MARKER.into(), MADE.into());
        } else if !tags.is_empty() {
            self.unsupported(ResourceKind::User, &u.name, "user tags", "user_tags");
            tags.clear();
        }
        let mut enabled = u.enabled;
        if !enabled && !self.caps.user_disable {
            self.unsupported(
                ResourceKind::User,
                &u.name,
                "disabled users",
                "user_disable",
            );
            enabled = true;
        }
        let mut fields = vec![field("enabled", None::<bool>, enabled)];
        if !tags.is_empty() {
            fields.push(field("tags", None::<Tags>, &tags));
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::User,
                &u.name,
                Action::CreateUser { enabled, tags },
            )
            .with_fields(fields),
        );
        for p in u.policies.iter().flatten() {
            self.attach(&u.name, p, true);
        }
        for k in &u.keys {
            if wanted(k.ensure) {
                self.create_key(&u.name, k);
            }
        }
    }

    pub(super) fn attach(&mut self, user: &str, policy: &str, attach: bool) {
        if !self.caps.policy_attach {
            self.unsupported(
                ResourceKind::Policy,
                policy,
                "policy attachments",
                "policy_attach",
            );
            return;
        }
        let user = user.to_string();
        let (op, action) = if attach {
            (Op::Create, Action::Attach { user })
        } else {
            (Op::Delete, Action::Detach { user })
        };
        self.push(
            Change::new(op, ResourceKind::Policy, policy, action)
                .with_fields(vec![field("attached", !attach, attach)]),
        );
    }

    /// Whether an existing user is a conflict (its plan then ends before its attachments and
    /// keys are read). Users can be marked only at creation (no backend changes a user's tags
    /// later), so an unmarked user is a conflict only where marks exist and it is not adopted.
    pub(super) fn user_conflict(&self, u: &UserState, have: &User) -> bool {
        self.caps.user_tags && origin(have.tags.as_ref()) == Origin::Unknown && !u.adopt
    }

    /// Whether the user's attached policies must be read: the spec names them and the
    /// listing's record does not carry them (some backends' do).
    pub(super) fn attachments_read(&self, u: &UserState, have: &User) -> bool {
        u.policies.is_some() && self.caps.policy_attach && have.policies.is_none()
    }

    /// Whether the user's keys must be read: the spec names keys, or prune may delete others.
    pub(super) fn keys_read(&self, u: &UserState) -> bool {
        !u.keys.is_empty() || self.tenant.prune
    }

    pub(super) async fn user(&mut self, u: &UserState, have: Option<&User>) -> Result<()> {
        let name = u.name.as_str();
        let Some(have) = have else {
            if wanted(u.ensure) {
                self.create_user(u);
            }
            return Ok(());
        };
        if u.ensure == Ensure::Absent {
            self.push(Change::new(
                Op::Delete,
                ResourceKind::User,
                name,
                Action::DeleteUser,
            ));
            return Ok(());
        }
        if self.user_conflict(u, have) {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::User,
                name,
                "the user exists but the desired state did not make it; set `adopt: true` to manage it",
            ));
            return Ok(());
        }
        if u.enabled != have.enabled {
            if self.caps.user_disable {
                self.push(
                    Change::new(
                        Op::Update,
                        ResourceKind::User,
                        name,
                        Action::SetUserEnabled { enabled: u.enabled },
                    )
                    .with_fields(vec![field(
                        "enabled",
                        have.enabled,
                        u.enabled,
                    )]),
                );
            } else {
                self.unsupported(ResourceKind::User, name, "disabling users", "user_disable");
            }
        }
        if let (Some(want), Some(tags)) = (&u.tags, &have.tags) {
            if *want != without_marker(tags) {
                self.push(
                    Change::blocked(
                        Op::Unsupported,
                        ResourceKind::User,
                        name,
                        "user tags are set at creation only",
                    )
                    .with_fields(vec![field(
                        "tags",
                        without_marker(tags),
                        want,
                    )]),
                );
            }
        }
        if let Some(want) = &u.policies {
            if self.caps.policy_attach {
                // The listing's record says, when the backend's carries them.
                let attached = match have.policies.clone() {
                    Some(p) => p,
                    None => {
                        self.reads += 1;
                        self.attached(name).await?
                    }
                };
                for p in want.iter().filter(|p| !attached.contains(p)) {
                    self.attach(name, p, true);
                }
                for p in attached.iter().filter(|p| !want.contains(p)) {
                    self.attach(name, p, false);
                }
            } else if !want.is_empty() {
                self.unsupported(
                    ResourceKind::User,
                    name,
                    "policy attachments",
                    "policy_attach",
                );
            }
        }
        self.keys(u).await
    }

    pub(super) fn create_key(&mut self, user: &str, k: &KeyState) {
        let key_name = format!("{user}/{}", k.name);
        if k.adopt.is_some() {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::AccessKey,
                &key_name,
                "the key to adopt does not exist",
            ));
            return;
        }
        if !self.caps.access_key_name {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "keys known by name",
                "access_key_name",
            );
            return;
        }
        let mut enabled = k.enabled;
        if !enabled && !self.caps.access_key_disable {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "disabled keys",
                "access_key_disable",
            );
            enabled = true;
        }
        let description = self
            .caps
            .access_key_description
            .then(|| KEY_MARK.to_string());
        let mut expiration = k.expires;
        if expiration.is_some() && !self.caps.access_key_expiry {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "key expiry",
                "access_key_expiry",
            );
            expiration = None;
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::AccessKey,
                &key_name,
                Action::CreateKey {
                    user: user.to_string(),
                    name: k.name.clone(),
                    enabled,
                    description,
                    expiration,
                },
            )
            .with_fields(
                [
                    Some(field("enabled", None::<bool>, enabled)),
                    expiration.map(|e| field("expires", None::<()>, crate::audit::rfc3339(e))),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )
            .with_reason("its secret is in the apply report, once"),
        );
    }

    pub(super) async fn keys(&mut self, u: &UserState) -> Result<()> {
        let user = u.name.as_str();
        if !self.keys_read(u) {
            return Ok(());
        }
        self.reads += 1;
        let have = self.user_keys(user).await?;
        let mut claimed = BTreeSet::new();
        for k in &u.keys {
            let key_name = format!("{user}/{}", k.name);
            let found = have.iter().find(|h| match &k.adopt {
                Some(id) => &h.access_key_id == id || &h.id == id,
                None => h.name.as_deref() == Some(k.name.as_str()),
            });
            let Some(h) = found else {
                if wanted(k.ensure) {
                    self.create_key(user, k);
                }
                continue;
            };
            claimed.insert(h.id.clone());
            let id = h.id.clone();
            if k.ensure == Ensure::Absent {
                self.push(
                    Change::new(
                        Op::Delete,
                        ResourceKind::AccessKey,
                        &key_name,
                        Action::DeleteKey {
                            user: user.into(),
                            key_id: id,
                        },
                    )
                    .with_fields(vec![field(
                        "access_key_id",
                        &h.access_key_id,
                        None::<String>,
                    )]),
                );
                continue;
            }
            if h.enabled != k.enabled {
                if self.caps.access_key_disable {
                    self.push(
                        Change::new(
                            Op::Update,
                            ResourceKind::AccessKey,
                            &key_name,
                            Action::SetKeyEnabled {
                                user: user.into(),
                                key_id: id.clone(),
                                enabled: k.enabled,
                            },
                        )
                        .with_fields(vec![field("enabled", h.enabled, k.enabled)]),
                    );
                } else {
                    self.unsupported(
                        ResourceKind::AccessKey,
                        &key_name,
                        "disabling keys",
                        "access_key_disable",
                    );
                }
            }
            // Expiry is set at creation; compared to the second (servers keep no finer).
            if let Some(want) = k.expires {
                let same = h
                    .expiration
                    .is_some_and(|e| e.unix_timestamp() == want.unix_timestamp());
                if !same && self.caps.access_key_expiry {
                    self.push(
                        Change::blocked(
                            Op::Unsupported,
                            ResourceKind::AccessKey,
                            &key_name,
                            "a key's expiry is set at creation only (rotate or recreate the key)",
                        )
                        .with_fields(vec![field(
                            "expires",
                            h.expiration.map(crate::audit::rfc3339),
                            crate::audit::rfc3339(want),
                        )]),
                    );
                }
            }
            if let (Some(days), Some(created)) = (k.max_age_days, h.created) {
                let age = self.now - created;
                if age > time::Duration::days(i64::from(days)) {
                    let grace = k.rotation_grace_seconds.filter(|s| *s > 0);
                    if grace.is_some() && !self.caps.access_key_rotation_grace {
                        self.unsupported(
                            ResourceKind::AccessKey,
                            &key_name,
                            "a rotation grace period",
                            "access_key_rotation_grace",
                        );
                    } else {
                        self.push(
                            Change::new(
                                Op::Rotate,
                                ResourceKind::AccessKey,
                                &key_name,
                                Action::RotateKey { user: user.into(), key_id: id, grace_seconds: grace },
                            )
                            .with_fields(vec![field("age_days", age.whole_days(), None::<i64>)])
                            .with_reason(format!("older than {days} days; the new secret is in the apply report, once")),
                        );
                    }
                }
            }
        }
        for h in have.iter().filter(|h| !claimed.contains(&h.id)) {
            let origin = if h.description.as_deref() == Some(KEY_MARK) {
                Origin::Made
            } else {
                Origin::Unknown
            };
            let name = format!("{user}/{}", h.id);
            self.orphan(
                ResourceKind::AccessKey,
                &name,
                origin,
                Action::DeleteKey {
                    user: user.into(),
                    key_id: h.id.clone(),
                },
            );
        }
        Ok(())
    }
}
