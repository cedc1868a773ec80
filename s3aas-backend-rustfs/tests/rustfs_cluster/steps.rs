//! The scenario's steps, in the order they run: nodes, one node down, provisioning with it down, a key after its return, two nodes down, recovery.

use crate::*;

pub(crate) fn all_nodes_online(ctx: &mut Ctx) -> R {
    let p = ctx.provider(0);
    let (inst, bucket) = (ctx.inst.clone(), ctx.bucket.clone());
    ctx.rt
        .block_on(p.create_instance(CreateInstance::new(&inst).default_bucket(&bucket)))
        .map_err(|e| format!("create the instance on a healthy cluster: {e}"))?;
    let nodes = wait_for_nodes(ctx, &[], Duration::from_secs(20))?;
    let h = ctx.rt.block_on(p.health()).map_err(|e| e.to_string())?;
    println!(
        "{FIG} nodes={} online={} ({}); health ready={} version={}",
        nodes.len(),
        nodes
            .iter()
            .filter(|(_, s)| *s == NodeState::Online)
            .count(),
        describe_nodes(&nodes),
        h.ready,
        h.version.as_deref().unwrap_or("?")
    );
    if !h.ready || h.problem.is_some() {
        return Err(format!(
            "health() not ready, or reports a problem, on a healthy cluster: {:?} {:?}",
            h.problem, h.detail
        ));
    }
    // Every node answers for the same cluster: the instance is visible through each of them.
    for i in 1..ctx.cluster.len() {
        ctx.rt
            .block_on(ctx.provider(i).get_instance(&inst))
            .map_err(|e| format!("node {i} does not see the instance: {e}"))?;
    }
    Ok(())
}

pub(crate) fn one_node_down(ctx: &mut Ctx) -> R {
    ctx.cluster.stop_node(3).map_err(|e| e.to_string())?;
    let nodes = wait_for_nodes(ctx, &[3], Duration::from_secs(30))?;
    let h = ctx
        .rt
        .block_on(ctx.provider(0).health())
        .map_err(|e| e.to_string())?;
    // What the server itself says on the probe the provider uses.
    let (status, body) = ctx.cluster.http_get(0, "/health/ready").unwrap_or_default();
    let raw: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let unavailable = raw
        .pointer("/details/storage/unavailableDrives")
        .cloned()
        .unwrap_or_default();
    println!(
        "{FIG} one node down: Instance.nodes reports {}; health() ready={} detail={:?}; server /health/ready HTTP {status} unavailableDrives={unavailable}",
        describe_nodes(&nodes),
        h.ready,
        h.detail
    );
    // One of four drives gone leaves read and write quorum: the cluster is ready, degraded, and
    // health() says which node is missing.
    let down = format!("127.0.0.1:{}", ctx.cluster.port(3));
    if !h.ready {
        return Err(format!(
            "health() not ready with one node down: {:?}",
            h.detail
        ));
    }
    if h.problem != Some(HealthProblem::Degraded) {
        return Err(format!(
            "health() does not report degradation with one node down: problem={:?} detail={:?} while the server lists {} unavailable drive(s)",
            h.problem,
            h.detail,
            unavailable.as_array().map_or(0, Vec::len)
        ));
    }
    if !h.detail.as_deref().unwrap_or_default().contains(&down) {
        return Err(format!(
            "health() reports degradation but does not name the offline node {down}: {:?}",
            h.detail
        ));
    }
    Ok(())
}

