//! The native core on the benchmark inputs, for wasm ÷ native ratios.
//! `cargo run --release --example bench-native -- lint <file>` prints the
//! median milliseconds of parsing (lex, split, lint) that file.

use std::time::Instant;

use kimberlite_migration::migration::parse_migration;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("lint") => {
            let Some(path) = args.get(2) else {
                eprintln!("usage: bench-native lint <file>");
                std::process::exit(2);
            };
            let contents = match std::fs::read(path) {
                Ok(contents) => contents,
                Err(error) => {
                    eprintln!("cannot read {path}: {error}");
                    std::process::exit(1);
                }
            };
            let _ = parse_migration("migrations/0001_big.sql", &contents);
            let samples = (0..15)
                .map(|_| {
                    let start = Instant::now();
                    let migration = parse_migration("migrations/0001_big.sql", &contents);
                    std::hint::black_box(migration);
                    start.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            println!("{:.3}", median(samples));
        }
        _ => {
            eprintln!("usage: bench-native lint <file>");
            std::process::exit(2);
        }
    }
}
