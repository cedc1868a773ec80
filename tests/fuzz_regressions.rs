//! Replays every input kept under `fuzz/regressions/<target>/` (crashes the fuzzers found, once
//! fixed, plus hand-made edge cases) through the fuzz targets' own code, on stable, in every
//! test run. See `fuzz/README.md`.

#![allow(dead_code, unreachable_pub)]
include!("../fuzz/targets.rs");

/// A fuzz target's body.
type Target = fn(&[u8]);

#[test]
fn kept_fuzz_inputs_do_not_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let targets: [(&str, Target); 4] = [
        ("madmin_decrypt", madmin_decrypt),
        ("s3_xml", s3_xml),
        ("ecs_answers", ecs_answers),
        ("madmin_answers", madmin_answers),
    ];
    let mut replayed = 0;
    for (name, f) in targets {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".keep"))
            .collect();
        files.sort();
        for path in files {
            f(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "the regression corpus is not empty");
    println!("replayed {replayed} kept fuzz inputs");
}
