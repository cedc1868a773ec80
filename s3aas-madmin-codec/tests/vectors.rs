//! Known-answer vectors from the reference (minio-admin.md §2.8, cross-checked against Debian's
//! madmin-go) and madmin-go's own `decryptDataTests`, plus tamper and size tests.

use s3aas_madmin_codec::{
    Algorithm, CodecError, HEADER_LEN, decrypt, derive_key, encrypt, encrypt_with,
};
use sha2::{Digest, Sha256};

const PW: &[u8] = b"minio123";
const NONCE: [u8; 8] = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7];
const SALT_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const ALL: [Algorithm; 3] = [
    Algorithm::Argon2idAesGcm,
    Algorithm::Argon2idChaCha20Poly1305,
    Algorithm::Pbkdf2AesGcm,
];

fn salt() -> [u8; 32] {
    core::array::from_fn(|i| i as u8)
}

#[test]
fn derived_keys() {
    assert_eq!(
        hex::encode(*derive_key(PW, &salt(), Algorithm::Argon2idAesGcm)),
        "f47daeb086b4a23e59bb9349885408115f7ef1daef6466e2bbc5867abf09afd9"
    );
    assert_eq!(
        hex::encode(*derive_key(PW, &salt(), Algorithm::Pbkdf2AesGcm)),
        "e0e2e20052ba02c24a0901f88f0a5dba5eec19aa3bcd2a838a06e7e997b7a115"
    );
}

#[test]
fn empty_plaintext_vectors() {
    let tails = [
        "9ede65ea3df642168e2279c642fc9a97",
        "8d81cbdc1601ca1baaf2fc0a7e30554c",
        "49e8eb06e4a17e99a1399067c0d92304",
    ];
    for (alg, tail) in ALL.iter().zip(tails) {
        let want = format!("{SALT_HEX}{:02x}a0a1a2a3a4a5a6a7{tail}", alg.id());
        let got = encrypt_with(PW, b"", *alg, &salt(), &NONCE);
        assert_eq!(hex::encode(&got), want, "{alg:?}");
        assert_eq!(got.len(), 57);
        assert_eq!(decrypt(PW, &got).unwrap(), b"");
    }
}

#[test]
fn json_plaintext_vectors() {
    let pt = br#"{"secretKey":"secret123","status":"enabled"}"#;
    let tails = [
        "e632c97399fdcc3854b5758af1d2263e1d7e6b80b0745212e26f7f5f2b0310a0139d906d0257d45092d8c3ed2ec1f774a59417eb77b9cc40d39372a8",
        "bcceed27365043565d0d5cfa3dcde6e84de93ad22df51d53da1f2de887b7f30ce758789373f9ec836866286fec99837ff6a1b9d5806f12b3e3bf76f2",
        "06383db07aa956bebee231ada6b5af4e7ae1c6f5191de884fda09085cb2e99bc237ea42eebdbe504a5e6a084aa48bea6c32e6a541b1135c5c25be7a6",
    ];
    for (alg, tail) in ALL.iter().zip(tails) {
        let want = format!("{SALT_HEX}{:02x}a0a1a2a3a4a5a6a7{tail}", alg.id());
        let got = encrypt_with(PW, pt, *alg, &salt(), &NONCE);
        assert_eq!(hex::encode(&got), want, "{alg:?}");
        assert_eq!(got.len(), 101);
        assert_eq!(decrypt(PW, &got).unwrap(), pt);
    }
}

