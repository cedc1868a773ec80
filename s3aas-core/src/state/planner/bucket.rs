//! Planning buckets: create, compare every managed setting, adopt, orphans.

use super::*;

impl Planner<'_> {
    /// The settings to read for a listed bucket: every setting the spec manages and its tags
    /// (which carry the desired state's mark); `None` when the listing reports them all.
    pub(super) fn bucket_read(&self, b: &BucketState, listed: &Bucket) -> Option<BucketParts> {
        let mut parts = BucketParts::none().tags();
        parts.versioning = b.versioning.is_some();
        parts.encryption = b.encryption.is_some();
        parts.object_lock = b.object_lock.is_some();
        parts.quota = b.quota.is_some();
        parts.policy = b.policy.is_some();
        (!parts.reported_by(listed, self.caps.bucket_quota.at_creation())).then_some(parts)
    }

    /// The bucket with every setting the spec manages known: the listed one if it reports
    /// them, else read, asking only for those (a backend reading settings one request each
    /// skips the others).
    pub(super) async fn full_bucket(&mut self, b: &BucketState, listed: &Bucket) -> Result<Bucket> {
        let Some(parts) = self.bucket_read(b, listed) else {
            return Ok(listed.clone());
        };
        self.reads += 1;
        self.bucket_parts(&listed.name, parts).await
    }

    pub(super) fn create_bucket(&mut self, b: &BucketState) {
        let caps = self.caps;
        let name = &b.name;
        let mut tags = b.tags.clone().unwrap_or_default();
        if caps.bucket_tags.at_creation() {
            tags.insert(MARKER.into(), MADE.into());
        } else if !tags.is_empty() {
            self.unsupported(ResourceKind::Bucket, name, "bucket tags", "bucket_tags");
            tags.clear();
        }
        let gate =
            |on: bool, s: crate::model::Support, what: &str, cap: &str, p: &mut Self| -> bool {
                if on && !s.at_creation() {
                    p.unsupported(ResourceKind::Bucket, name, what, cap);
                    false
                } else {
                    on
                }
            };
        let versioning = b.versioning.filter(|v| {
            gate(
                *v,
                caps.bucket_versioning,
                "bucket versioning",
                "bucket_versioning",
                self,
            )
        });
        let encryption = b.encryption.filter(|e| {
            gate(
                e.is_enabled(),
                caps.bucket_encryption,
                "bucket encryption",
                "bucket_encryption",
                self,
            )
        });
        let object_lock = gate(
            b.object_lock == Some(true),
            caps.bucket_object_lock,
            "object lock",
            "bucket_object_lock",
            self,
        );
        let quota = b.quota.flatten().filter(|_| {
            gate(
                true,
                caps.bucket_quota,
                "bucket quotas",
                "bucket_quota",
                self,
            )
        });
        let policy = b.policy.clone().flatten().filter(|_| {
            gate(
                true,
                caps.bucket_policy,
                "bucket policies",
                "bucket_policy",
                self,
            )
        });
        let owner = b.owner.clone().filter(|_| {
            if caps.bucket_owner {
                true
            } else {
                self.unsupported(ResourceKind::Bucket, name, "bucket owners", "bucket_owner");
                false
            }
        });
        let mut fields = vec![];
        if let Some(v) = versioning {
            fields.push(field("versioning", None::<bool>, v));
        }
        if let Some(e) = encryption {
            fields.push(field("encryption", None::<Encryption>, e));
        }
        if object_lock {
            fields.push(field("object_lock", None::<bool>, true));
        }
        if let Some(q) = &quota {
            fields.push(field("quota", None::<Quota>, q));
        }
        if let Some(p) = &policy {
            fields.push(field("policy", None::<()>, p.as_value()));
        }
        if !tags.is_empty() {
            fields.push(field("tags", None::<Tags>, &tags));
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::Bucket,
                name,
                Action::CreateBucket {
                    versioning,
                    encryption,
                    object_lock,
                    quota,
                    policy,
                    tags,
                    owner,
                },
            )
            .with_fields(fields),
        );
    }

    pub(super) async fn bucket(&mut self, b: &BucketState, listed: Option<&Bucket>) -> Result<()> {
        let name = b.name.as_str();
        let Some(listed) = listed else {
            if wanted(b.ensure) {
                self.create_bucket(b);
            }
            return Ok(());
        };
        if b.ensure == Ensure::Absent {
            self.push(Change::new(
                Op::Delete,
                ResourceKind::Bucket,
                name,
                Action::DeleteBucket {
                    force: b.force_delete,
                },
            ));
            return Ok(());
        }
        let cur = self.full_bucket(b, listed).await?;
        let caps = self.caps;
        let markable = caps.bucket_tags.in_update();
        let was = origin(cur.tags.as_ref());
        if was == Origin::Unknown && markable && !b.adopt {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::Bucket,
                name,
                "the bucket exists but the desired state did not make it; set `adopt: true` to manage it",
            ));
            return Ok(());
        }
        let mut upd = UpdateBucket::new();
        let mut fields = Vec::new();
        if let Some(v) = b
            .versioning
            .filter(|v| !versioning_matches(cur.versioning, *v))
        {
            if caps.bucket_versioning.in_update() {
                fields.push(field("versioning", cur.versioning, v));
                upd.versioning = Some(v);
            } else {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket versioning",
                    "bucket_versioning",
                );
            }
        }
        if let Some(e) = b
            .encryption
            .filter(|e| cur.encryption.is_some_and(|c| c != *e))
        {
            if caps.bucket_encryption.in_update() {
                fields.push(field("encryption", cur.encryption, e));
                upd.encryption = Some(e);
            } else {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket encryption",
                    "bucket_encryption",
                );
            }
        }
        if let (Some(want), Some(have)) = (b.object_lock, cur.object_lock) {
            if want != have {
                self.push(
                    Change::blocked(
                        Op::Unsupported,
                        ResourceKind::Bucket,
                        name,
                        "object lock is set at creation only",
                    )
                    .with_fields(vec![field("object_lock", have, want)]),
                );
            }
        }
        // A quota the server could not report (`None`) is unknown, not a difference.
        if let (Some(want), Some(have)) = (&b.quota, &cur.quota) {
            if want != have {
                if caps.bucket_quota.in_update() {
                    fields.push(field("quota", have, want));
                    upd.quota = Some(*want);
                } else {
                    self.unsupported(
                        ResourceKind::Bucket,
                        name,
                        "changing bucket quotas",
                        "bucket_quota",
                    );
                }
            }
        }
        if let (Some(want), Some(have)) = (&b.policy, &cur.policy) {
            let same = match (want, have) {
                (Some(w), Some(h)) => w.semantically_eq(h),
                (None, None) => true,
                _ => false,
            };
            if !same {
                if caps.bucket_policy.in_update() {
                    fields.push(field(
                        "policy",
                        have.as_ref().map(|p| p.as_value()),
                        want.as_ref().map(|p| p.as_value()),
                    ));
                    upd.policy = Some(want.clone());
                } else {
                    self.unsupported(
                        ResourceKind::Bucket,
                        name,
                        "changing bucket policies",
                        "bucket_policy",
                    );
                }
            }
        }
        let mut op = Op::Update;
        if markable {
            let have = cur.tags.clone().unwrap_or_default();
            let mark = match was {
                Origin::Made => MADE,
                Origin::Adopted | Origin::Unknown => ADOPTED,
            };
            let base = b.tags.clone().unwrap_or_else(|| without_marker(&have));
            let want = with_marker(&base, mark);
            if want != have {
                if was == Origin::Unknown {
                    op = Op::Adopt;
                }
                fields.push(field("tags", &have, &want));
                upd.tags = Some(want);
            }
        } else if let (Some(want), Some(have)) = (&b.tags, &cur.tags) {
            if want != have {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket tags",
                    "bucket_tags",
                );
            }
        }
        if !fields.is_empty() {
            self.push(
                Change::new(op, ResourceKind::Bucket, name, update_action(&upd))
                    .with_fields(fields),
            );
        }
        Ok(())
    }

    pub(super) async fn orphan_buckets(
        &mut self,
        buckets: &BTreeMap<String, Bucket>,
    ) -> Result<()> {
        let spec: BTreeSet<&str> = self
            .tenant
            .buckets
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        for (name, b) in buckets {
            if spec.contains(name.as_str()) {
                continue;
            }
            // Who made it decides whether `prune` may delete it: read its tags if the listing
            // did not carry them (only for orphans, and only where tags exist).
            let tags = match (&b.tags, self.caps.bucket_tags.at_creation()) {
                (Some(t), _) => Some(t.clone()),
                (None, true) => {
                    self.reads += 1;
                    self.c.get_bucket(&self.tenant.instance, name).await?.tags
                }
                (None, false) => None,
            };
            self.orphan(
                ResourceKind::Bucket,
                name,
                origin(tags.as_ref()),
                Action::DeleteBucket { force: false },
            );
        }
        Ok(())
    }
}

fn update_action(u: &UpdateBucket) -> Action {
    Action::UpdateBucket {
        versioning: u.versioning,
        encryption: u.encryption,
        quota: u.quota,
        policy: u.policy.clone(),
        tags: u.tags.clone(),
    }
}