pub(crate) fn provision_one_down(ctx: &mut Ctx) -> R {
    let p = ctx.provider(0);
    let inst = ctx.inst.clone();
    let bucket = ctx.bucket.clone();
    let extra = format!("{}down1", ctx.prefix);
    let key = ctx.rt.block_on(async {
        p.create_user(&inst, CreateUser::new("owner"))
            .await
            .map_err(|e| format!("create_user: {e}"))?;
        p.create_bucket(&inst, CreateBucket::new(&extra).versioning(true))
            .await
            .map_err(|e| format!("create_bucket: {e}"))?;
        p.put_policy(
            &inst,
            PutPolicy::new("owner-rw", PolicyDocument::bucket_read_write(&bucket)),
        )
        .await
        .map_err(|e| format!("put_policy: {e}"))?;
        p.attach_policy(&inst, "owner", "owner-rw")
            .await
            .map_err(|e| format!("attach_policy: {e}"))?;
        let k = p
            .create_access_key(&inst, "owner", CreateAccessKey::new())
            .await
            .map_err(|e| format!("create_access_key: {e}"))?;
        let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
        poll(
            "the new key writes its bucket",
            Duration::from_secs(15),
            || async {
                s3.put_object(&bucket, "written-while-down", "one node down".into(), &[])
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
        )
        .await?;
        Ok::<_, String>((k.key.access_key_id.clone(), k.secret_access_key.clone()))
    })?;
    ctx.key = Some(key);
    println!(
        "{FIG} one node down: user, bucket, policy, attachment and key created; object written with the new key"
    );
    Ok(())
}

pub(crate) fn key_after_return(ctx: &mut Ctx) -> R {
    let took = ctx.cluster.start_node(3).map_err(|e| e.to_string())?;
    wait_for_nodes(ctx, &[], Duration::from_secs(30))?;
    let bucket = ctx.bucket.clone();
    // Through the returned node itself, which was down when the key was made, and through
    // node 0: the key must write and read there, and what was written meanwhile must be readable.
    for node in [3, 0] {
        let s3 = ctx.s3_for(node).ok_or("no key from the previous step")?;
        ctx.rt.block_on(poll(
            &format!("the key made while node 3 was down works through node {node}"),
            Duration::from_secs(30),
            || async {
                let old = s3
                    .get_object(&bucket, "written-while-down", None)
                    .await
                    .map_err(|e| format!("read: {e}"))?;
                if &old.body[..] != b"one node down" {
                    return Err("the object written while down reads back differently".into());
                }
                let key = format!("after-return-{node}");
                s3.put_object(&bucket, &key, "back".into(), &[])
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                let got = s3
                    .get_object(&bucket, &key, None)
                    .await
                    .map_err(|e| format!("read back: {e}"))?;
                if &got.body[..] == b"back" {
                    Ok(())
                } else {
                    Err("read back differs".into())
                }
            },
        ))?;
    }
    println!(
        "{FIG} node 3 back after {took:?}; the key made while it was down reads and writes through it and through node 0"
    );
    Ok(())
}

pub(crate) fn two_nodes_down(ctx: &mut Ctx) -> R {
    ctx.cluster.stop_node(3).map_err(|e| e.to_string())?;
    ctx.cluster.stop_node(2).map_err(|e| e.to_string())?;
    let nodes = wait_for_nodes(ctx, &[2, 3], Duration::from_secs(30))?;
    let p = ctx.provider(0);
    let h = ctx.rt.block_on(p.health()).map_err(|e| e.to_string())?;
    let (cluster_status, _) = ctx
        .cluster
        .http_get(0, "/minio/health/cluster")
        .unwrap_or_default();
    println!(
        "{FIG} two nodes down: Instance.nodes reports {}; health() ready={} detail={:?}; server /minio/health/cluster (write quorum) HTTP {cluster_status}",
        describe_nodes(&nodes),
        h.ready,
        h.detail
    );
    // Without write quorum management calls fail: not ready, with the server's own answer.
    if h.ready || h.problem != Some(HealthProblem::NotReady) {
        return Err(format!(
            "health() without write quorum: ready={} problem={:?} detail={:?} (the server's /minio/health/cluster answered HTTP {cluster_status})",
            h.ready, h.problem, h.detail
        ));
    }
    let detail = h.detail.as_deref().unwrap_or_default();
    if !detail.contains("write quorum") || !detail.contains("degraded") {
        return Err(format!(
            "health() without write quorum does not carry the server's answer: {detail:?}"
        ));
    }
    let inst = ctx.inst.clone();
    let pre = &ctx.prefix;
    let keys_before = ctx
        .rt
        .block_on(p.list_access_keys(&inst, "owner"))
        .map_err(|e| {
            format!("reads keep working with read quorum, but list_access_keys failed: {e}")
        })?
        .len();
    let tenant_inst = format!("{pre}t2");
    let tries: Vec<(String, Resource)> = vec![
        ("create_user".into(), Resource::User("u2".into())),
        ("create_bucket".into(), Resource::Bucket(format!("{pre}b2"))),
        ("put_policy".into(), Resource::Policy("p2".into())),
        (
            "create_access_key".into(),
            Resource::KeyOf("owner".into(), keys_before),
        ),
        (
            "provision_tenant".into(),
            Resource::Tenant {
                instance: tenant_inst.clone(),
                bucket: format!("{tenant_inst}-data"),
                user: "owner".into(),
            },
        ),
    ];
    // The attempts run side by side: without quorum each one waits out RustFS's own timeouts
    // (about 12 s per request), which in a row would make the step take a minute.
    let p = Arc::new(p);
    let tasks: Vec<_> = tries
        .into_iter()
        .map(|(what, resource)| {
            let p = p.clone();
            let inst = inst.clone();
            let r = resource.clone();
            let task = ctx.rt.spawn(async move {
                let t = Instant::now();
                let outcome = match &r {
                    Resource::User(u) => p.create_user(&inst, CreateUser::new(u)).await.map(drop),
                    Resource::Bucket(b) => {
                        p.create_bucket(&inst, CreateBucket::new(b)).await.map(drop)
                    }
                    Resource::Policy(n) => p
                        .put_policy(
                            &inst,
                            PutPolicy::new(n, PolicyDocument::bucket_read_write("x")),
                        )
                        .await
                        .map(drop),
                    Resource::KeyOf(u, _) => p
                        .create_access_key(&inst, u, CreateAccessKey::new())
                        .await
                        .map(drop),
                    Resource::Tenant {
                        instance,
                        bucket,
                        user,
                    } => provision_tenant(p.as_ref(), &TenantSpec::new(instance, bucket, user))
                        .await
                        .map(drop),
                };
                (t.elapsed(), outcome)
            });
            (what, resource, task)
        })
        .collect();
    let mut problems = Vec::new();
    for (what, resource, task) in tasks {
        let (took, outcome) = ctx
            .rt
            .block_on(task)
            .map_err(|e| format!("{what}: task failed: {e}"))?;
        match &outcome {
            Ok(()) => println!("{FIG} two nodes down: {what} was ACCEPTED ({took:?})"),
            Err(e) => {
                println!(
                    "{FIG} two nodes down: {what} refused in {took:?}: kind={} transient={} retryable={} retries_exhausted={} status={:?} code={:?}: {}",
                    e.kind(),
                    e.kind().is_transient(),
                    e.is_retryable(),
                    e.retries_exhausted(),
                    e.http_status(),
                    e.code(),
                    e.message()
                );
                // Partial is acceptable too: it names what was left, which the next step checks.
                let unavailable = e.kind() == ErrorKind::Unavailable && e.kind().is_transient();
                if !(unavailable || e.kind() == ErrorKind::Partial) {
                    problems.push(format!(
                        "{what}: refused as {} instead of Unavailable: {e}",
                        e.kind()
                    ));
                } else if e.message().trim().is_empty() {
                    problems.push(format!("{what}: refusal carries no message"));
                }
            }
        }
        ctx.attempted.push(Attempt {
            what,
            resource,
            outcome,
        });
    }
    // With read quorum the reads still answer.
    ctx.rt
        .block_on(p.get_instance(&inst))
        .map_err(|e| format!("get_instance with read quorum: {e}"))?;
    if ctx.attempted.iter().all(|a| a.outcome.is_ok()) {
        problems.push("nothing was refused without write quorum".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

pub(crate) fn after_recovery(ctx: &mut Ctx) -> R {
    let mut times = Vec::new();
    for i in [2, 3] {
        times.push(ctx.cluster.start_node(i).map_err(|e| e.to_string())?);
    }
    // The returned nodes answer at once, but the others reconnect to them only after a few
    // seconds; writes (and HEAD on buckets) get 503/500 until every node sees write quorum.
    let t = Instant::now();
    for i in 0..ctx.cluster.len() {
        ctx.cluster
            .wait_write_quorum(i, Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
    }
    let quorum_after = t.elapsed();
    wait_for_nodes(ctx, &[], Duration::from_secs(30))?;
    // Every node is back: health() is ready with nothing missing again.
    ctx.rt.block_on(poll(
        "health() ready without a problem after recovery",
        Duration::from_secs(30),
        || async {
            let h = ctx.provider(0).health().await.map_err(|e| e.to_string())?;
            if h.ready && h.problem.is_none() {
                Ok(())
            } else {
                Err(format!("ready={} {:?} {:?}", h.ready, h.problem, h.detail))
            }
        },
    ))?;
    let p = ctx.provider(0);
    let inst = ctx.inst.clone();
    let mut problems = Vec::new();
    let mut left_count = 0;
    for a in &ctx.attempted {
        let exists = ctx.rt.block_on(poll(
            &format!("checking what {} left", a.what),
            Duration::from_secs(15),
            || exists(&p, &inst, &a.resource),
        ));
        let exists = match exists {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{}: cannot check what was left: {e}", a.what));
                continue;
            }
        };
        left_count += exists.len();
        match &a.outcome {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Partial => {
                let unnamed: Vec<&String> = exists
                    .iter()
                    .filter(|x| !e.message().contains(x.as_str()))
                    .collect();
                if !unnamed.is_empty() {
                    problems.push(format!(
                        "{}: Partial did not name what was left: {unnamed:?} ({e})",
                        a.what
                    ));
                }
            }
            Err(e) => {
                if !exists.is_empty() {
                    problems.push(format!(
                        "{}: refused ({}) but left behind {exists:?}",
                        a.what,
                        e.kind()
                    ));
                }
            }
        }
    }
    // Writes work again.
    let s3 = ctx.s3_for(2).ok_or("no key")?;
    let bucket = ctx.bucket.clone();
    ctx.rt.block_on(poll(
        "a write after recovery",
        Duration::from_secs(30),
        || async {
            s3.put_object(&bucket, "after-recovery", "ok".into(), &[])
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        },
    ))?;
    println!(
        "{FIG} recovered: nodes 2 and 3 answered after {times:?}, write quorum on every node {quorum_after:?} later; resources left by refused calls={left_count}; writes work again"
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