#[test]
fn fragment_boundary_vectors() {
    let a = vec![b'a'; 16384];
    let b = vec![b'b'; 16385];
    let want_a = [
        "716c051c5152548f0f134749ce6c859ca9dae2c1c9559d3282c99d897b960931",
        "db3acec9e7d3570cb94ac1a9938543f8a2f81a4b451cc46bf98459b6b266af51",
        "94d2d9c2fae6b51ea0138ee2fad0ec706324399eb7e53228cbc1b21657ce68e2",
    ];
    let want_b = [
        "5d524ababf8e39c6710b1383ab0ee7764c95d7abe39cb1596818d75b62e52fbe",
        "9947330bcb0db048490801c0277c44f716081554b7c80a00495d25c37aaae999",
        "2929ea520e4f727630b82ee338e6bb14ca3116efccd753248cc0f047c8bf2c2c",
    ];
    for (i, alg) in ALL.iter().enumerate() {
        let ca = encrypt_with(PW, &a, *alg, &salt(), &NONCE);
        assert_eq!(ca.len(), 16441);
        assert_eq!(hex::encode(Sha256::digest(&ca)), want_a[i], "{alg:?} 16384");
        assert_eq!(decrypt(PW, &ca).unwrap(), a);
        let cb = encrypt_with(PW, &b, *alg, &salt(), &NONCE);
        assert_eq!(cb.len(), 16458);
        assert_eq!(hex::encode(Sha256::digest(&cb)), want_b[i], "{alg:?} 16385");
        assert_eq!(decrypt(PW, &cb).unwrap(), b);
    }
}

#[test]
fn madmin_go_upstream_vectors() {
    // madmin-go encrypt_test.go `decryptDataTests` (all id 0); the plaintexts are zero bytes of
    // the lengths given (the reference, minio-admin.md §2.8, decrypted them independently).
    let cases: [(&str, String, usize); 4] = [
        ("", "828aa81599df0651c0461adb82283e8b89956baee9f6e719947ef9cddc849028001dc9d3ac0938f66b07bacc9751437e1985f8a9763c240e81".into(), 0),
        (
            "",
            concat!(
                "1793c71df6647860437134073c15688cbb15961dc0758c7ee1225e66e79c724c00d790dba9c671eae89da2c736d858286ac9bd027abacc6443",
                "0375cd41b63b67c070c7fba475a8dd66ae65ba905176c48cbe6f734fc74df87343d8ccff54bada4aeb0a04bd021633ebe6c4768e23f5dea142",
                "561d4fe3f90ed59d13dc5fb3a585dadec1742325291b9c81692bdd3420b2428127f8195e0ecd9a1c9237712ed67af7339fbbf7ff3ee1c516e1",
                "f81e69d933e057b30997e7274a2c9698e07c39f0e8d6818858f34c8191871b5a52bea9061806bd029024bfc1d9c1f230904968d6c9e10fddcb",
                "c006ba97356ff243570fd96df07dd6894e215a6b24c4ed730369519289ebd877aff6ccbd2265985e4ab1a2b7930bab9cfb767b97348a639ddf",
                "8db81bf5151da7e8f3d9638a1b86eb1dd78cc6a526f10a414c78638f"
            )
            .into(),
            256,
        ),
        (
            r#"xPl.8/rhR"Q_1xLt"#,
            concat!(
                "b5c016e93b84b473fc8a37af94936563630c36d6df1841d23a86ee51ca161f9e00ac19116b32f643ff6a56a212b265d8c56",
                "195bb0d12ce199e13dfdc5272f80c1564da2c6fc2fa18da91d8062de02af5cdafea491c6f3cae1f"
            )
            .into(),
            32,
        ),
        (
            "7h5oU4$te{;K}fgqlI^]",
            concat!(
                "c58edf7cfd557b6b655de6f48b1a3049d8d049dadb3a7bfa9ac9ccbb5baf37ec00f83086a26f43b7d6bc9075ad0",
                "38bf5741f118d502ebe94165e4072ba7f98535d6b1e3b6ae67a98115d146d9b4d90e4df4ae82df9cfa17ed7cd42",
                "465181559f7ddf09c98beec521bb4478e0cb73c4e0827af8688ff4e7a07327a10d5a180035e6ddb16d974a85257",
                "981cd9e0360a20f7b4d653190267dfb241148f018ae180568042e864b9e1b5bc05425a3abc2b0324f50c72d5679",
                "8f924405dfc0f8523f4bb564ed65af8e1b1c82a7a0640552ecf81985d95d0993d99172592ddc1393dfa63e8f0b3",
                "d744b2cc4b73384ca4693f0c1aec0e9b00e85f2937e891105d67da8f59c14ca96608e0425c42f9c1e7c2a8b3413",
                "e1381784f9cfe01de7c47cea1f8d7a7d88f5d4aca783cf55332b47f957a6b9a65269d7eb606b877b"
            )
            .into(),
            256,
        ),
    ];
    for (i, (pw, hexdata, len)) in cases.iter().enumerate() {
        let ct = hex::decode(hexdata).unwrap();
        assert!(s3aas_madmin_codec::looks_encrypted(&ct));
        assert_eq!(ct[32], 0, "upstream vectors use id 0");
        let pt = decrypt(pw.as_bytes(), &ct).unwrap_or_else(|e| panic!("vector {i}: {e}"));
        assert_eq!(pt, vec![0u8; *len], "vector {i}");
        assert_eq!(
            decrypt(b"not-the-password", &ct),
            Err(CodecError::NotAuthentic),
            "vector {i} with a wrong password"
        );
    }
}

