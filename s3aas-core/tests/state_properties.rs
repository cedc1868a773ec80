//! Properties of the desired-state layer on the in-memory provider, for random specs and random
//! server states: `apply(plan(spec))` leaves nothing to do; applying again changes nothing; a
//! change made behind the SDK's back shows in `drift` and the next apply repairs it; a plan
//! interrupted midway leaves exactly the remaining changes.

use proptest::prelude::*;
use s3aas_core::model::*;
use s3aas_core::provider::*;
use s3aas_core::state::{self, Ensure, Op, Spec};
use s3aas_core::state::{BucketState, KeyState, PolicyState, TenantState, UserState};
use s3aas_core::{Client, ErrorKind, MemoryProvider, PolicyDocument};
use serde_json::json;
use std::sync::Arc;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// A policy on `bucket`, in one of several spellings of the same meaning (statement order,
/// single values or lists, a condition written either way), or a different one.
fn doc(bucket: &str, variant: u8) -> PolicyDocument {
    let obj = format!("arn:aws:s3:::{bucket}/*");
    let v = match variant % 4 {
        0 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": obj,
             "Condition": {"Bool": {"aws:SecureTransport": true}}},
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [format!("arn:aws:s3:::{bucket}")]}]}),
        1 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": format!("arn:aws:s3:::{bucket}")},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [obj],
             "Condition": {"Bool": {"aws:SecureTransport": ["true"]}}}]}),
        2 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": [obj]}]}),
        _ => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": obj,
             "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}}]}),
    };
    PolicyDocument::from_value(v).unwrap()
}

/// A bucket's shape: versioning, encryption, tag count, policy variant (3: none), quota.
type BucketShape = (Option<bool>, Option<bool>, u8, Option<u8>, bool);
/// A user's shape: enabled, attached policy indexes, keys (enabled, present).
type UserShape = (bool, Vec<usize>, Vec<(bool, bool)>);

#[derive(Clone, Debug)]
struct Shape {
    buckets: Vec<BucketShape>,
    users: Vec<UserShape>,
    policies: Vec<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    let bucket = (
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        0u8..3,
        proptest::option::of(0u8..4),
        any::<bool>(),
    );
    let user = (
        any::<bool>(),
        proptest::collection::vec(0usize..3, 0..3),
        proptest::collection::vec((any::<bool>(), any::<bool>()), 0..3),
    );
    (
        proptest::collection::vec(bucket, 0..4),
        proptest::collection::vec(user, 0..4),
        proptest::collection::vec(0u8..4, 0..3),
    )
        .prop_map(|(buckets, users, policies)| Shape {
            buckets,
            users,
            policies,
        })
}

