//! Proof that large listings come back complete through paging.

use crate::*;

pub(crate) const LISTED: usize = 1200;

/// `acme` and `acme-2` when the server holds nothing of that name (a fresh server), else the
/// same with a random suffix, so that the proof never meets another run's names.
pub(crate) async fn listing_names(
    p: &RustfsProvider,
) -> std::result::Result<(String, String), String> {
    let taken = p
        .list_instances(ListOptions::new().prefix("acme"))
        .await
        .map_err(|e| e.to_string())?;
    let buckets = p
        .admin_s3()
        .list_buckets()
        .await
        .map_err(|e| e.to_string())?;
    if taken.items.is_empty() && !buckets.iter().any(|b| b.starts_with("acme")) {
        Ok(("acme".into(), "acme-2".into()))
    } else {
        let tag = s3aas_core::secret::random_access_key_id()[..6].to_lowercase();
        println!("rustfs: 'acme' is taken on this server; the listing proof uses acme{tag}");
        Ok((format!("acme{tag}"), format!("acme{tag}-2")))
    }
}

/// Users and buckets of two instances whose names share a prefix (`acme`, `acme-2`), 1,200 of
/// each per instance: paging (pages of 100, and of 1,000 across S3's own 1,000-key pages)
/// returns every one of an instance's items once, in order, and none of the other instance's.
pub(crate) async fn listing_pages_completely(p: Arc<RustfsProvider>) -> R {
    use futures::StreamExt;
    let (a, a2) = listing_names(&p).await?;
    let started = Instant::now();
    let mut made = Vec::new();
    let r: R = async {
        for inst in [&a, &a2] {
            p.create_instance(CreateInstance::new(inst)).await.map_err(|e| e.to_string())?;
            made.push(inst.clone());
            let users: Vec<String> = (0..LISTED).map(|i| format!("user{i:04}")).collect();
            create_users(&p, inst, &users).await?;
            let errors: Vec<String> = futures::stream::iter((0..LISTED).map(|i| format!("{inst}-b-{i:04}")))
                .map(|b| {
                    let p = p.clone();
                    let inst = inst.clone();
                    async move { p.create_bucket(&inst, CreateBucket::new(&b)).await.err().map(|e| e.to_string()) }
                })
                .buffer_unordered(CONCURRENCY)
                .filter_map(|e| async move { e })
                .collect()
                .await;
            ensure(errors.is_empty(), format!("creating buckets: {:?}", &errors[..errors.len().min(3)]))?;
        }
        println!("rustfs: made {LISTED} users and {LISTED} buckets in each of '{a}' and '{a2}' in {:?}", started.elapsed());
        for inst in [&a, &a2] {
            let want_users: Vec<String> = (0..LISTED).map(|i| format!("user{i:04}")).collect();
            let want_buckets: Vec<String> = (0..LISTED).map(|i| format!("{inst}-b-{i:04}")).collect();
            for limit in [100, 1000] {
                let mut got = Vec::new();
                let mut opts = ListOptions::new().limit(limit);
                let mut pages = 0;
                loop {
                    let page = p.list_users(inst, opts.clone()).await.map_err(|e| e.to_string())?;
                    pages += 1;
                    ensure(page.items.len() <= limit as usize, "page larger than its limit")?;
                    got.extend(page.items.into_iter().map(|u| u.name));
                    match page.next {
                        Some(n) => opts = opts.continuation(n),
                        None => break,
                    }
                    ensure(pages < 100, "user paging does not end")?;
                }
                ensure(got == want_users, format!("users of '{inst}' by {limit}: {} listed, first {:?}", got.len(), got.first()))?;
                let mut got = Vec::new();
                let mut opts = ListOptions::new().limit(limit);
                let mut pages = 0;
                loop {
                    let page = p.list_buckets(inst, opts.clone()).await.map_err(|e| e.to_string())?;
                    pages += 1;
                    ensure(page.items.len() <= limit as usize, "page larger than its limit")?;
                    got.extend(page.items.into_iter().map(|b| b.name));
                    match page.next {
                        Some(n) => opts = opts.continuation(n),
                        None => break,
                    }
                    ensure(pages < 100, "bucket paging does not end")?;
                }
                ensure(got == want_buckets, format!("buckets of '{inst}' by {limit}: {} listed, first {:?}", got.len(), got.first()))?;
            }
        }
        let listed = p.list_instances(ListOptions::new().prefix(a.clone()).limit(1)).await.map_err(|e| e.to_string())?;
        ensure(listed.items.len() == 1 && listed.next.is_some(), "instances page by one")?;
        println!("rustfs: {LISTED} users and {LISTED} buckets per instance listed completely through paging (pages of 100 and 1000)");
        Ok(())
    }
    .await;
    let mut cleanup = Ok(());
    for inst in made {
        if let Err(e) = p
            .delete_instance(&inst, DeleteInstance::new().force(true))
            .await
        {
            cleanup = Err(format!("deleting '{inst}': {e}"));
        }
    }
    println!(
        "rustfs: listing proof took {:?} including clean-up",
        started.elapsed()
    );
    r.and(cleanup)
}