#[test]
fn round_trips_at_every_interesting_size() {
    let pw = b"some-admin-secret";
    for n in [0usize, 1, 16383, 16384, 16385, 32768, 1 << 20] {
        let pt: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
        for alg in [Algorithm::Pbkdf2AesGcm, Algorithm::Argon2idChaCha20Poly1305] {
            let ct = encrypt(pw, &pt, alg);
            assert_eq!(
                ct.len(),
                HEADER_LEN + n + 16 * n.div_ceil(16384).max(1),
                "{n} {alg:?}"
            );
            assert_eq!(decrypt(pw, &ct).unwrap(), pt, "{n} {alg:?}");
        }
    }
    let pt = vec![7u8; 40000];
    assert_eq!(
        decrypt(pw, &encrypt(pw, &pt, Algorithm::Argon2idAesGcm)).unwrap(),
        pt
    );
}

#[test]
fn tampering_fails_cleanly() {
    let pw = b"pw-123456";
    let pt: Vec<u8> = (0..40000u32).map(|i| i as u8).collect();
    let ct = encrypt(pw, &pt, Algorithm::Pbkdf2AesGcm);
    assert_eq!(
        decrypt(b"wrong-password", &ct),
        Err(CodecError::NotAuthentic)
    );
    for cut in [
        ct.len() - 1,
        ct.len() - 16,
        HEADER_LEN + 16400,
        HEADER_LEN + 5,
    ] {
        assert_eq!(
            decrypt(pw, &ct[..cut]),
            Err(CodecError::NotAuthentic),
            "truncated to {cut}"
        );
    }
    assert_eq!(decrypt(pw, &ct[..20]), Err(CodecError::TooShort(20)));
    // Bit flips anywhere: salt, nonce, body, last tag.
    for pos in [0, 33, HEADER_LEN, HEADER_LEN + 20000, ct.len() - 1] {
        let mut bad = ct.clone();
        bad[pos] ^= 0x01;
        assert_eq!(
            decrypt(pw, &bad),
            Err(CodecError::NotAuthentic),
            "flip at {pos}"
        );
    }
    let mut bad = ct.clone();
    bad[32] = 9;
    assert_eq!(decrypt(pw, &bad), Err(CodecError::UnknownAlgorithm(9)));
    // Reordered fragments (swap the first two 16 400-byte fragments).
    let mut swapped = ct[..HEADER_LEN].to_vec();
    swapped.extend_from_slice(&ct[HEADER_LEN + 16400..HEADER_LEN + 32800]);
    swapped.extend_from_slice(&ct[HEADER_LEN..HEADER_LEN + 16400]);
    swapped.extend_from_slice(&ct[HEADER_LEN + 32800..]);
    assert_eq!(decrypt(pw, &swapped), Err(CodecError::NotAuthentic));
    // A dropped final fragment turns a middle fragment into the "last" one: refused.
    assert_eq!(
        decrypt(pw, &ct[..HEADER_LEN + 32800]),
        Err(CodecError::NotAuthentic)
    );
    // Error messages never contain the password.
    assert!(!CodecError::NotAuthentic.to_string().contains("pw-123456"));
}

#[test]
fn header_only_is_empty_like_rustfs_sends() {
    let ct = encrypt_with(PW, b"", Algorithm::Pbkdf2AesGcm, &salt(), &NONCE);
    assert_eq!(decrypt(PW, &ct[..HEADER_LEN]).unwrap(), b"");
}
