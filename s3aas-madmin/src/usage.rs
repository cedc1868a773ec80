//! `instance_usage`: the instance's buckets summed from one read of the server's usage cache.
//!
//! Both servers count usage with a background scanner and serve the result from
//! `datausageinfo`; the figures lag behind writes by the scanner's cycle (seconds on an idle
//! RustFS, minutes or more on a busy server; `health()` says when the scanner is stuck). So
//! the answer is [`UsageSource::ServerUsageCache`] with `as_of` the scanner's last update, in
//! one `datausageinfo` request plus one page of the instance's bucket registry per 1,000
//! buckets, however many buckets the instance has.

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    pub(crate) async fn usage_of_instance(&self, instance: &str) -> Result<InstanceUsage> {
        let op = "instance_usage";
        self.require_instance(instance, op).await?;
        let mut names = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (page, more) = self
                .system
                .list_buckets(instance, "", after.as_deref(), 1000)
                .await
                .map_err(|e| ctx::<D>(e, op))?;
            after = page.last().cloned();
            names.extend(page);
            if !more {
                break;
            }
        }
        let raw: serde_json::Value = self
            .admin
            .json(Call::new(op, Method::GET, "datausageinfo"), None)
            .await?;
        let mut total = InstanceUsage::new(
            instance,
            0,
            Some(0),
            names.len() as u64,
            None,
            UsageSource::ServerUsageCache,
        );
        let mut sampled = None;
        for name in &names {
            let (usage, at) = self.admin.dialect.bucket_usage(&raw, name);
            sampled = sampled.or(at);
            // A bucket the scanner has not visited yet holds nothing as of its last scan.
            if let Some((bytes, objects)) = usage {
                total.bytes += bytes;
                total.objects = total.objects.map(|o| o + objects);
            }
        }
        if sampled.is_none() {
            sampled = self.admin.dialect.bucket_usage(&raw, "").1;
        }
        total.as_of = sampled
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .filter(|t| t.unix_timestamp() > 0)
            .or_else(|| Some(OffsetDateTime::now_utc()));
        Ok(total)
    }
}
