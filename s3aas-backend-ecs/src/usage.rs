//! Usage of a whole instance from ECS namespace billing.
//!
//! `GET /object/billing/namespace/{ns}/info?sizeunit=BYTE&include_bucket_detail=true` answers
//! the namespace's totals and its buckets' figures, a page at a time (`marker` /
//! `next_marker`). A namespace on a shared ECS may hold buckets of other tools, so the figure
//! is the sum over the instance's own buckets (the ownership rules of the crate docs), never
//! the namespace total. ECS samples billing every 5 minutes (python-ecsclient's docs; the
//! sample API takes only multiples of 5 minutes, ECS 3.2 REST API reference), and sampling a
//! whole namespace takes a while, so `as_of` is the oldest sample time among the parts: the
//! figure can miss up to the last few minutes of writes, and a bucket made since the last
//! sample counts with nothing in it. An answer without any bucket details (a release that
//! ignores `include_bucket_detail`) falls back to the namespace total when every bucket in the
//! namespace is the instance's, else to each bucket's own billing.

use crate::provider::*;
use std::collections::BTreeSet;

impl EcsProvider {
    /// The usage of instance `ns`: its buckets, their bytes and objects, from one (paged)
    /// namespace billing read plus the bucket listing that says which buckets are the
    /// instance's.
    pub(crate) async fn namespace_usage(
        &self,
        ns: &str,
        op: &'static str,
    ) -> Result<InstanceUsage> {
        self.require_instance(ns, op).await?;
        let all = self.all_buckets(ns, op).await?;
        let only_mine = all.iter().all(|b| self.is_instance_bucket(ns, b));
        let mine: BTreeSet<String> = all
            .into_iter()
            .filter(|b| self.is_instance_bucket(ns, b))
            .map(|b| b.name)
            .collect();
        let mut usage = InstanceUsage::new(
            ns,
            0,
            Some(0),
            mine.len() as u64,
            None,
            UsageSource::Billing,
        );
        let mut counted = BTreeSet::new();
        let mut details = false;
        let mut totals = None;
        let mut marker: Option<String> = None;
        loop {
            let mut call = Call::get(op, format!("/object/billing/namespace/{ns}/info"))
                .q("sizeunit", "BYTE")
                .q("include_bucket_detail", "true");
            if let Some(m) = &marker {
                call = call.q("marker", m.clone());
            }
            let resp = self.ok(call, Some((Missing::Instance, ns))).await?;
            let page: wire::NamespaceBilling =
                decode("namespace billing", &resp.body).map_err(|e| ctx(e, op))?;
            older(&mut usage.as_of, page.totals.sample_time);
            details |= !page.bucket_billing_info.is_empty();
            totals.get_or_insert(page.totals);
            for b in page.bucket_billing_info {
                let Some(name) = b.name.clone().filter(|n| mine.contains(n)) else {
                    continue;
                };
                if !counted.insert(name) {
                    continue; // a page boundary repeated: count each bucket once
                }
                usage.bytes += b.bytes().map_err(|e| ctx(e, op))?;
                usage.objects = usage
                    .objects
                    .zip(b.total_objects)
                    .map(|(a, n)| a + n.max(0) as u64);
                older(&mut usage.as_of, b.sample_time);
            }
            match page.next_marker.filter(|m| !m.is_empty()) {
                None => break,
                Some(m) => marker = Some(advance(marker, m, "billed buckets", ns, op)?),
            }
        }
        if details || mine.is_empty() {
            return Ok(usage);
        }
        // No bucket details at all (a release that ignores `include_bucket_detail`, or none
        // sampled yet): never "nothing stored" by omission. The namespace total is the figure
        // when every bucket in it is the instance's; else each bucket's own billing.
        match totals {
            Some(t) if only_mine => {
                usage.bytes = t.bytes().map_err(|e| ctx(e, op))?;
                usage.objects = t.total_objects.map(|n| n.max(0) as u64);
            }
            _ => {
                usage.as_of = None;
                let figures = each_present(mine.into_iter().collect(), |b| async move {
                    self.billing(ns, &b, op).await
                })
                .await?;
                usage.buckets = figures.len() as u64;
                usage.objects = Some(0);
                for b in figures {
                    usage.bytes += b.bytes().map_err(|e| ctx(e, op))?;
                    usage.objects = usage
                        .objects
                        .zip(b.total_objects)
                        .map(|(a, n)| a + n.max(0) as u64);
                    older(&mut usage.as_of, b.sample_time.or(b.uptodate_till));
                }
            }
        }
        Ok(usage)
    }
}

/// Keeps the older of two sample times.
fn older(at: &mut Option<OffsetDateTime>, t: Option<OffsetDateTime>) {
    *at = match (*at, t) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}
