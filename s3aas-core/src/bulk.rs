//! Large estates: listings as streams, and bulk operations with bounded concurrency.
//!
//! The `stream_*` functions walk a paged listing lazily, one page in memory at a time, so
//! listing 100,000 users costs the memory of one page. The `*_many` functions run one call per
//! item with at most `concurrency` in flight and report each item's own outcome (a failure does
//! not stop the others), in input order.

use crate::error::Result;
use crate::model::*;
use crate::policy::Policy;
use crate::provider::ObjectStoreProvider;
use futures::stream::{self, BoxStream, StreamExt};
use std::future::Future;

/// Streams every item of a paged listing, fetching the next page only when the previous one has
/// been consumed. A failed page ends the stream with that error.
pub fn paged<'a, T, F, Fut>(
    page_size: u32,
    prefix: Option<String>,
    fetch: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: Fn(ListOptions) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>>> + Send + 'a,
{
    let mut first = ListOptions::new().limit(page_size.max(1));
    if let Some(p) = prefix {
        first = first.prefix(p);
    }
    stream::unfold(Some(first), move |next| {
        let fut = next.map(|opts| (opts.clone(), fetch(opts)));
        async move {
            let (opts, fut) = fut?;
            match fut.await {
                Ok(page) => {
                    let next = page.next.map(|n| opts.continuation(n));
                    Some((
                        stream::iter(page.items.into_iter().map(Ok)).left_stream(),
                        next,
                    ))
                }
                Err(e) => Some((stream::iter(vec![Err(e)]).right_stream(), None)),
            }
        }
    })
    .flatten()
    .boxed()
}

/// Every instance, a page at a time.
pub fn stream_instances(
    p: &dyn ObjectStoreProvider,
    page_size: u32,
) -> BoxStream<'_, Result<Instance>> {
    paged(page_size, None, move |o| p.list_instances(o))
}

/// Every user of an instance, a page at a time.
pub fn stream_users<'a>(
    p: &'a dyn ObjectStoreProvider,
    instance: &'a str,
    page_size: u32,
) -> BoxStream<'a, Result<User>> {
    paged(page_size, None, move |o| p.list_users(instance, o))
}

/// Every bucket of an instance, a page at a time.
pub fn stream_buckets<'a>(
    p: &'a dyn ObjectStoreProvider,
    instance: &'a str,
    page_size: u32,
) -> BoxStream<'a, Result<Bucket>> {
    paged(page_size, None, move |o| p.list_buckets(instance, o))
}

/// Every policy of an instance, a page at a time.
pub fn stream_policies<'a>(
    p: &'a dyn ObjectStoreProvider,
    instance: &'a str,
    page_size: u32,
) -> BoxStream<'a, Result<Policy>> {
    paged(page_size, None, move |o| p.list_policies(instance, o))
}

