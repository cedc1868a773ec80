//! Encrypt or decrypt a madmin admin payload, to check interoperability with another client by
//! hand:
//!
//! ```text
//! cargo run --example madmin_codec -- enc PASSWORD [--id 0|1|2] < plain.json > sealed.bin
//! cargo run --example madmin_codec -- dec PASSWORD < sealed.bin
//! ```
//!
//! Reads standard input, writes the result to standard output. Exits with status 1 and a message
//! on standard error when the arguments are wrong or the payload does not decrypt.

use s3aas_madmin::{Algorithm, decrypt, encrypt};
use std::io::{Read, Write};

fn main() {
    if let Err(msg) = run() {
        eprintln!("madmin_codec: {msg}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    const USAGE: &str =
        "usage: madmin_codec enc|dec PASSWORD [--id 0|1|2]  (reads stdin, writes stdout)";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, password) = match args.as_slice() {
        [m, p, ..] => (m.as_str(), p.as_str()),
        _ => return Err(USAGE.into()),
    };
    let mut alg = Algorithm::default();
    match &args[2..] {
        [] => {}
        [flag, id] if flag == "--id" => {
            alg = id
                .parse::<u8>()
                .ok()
                .and_then(Algorithm::from_id)
                .ok_or_else(|| format!("--id takes 0, 1 or 2 (got '{id}')"))?;
        }
        _ => return Err(USAGE.into()),
    }
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let output = match mode {
        "enc" => encrypt(password.as_bytes(), &input, alg),
        "dec" => decrypt(password.as_bytes(), &input).map_err(|e| e.to_string())?,
        other => return Err(format!("unknown mode '{other}'; {USAGE}")),
    };
    std::io::stdout()
        .write_all(&output)
        .map_err(|e| format!("cannot write stdout: {e}"))
}
