//! madmin payload encryption and decryption per algorithm id at 64 B, 4 KiB and 1 MiB.
//! Argon2id (ids 0 and 1) dominates small payloads: that is why PBKDF2 (id 2) is the default.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use s3aas_madmin::{Algorithm, decrypt, encrypt};

fn codec(c: &mut Criterion) {
    let pw = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    for (name, alg) in [
        ("id0-argon2id-aesgcm", Algorithm::Argon2idAesGcm),
        ("id1-argon2id-chacha", Algorithm::Argon2idChaCha20Poly1305),
        ("id2-pbkdf2-aesgcm", Algorithm::Pbkdf2AesGcm),
    ] {
        let mut g = c.benchmark_group(format!("madmin/{name}"));
        g.sample_size(10);
        for size in [64usize, 4096, 1 << 20] {
            let pt = vec![0x5au8; size];
            let ct = encrypt(pw, &pt, alg);
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_with_input(BenchmarkId::new("encrypt", size), &pt, |b, pt| {
                b.iter(|| encrypt(pw, pt, alg))
            });
            g.bench_with_input(BenchmarkId::new("decrypt", size), &ct, |b, ct| {
                b.iter(|| decrypt(pw, ct).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