/// Runs `op` for every item with at most `concurrency` calls in flight; returns each item with
/// its own outcome, in input order.
pub async fn for_each_bounded<'a, I, T, R, F, Fut>(
    items: I,
    concurrency: usize,
    op: F,
) -> Vec<(T, Result<R>)>
where
    I: IntoIterator<Item = T> + Send,
    I::IntoIter: Send,
    T: Clone + Send + 'a,
    R: Send,
    F: Fn(T) -> Fut + Send,
    Fut: Future<Output = Result<R>> + Send + 'a,
{
    stream::iter(items)
        .map(move |item| {
            let fut = op(item.clone());
            async move { (item, fut.await) }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// Creates many users in one instance, at most `concurrency` at a time.
pub async fn create_users_many(
    p: &dyn ObjectStoreProvider,
    instance: &str,
    users: Vec<CreateUser>,
    concurrency: usize,
) -> Vec<(CreateUser, Result<User>)> {
    for_each_bounded(users, concurrency, |u| p.create_user(instance, u)).await
}

/// Deletes many users of one instance, at most `concurrency` at a time.
pub async fn delete_users_many(
    p: &dyn ObjectStoreProvider,
    instance: &str,
    names: Vec<String>,
    concurrency: usize,
) -> Vec<(String, Result<()>)> {
    for_each_bounded(names, concurrency, |n| async move {
        p.delete_user(instance, &n).await
    })
    .await
}

/// Creates one access key for each of many users, at most `concurrency` at a time.
pub async fn create_access_keys_many(
    p: &dyn ObjectStoreProvider,
    instance: &str,
    users: Vec<String>,
    req: CreateAccessKey,
    concurrency: usize,
) -> Vec<(String, Result<NewAccessKey>)> {
    for_each_bounded(users, concurrency, |u| {
        let req = req.clone();
        async move { p.create_access_key(instance, &u, req).await }
    })
    .await
}

/// Creates many buckets in one instance, at most `concurrency` at a time.
pub async fn create_buckets_many(
    p: &dyn ObjectStoreProvider,
    instance: &str,
    buckets: Vec<CreateBucket>,
    concurrency: usize,
) -> Vec<(CreateBucket, Result<Bucket>)> {
    for_each_bounded(buckets, concurrency, |b| p.create_bucket(instance, b)).await
}

/// Deletes many buckets of one instance, at most `concurrency` at a time.
pub async fn delete_buckets_many(
    p: &dyn ObjectStoreProvider,
    instance: &str,
    names: Vec<String>,
    req: DeleteBucket,
    concurrency: usize,
) -> Vec<(String, Result<()>)> {
    for_each_bounded(names, concurrency, |n| {
        let req = req.clone();
        async move { p.delete_bucket(instance, &n, req).await }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryProvider;
    use crate::prelude::*;
    use futures::TryStreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn bulk_reports_each_outcome_and_streams_walk_everything() {
        let p = MemoryProvider::new().into_client();
        p.create_instance(CreateInstance::new("big")).await.unwrap();
        let mut reqs: Vec<CreateUser> = (0..250)
            .map(|i| CreateUser::new(format!("user{i:04}")))
            .collect();
        reqs.push(CreateUser::new("user0007")); // duplicate: fails on its own
        reqs.push(CreateUser::new("x")); // invalid: fails on its own
        let out = create_users_many(&p, "big", reqs, 8).await;
        assert_eq!(out.len(), 252);
        assert_eq!(out.iter().filter(|(_, r)| r.is_ok()).count(), 250);
        assert_eq!(
            out[250].1.as_ref().unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            out[251].1.as_ref().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(out[3].0.name, "user0003", "results keep input order");

        let names: Vec<String> = stream_users(&p, "big", 7)
            .map_ok(|u| u.name)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names.len(), 250);
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, each once");

        let keys = create_access_keys_many(
            &p,
            "big",
            vec!["user0001".into(), "nobody".into()],
            CreateAccessKey::new(),
            2,
        )
        .await;
        assert!(keys[0].1.is_ok() && keys[1].1.as_ref().unwrap_err().kind() == ErrorKind::NotFound);
        let del = delete_users_many(&p, "big", names.clone(), 16).await;
        assert!(del.iter().all(|(_, r)| r.is_ok()));
        assert_eq!(stream_users(&p, "big", 50).count().await, 0);
    }

    #[tokio::test]
    async fn concurrency_is_bounded_and_pages_are_fetched_lazily() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = for_each_bounded(0..40, 3, |i| {
            let (f, pk) = (&in_flight, &peak);
            async move {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                pk.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                f.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, crate::Error>(i * 2)
            }
        })
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert_eq!(out[39].1.as_ref().unwrap(), &78);

        let fetched = AtomicUsize::new(0);
        let s = paged(10, None, |o: ListOptions| {
            fetched.fetch_add(1, Ordering::SeqCst);
            let start: u32 = o
                .continuation
                .as_deref()
                .map(|c| c.parse::<u32>().unwrap() + 1)
                .unwrap_or(0);
            async move {
                let items: Vec<u32> = (start..(start + 10).min(1000)).collect();
                let next = (start + 10 < 1000).then(|| (start + 9).to_string());
                Ok(Page::new(items, next))
            }
        });
        let first: Vec<u32> = s.take(15).try_collect().await.unwrap();
        assert_eq!(first.len(), 15);
        assert_eq!(
            fetched.load(Ordering::SeqCst),
            2,
            "only the pages needed were fetched"
        );
    }
}