/// A tenant from a shape: everything adopted, so a server state made by someone else is
/// claimed rather than a conflict.
fn tenant(inst: &str, s: &Shape) -> TenantState {
    let mut t = TenantState::new(inst);
    t.prune = true;
    for (i, (versioning, encrypt, ntags, policy, quota)) in s.buckets.iter().enumerate() {
        let name = format!("{inst}-b{i}");
        let mut b = BucketState::new(&name);
        b.adopt = true;
        b.versioning = *versioning;
        b.encryption = encrypt.map(|e| {
            if e {
                Encryption::Aes256
            } else {
                Encryption::None
            }
        });
        b.tags = Some(
            (0..*ntags)
                .map(|k| (format!("k{k}"), format!("v{k}")))
                .collect(),
        );
        b.policy = policy.map(|v| {
            (v < 3).then(|| {
                PolicyDocument::from_value(json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": format!("arn:aws:s3:::{name}/*")}]}))
                .unwrap()
            })
        });
        b.quota = quota.then_some(Some(Quota::hard(1 << 30)));
        t.buckets.push(b);
    }
    for (i, v) in s.policies.iter().enumerate() {
        t.policies.push(PolicyState::new(
            format!("p{i}"),
            doc(&format!("{inst}-b0"), *v),
        ));
    }
    for (i, (enabled, pols, keys)) in s.users.iter().enumerate() {
        let mut u = UserState::new(format!("u{i}"));
        u.adopt = true;
        u.enabled = *enabled;
        let mut ps: Vec<String> = pols
            .iter()
            .filter(|p| **p < s.policies.len())
            .map(|p| format!("p{p}"))
            .collect();
        ps.sort();
        ps.dedup();
        u.policies = Some(ps);
        for (k, (enabled, present)) in keys.iter().enumerate() {
            let mut key = KeyState::new(format!("k{k}"));
            key.enabled = *enabled;
            if !present {
                key.ensure = Ensure::Absent;
            }
            u.keys.push(key);
        }
        t.users.push(u);
    }
    t
}

fn executable(p: &state::Plan) -> Vec<String> {
    p.executable().map(|(i, c)| format!("{i}: {c}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn apply_converges_and_is_idempotent(before in shape(), after in shape()) {
        rt().block_on(async {
            let mem = Arc::new(MemoryProvider::new());
            let c = Client::new(mem.clone());
            // A random server state: an earlier spec applied, plus a foreign user and bucket.
            let earlier = Spec::new(vec![tenant("acme", &before)]);
            let p0 = state::plan(&c, &earlier).await.unwrap();
            let r0 = state::apply(&c, &p0, Default::default()).await;
            prop_assert!(r0.is_complete(), "{r0}");
            mem.create_user("acme", CreateUser::new("foreign")).await.unwrap();
            mem.create_bucket("acme", CreateBucket::new("acme-foreign")).await.unwrap();

            let spec = Spec::new(vec![tenant("acme", &after)]);
            let p1 = state::plan(&c, &spec).await.unwrap();
            let r1 = state::apply(&c, &p1, Default::default()).await;
            prop_assert!(r1.is_complete(), "{r1}\nplan:\n{p1}");
            let p2 = state::plan(&c, &spec).await.unwrap();
            prop_assert!(executable(&p2).is_empty(), "left after apply:\n{p2}\nfirst plan:\n{p1}");
            let r2 = state::apply(&c, &p2, Default::default()).await;
            prop_assert_eq!(r2.done(), 0);
            // The foreign resources are orphans, reported and never touched.
            let t = &p2.tenants[0];
            prop_assert!(t.orphans.iter().any(|o| o.name == "foreign" && o.origin == state::Origin::Unknown));
            prop_assert!(t.orphans.iter().any(|o| o.name == "acme-foreign"));
            mem.get_user("acme", "foreign").await.unwrap();
            mem.get_bucket("acme", "acme-foreign").await.unwrap();
            Ok(())
        })?;
    }

    #[test]
    fn changes_behind_the_sdks_back_show_as_drift_and_are_repaired(s in shape()) {
        rt().block_on(async {
            let mem = Arc::new(MemoryProvider::new());
            let c = Client::new(mem.clone());
            let spec = Spec::new(vec![tenant("acme", &s)]);
            let p = state::plan(&c, &spec).await.unwrap();
            prop_assert!(state::apply(&c, &p, Default::default()).await.is_complete());
            let t = &spec.tenants[0];
            let mut expected = 0;
            // Through the provider directly, as another tool would.
            if let Some(b) = t.buckets.iter().find(|b| b.versioning.is_some()) {
                let flip = !b.versioning.unwrap();
                mem.update_bucket("acme", &b.name, UpdateBucket::new().versioning(flip)).await.unwrap();
                expected += 1;
            }
            if let Some(u) = t.users.first() {
                mem.set_user_enabled("acme", &u.name, !u.enabled).await.unwrap();
                expected += 1;
            }
            if let Some(p) = t.policies.first() {
                mem.put_policy("acme", s3aas_core::PutPolicy::new(&p.name, doc("elsewhere", 2))).await.unwrap();
                expected += 1;
            }
            let d = state::drift(&c, t).await.unwrap();
            let updates = d.changes.iter().filter(|c| c.op == Op::Update).count();
            prop_assert_eq!(updates, expected, "drift:\n{:?}", d.changes);
            for ch in d.changes.iter().filter(|c| c.op == Op::Update) {
                prop_assert!(ch.fields.iter().all(|f| f.before.is_some() && f.after.is_some()), "{}", ch);
            }
            let plan = state::plan(&c, &spec).await.unwrap();
            prop_assert!(state::apply(&c, &plan, Default::default()).await.is_complete());
            prop_assert!(executable(&state::plan(&c, &spec).await.unwrap()).is_empty());
            Ok(())
        })?;
    }
}

/// A provider that fails the n-th change it is asked to make (reads pass through, counted).
#[derive(Debug)]
struct FailNth {
    inner: Arc<MemoryProvider>,
    left: std::sync::atomic::AtomicI64,
    reads: std::sync::atomic::AtomicU32,
}

impl FailNth {
    fn tick(&self) -> s3aas_core::Result<()> {
        if self.left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            Err(s3aas_core::Error::new(
                ErrorKind::Unavailable,
                "injected failure",
            ))
        } else {
            Ok(())
        }
    }
}

macro_rules! pass {
    ($self:ident . $m:ident ( $($a:expr),* )) => {{
        $self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        $self.inner.$m($($a),*).await
    }};
}
macro_rules! change {
    ($self:ident . $m:ident ( $($a:expr),* )) => {{ $self.tick()?; $self.inner.$m($($a),*).await }};
}

#[async_trait::async_trait]
impl InstanceAdmin for FailNth {
    async fn create_instance(&self, r: CreateInstance) -> s3aas_core::Result<Instance> {
        change!(self.create_instance(r))
    }
    async fn get_instance(&self, id: &str) -> s3aas_core::Result<Instance> {
        pass!(self.get_instance(id))
    }
    async fn list_instances(&self, o: ListOptions) -> s3aas_core::Result<Page<Instance>> {
        pass!(self.list_instances(o))
    }
    async fn update_instance(&self, id: &str, r: UpdateInstance) -> s3aas_core::Result<Instance> {
        change!(self.update_instance(id, r))
    }
    async fn delete_instance(&self, id: &str, r: DeleteInstance) -> s3aas_core::Result<()> {
        change!(self.delete_instance(id, r))
    }
}
#[async_trait::async_trait]
impl BucketAdmin for FailNth {
    async fn create_bucket(&self, i: &str, r: CreateBucket) -> s3aas_core::Result<Bucket> {
        change!(self.create_bucket(i, r))
    }
    async fn get_bucket(&self, i: &str, n: &str) -> s3aas_core::Result<Bucket> {
        pass!(self.get_bucket(i, n))
    }
    async fn list_buckets(&self, i: &str, o: ListOptions) -> s3aas_core::Result<Page<Bucket>> {
        pass!(self.list_buckets(i, o))
    }
    async fn update_bucket(&self, i: &str, n: &str, r: UpdateBucket) -> s3aas_core::Result<Bucket> {
        change!(self.update_bucket(i, n, r))
    }
    async fn delete_bucket(&self, i: &str, n: &str, r: DeleteBucket) -> s3aas_core::Result<()> {
        change!(self.delete_bucket(i, n, r))
    }
    async fn bucket_usage(&self, i: &str, n: &str) -> s3aas_core::Result<BucketUsage> {
        pass!(self.bucket_usage(i, n))
    }
}
#[async_trait::async_trait]
impl UserAdmin for FailNth {
    async fn create_user(&self, i: &str, r: CreateUser) -> s3aas_core::Result<User> {
        change!(self.create_user(i, r))
    }
    async fn get_user(&self, i: &str, n: &str) -> s3aas_core::Result<User> {
        pass!(self.get_user(i, n))
    }
    async fn list_users(&self, i: &str, o: ListOptions) -> s3aas_core::Result<Page<User>> {
        pass!(self.list_users(i, o))
    }
    async fn set_user_enabled(&self, i: &str, n: &str, e: bool) -> s3aas_core::Result<()> {
        change!(self.set_user_enabled(i, n, e))
    }
    async fn delete_user(&self, i: &str, n: &str) -> s3aas_core::Result<()> {
        change!(self.delete_user(i, n))
    }
}
#[async_trait::async_trait]
impl PolicyAdmin for FailNth {
    async fn put_policy(
        &self,
        i: &str,
        r: s3aas_core::PutPolicy,
    ) -> s3aas_core::Result<s3aas_core::Policy> {
        change!(self.put_policy(i, r))
    }
    async fn get_policy(&self, i: &str, n: &str) -> s3aas_core::Result<s3aas_core::Policy> {
        pass!(self.get_policy(i, n))
    }
    async fn list_policies(
        &self,
        i: &str,
        o: ListOptions,
    ) -> s3aas_core::Result<Page<s3aas_core::Policy>> {
        pass!(self.list_policies(i, o))
    }
    async fn delete_policy(&self, i: &str, n: &str) -> s3aas_core::Result<()> {
        change!(self.delete_policy(i, n))
    }
    async fn attach_policy(&self, i: &str, u: &str, p: &str) -> s3aas_core::Result<()> {
        change!(self.attach_policy(i, u, p))
    }
    async fn detach_policy(&self, i: &str, u: &str, p: &str) -> s3aas_core::Result<()> {
        change!(self.detach_policy(i, u, p))
    }
    async fn list_attached_policies(&self, i: &str, u: &str) -> s3aas_core::Result<Vec<String>> {
        pass!(self.list_attached_policies(i, u))
    }
}
#[async_trait::async_trait]
impl AccessKeyAdmin for FailNth {
    async fn create_access_key(
        &self,
        i: &str,
        u: &str,
        r: CreateAccessKey,
    ) -> s3aas_core::Result<NewAccessKey> {
        change!(self.create_access_key(i, u, r))
    }
    async fn list_access_keys(&self, i: &str, u: &str) -> s3aas_core::Result<Vec<AccessKey>> {
        pass!(self.list_access_keys(i, u))
    }
    async fn get_access_key(&self, i: &str, u: &str, k: &str) -> s3aas_core::Result<AccessKey> {
        pass!(self.get_access_key(i, u, k))
    }
    async fn set_access_key_enabled(
        &self,
        i: &str,
        u: &str,
        k: &str,
        e: bool,
    ) -> s3aas_core::Result<()> {
        change!(self.set_access_key_enabled(i, u, k, e))
    }
    async fn delete_access_key(&self, i: &str, u: &str, k: &str) -> s3aas_core::Result<()> {
        change!(self.delete_access_key(i, u, k))
    }
    async fn rotate_access_key(
        &self,
        i: &str,
        u: &str,
        k: &str,
        r: RotateAccessKey,
    ) -> s3aas_core::Result<RotatedAccessKey> {
        change!(self.rotate_access_key(i, u, k, r))
    }
}
#[async_trait::async_trait]
impl ObjectStoreProvider for FailNth {
    fn backend(&self) -> &'static str {
        "memory"
    }
    fn capabilities(&self) -> s3aas_core::Capabilities {
        self.inner.capabilities()
    }
    async fn health(&self) -> s3aas_core::Result<Health> {
        self.inner.health().await
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn an_interrupted_apply_leaves_exactly_the_remaining_changes(s in shape(), nth in 1i64..12) {
        rt().block_on(async {
            let mem = Arc::new(MemoryProvider::new());
            let spec = Spec::new(vec![tenant("acme", &s)]);
            let failing = Client::new(Arc::new(FailNth { inner: mem.clone(), left: nth.into(), reads: Default::default() }));
            let plan = state::plan(&failing, &spec).await.unwrap();
            let report = state::apply(&failing, &plan, Default::default()).await;
            let t = &report.tenants[0];
            let c = Client::new(mem.clone());
            let again = state::plan(&c, &spec).await.unwrap();
            if let Some((failed, _)) = &t.failed {
                // What remains is the failed change and what was not done, as they were planned
                // (a key whose creation failed is planned again the same way).
                let mut want: Vec<String> = std::iter::once(failed).chain(&t.not_done).map(|c| c.to_string()).collect();
                let mut got: Vec<String> = again.tenants[0].executable().map(|c| c.to_string()).collect();
                want.sort();
                got.sort();
                prop_assert_eq!(got, want, "report: {}", report);
            } else {
                prop_assert!(executable(&again).is_empty());
            }
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A plan reads ahead (all of a tenant's bucket, attachment and key reads at once): it must
    /// read exactly what it reports, never something it then does not use.
    #[test]
    fn a_plan_makes_exactly_the_reads_it_reports(
        before in shape(),
        after in shape(),
        absent in proptest::collection::vec(any::<bool>(), 8),
        claim_foreign in proptest::option::of(any::<bool>()),
    ) {
        rt().block_on(async {
            let mem = Arc::new(MemoryProvider::new());
            let c = Client::new(mem.clone());
            let earlier = Spec::new(vec![tenant("acme", &before)]);
            let p0 = state::plan(&c, &earlier).await.unwrap();
            prop_assert!(state::apply(&c, &p0, Default::default()).await.is_complete());
            mem.create_user("acme", CreateUser::new("foreign")).await.unwrap();
            let counting = Arc::new(FailNth { inner: mem.clone(), left: i64::MAX.into(), reads: Default::default() });
            // Some buckets and users to delete, and the foreign user claimed (adopted or, not
            // adopted, a conflict): the paths where a plan reads less.
            let mut t = tenant("acme", &after);
            for (b, gone) in t.buckets.iter_mut().zip(&absent) {
                if *gone { b.ensure = Ensure::Absent; }
            }
            for (u, gone) in t.users.iter_mut().zip(absent.iter().rev()) {
                if *gone { u.ensure = Ensure::Absent; }
            }
            if let Some(adopt) = claim_foreign {
                let mut u = UserState::new("foreign");
                u.adopt = adopt;
                u.policies = Some(Vec::new());
                u.keys.push(KeyState::new("k0"));
                t.users.push(u);
            }
            let spec = Spec::new(vec![t]);
            let plan = state::plan(&Client::new(counting.clone()), &spec).await.unwrap();
            let made = counting.reads.load(std::sync::atomic::Ordering::SeqCst);
            prop_assert_eq!(made, plan.reads(), "plan:\n{}", plan);
            Ok(())
        })?;
    }
}
