//! The native core on the benchmark inputs, for wasm ÷ native ratios.
//!
//! `cargo run --release --example bench-native -- <command>`:
//! - `lint <file>`: median ms of parsing (lex, split, lint) the file;
//! - `analyze <project dir>`: median ms of `analyze` over the project's
//!   migrations, lock and tracker, read into memory first;
//! - `checksum <megabytes>`: MB/s of the Kimberlite checksum of that much SQL.

use std::time::Instant;

use kimberlite_migration::checksum::checksum_text;
use kimberlite_migration::migration::parse_migration;
use kimberlite_migration::project::{Input, SourceFile, analyze};

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut job: impl FnMut() -> T) -> f64 {
    std::hint::black_box(job());
    let samples = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(job());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    median(samples)
}

fn fail(message: &str) -> ! {
    eprintln!("bench-native: {message}");
    std::process::exit(2);
}

fn read(path: &std::path::Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("lint"), Some(path)) => {
            let contents = read(path.as_ref()).unwrap_or_else(|| fail("cannot read the file"));
            println!(
                "{:.3}",
                time(15, || parse_migration("migrations/0001_big.sql", &contents))
            );
        }
        (Some("analyze"), Some(dir)) => {
            let dir = std::path::Path::new(dir);
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("migrations"))
                .unwrap_or_else(|_| fail("no migrations folder"))
                .filter_map(Result::ok)
                .map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    (
                        format!("migrations/{name}"),
                        read(&entry.path()).unwrap_or_default(),
                    )
                })
                .collect();
            files.sort();
            let state = dir.join(".kimberlite/migrations");
            let lock = read(&state.join(".lock")).map(|b| String::from_utf8_lossy(&b).into_owned());
            let tracker =
                read(&state.join("applied.toml")).map(|b| String::from_utf8_lossy(&b).into_owned());
            let runs = if files.len() > 20_000 { 3 } else { 7 };
            let ms = time(runs, || {
                let sources = files
                    .iter()
                    .map(|(path, contents)| SourceFile { path, contents })
                    .collect();
                let mut input = Input::new(sources, lock.as_deref(), tracker.as_deref());
                // The same work as the wasm `analyze`, whose report carries no statements.
                input.options.report_only = true;
                // KMB_LINT_ONLY=<path>: lint that file only, findings only (the editor's call).
                if let Ok(only) = std::env::var("KMB_LINT_ONLY") {
                    input.options.lint_only = Some(vec![only]);
                    input.options.findings_only = true;
                }
                analyze(&input)
            });
            println!("{ms:.3}");
        }
        (Some("checksum"), Some(megabytes)) => {
            let megabytes: usize = megabytes
                .parse()
                .unwrap_or_else(|_| fail("megabytes must be a number"));
            let line = "INSERT INTO t (id, name) VALUES (1, 'checksum throughput');\n";
            let text = line.repeat(megabytes * 1024 * 1024 / line.len());
            let ms = time(9, || checksum_text(&text));
            println!("{:.1}", text.len() as f64 / 1024.0 / 1024.0 / (ms / 1000.0));
        }
        _ => fail("usage: bench-native lint <file> | analyze <dir> | checksum <megabytes>"),
    }
}
