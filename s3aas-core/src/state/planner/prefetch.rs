//! The reads a tenant's plan makes after its listings (each bucket's settings, each user's
//! attachments when the listing lacks them, each user's keys), made at once before the
//! comparisons take them one by one. Planning many tenants is bound by the wait for each
//! answer: read one after another, a tenant with one bucket and one user waited for three
//! answers in turn where one wait does. The same predicates decide what is read here and what
//! the comparisons ask for, so nothing is read that is not used; a comparison that finds no
//! prefetched answer reads it itself.

use super::*;
use futures::StreamExt;

/// At most this many of one tenant's reads at once (the tenants themselves are planned
/// `PLAN_CONCURRENCY` at a time), so a tenant of thousands of users does not open thousands of
/// requests.
const READS_AT_ONCE: usize = 8;

/// Answers read ahead, by bucket or user name; each is taken once.
#[derive(Default)]
pub(super) struct Prefetched {
    buckets: BTreeMap<String, Result<Bucket>>,
    attached: BTreeMap<String, Result<Vec<String>>>,
    keys: BTreeMap<String, Result<Vec<AccessKey>>>,
}

/// One read ahead and where its answer goes (a bucket is large beside the others: boxed).
enum Read {
    Bucket(String, Box<Result<Bucket>>),
    Attached(String, Result<Vec<String>>),
    Keys(String, Result<Vec<AccessKey>>),
}

impl Planner<'_> {
    /// Reads, at once, what the comparisons of the spec's buckets and users will ask for.
    pub(super) async fn prefetch(
        &mut self,
        buckets: &BTreeMap<String, Bucket>,
        users: &BTreeMap<String, User>,
    ) {
        let (c, inst) = (self.c, self.tenant.instance.as_str());
        let mut reads: Vec<futures::future::BoxFuture<'_, Read>> = Vec::new();
        for b in &self.tenant.buckets {
            let Some(listed) = buckets.get(&b.name) else {
                continue;
            };
            if b.ensure == Ensure::Absent {
                continue;
            }
            if let Some(parts) = self.bucket_read(b, listed) {
                let name = b.name.clone();
                reads.push(Box::pin(async move {
                    let r = c.get_bucket_parts(inst, &name, parts).await;
                    Read::Bucket(name, Box::new(r))
                }));
            }
        }
        for u in &self.tenant.users {
            let Some(have) = users.get(&u.name) else {
                continue;
            };
            // A user to delete or in conflict: nothing more is read (see `user`).
            if u.ensure == Ensure::Absent || self.user_conflict(u, have) {
                continue;
            }
            if self.attachments_read(u, have) {
                let name = u.name.clone();
                reads.push(Box::pin(async move {
                    let r = c.list_attached_policies(inst, &name).await;
                    Read::Attached(name, r)
                }));
            }
            if self.keys_read(u) {
                let name = u.name.clone();
                reads.push(Box::pin(async move {
                    let r = c.list_access_keys(inst, &name).await;
                    Read::Keys(name, r)
                }));
            }
        }
        let done: Vec<Read> = futures::stream::iter(reads)
            .buffer_unordered(READS_AT_ONCE)
            .collect()
            .await;
        for r in done {
            match r {
                Read::Bucket(n, r) => {
                    self.pre.buckets.insert(n, *r);
                }
                Read::Attached(n, r) => {
                    self.pre.attached.insert(n, r);
                }
                Read::Keys(n, r) => {
                    self.pre.keys.insert(n, r);
                }
            }
        }
    }

    /// The bucket's settings `parts`: read ahead, or read now.
    pub(super) async fn bucket_parts(&mut self, name: &str, parts: BucketParts) -> Result<Bucket> {
        match self.pre.buckets.remove(name) {
            Some(r) => r,
            None => {
                self.c
                    .get_bucket_parts(&self.tenant.instance, name, parts)
                    .await
            }
        }
    }

    /// The user's attached policies: read ahead, or read now.
    pub(super) async fn attached(&mut self, user: &str) -> Result<Vec<String>> {
        match self.pre.attached.remove(user) {
            Some(r) => r,
            None => {
                self.c
                    .list_attached_policies(&self.tenant.instance, user)
                    .await
            }
        }
    }

    /// The user's keys: read ahead, or read now.
    pub(super) async fn user_keys(&mut self, user: &str) -> Result<Vec<AccessKey>> {
        match self.pre.keys.remove(user) {
            Some(r) => r,
            None => self.c.list_access_keys(&self.tenant.instance, user).await,
        }
    }
}
