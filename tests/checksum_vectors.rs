//! SPEC §4: the Kimberlite-compatible checksum and its test vectors.

use kimberlite_migration::checksum::{checksum_bytes, checksum_text};

/// Kimberlite's README example (SPEC §4), shared with the JS tests.
const README_EXAMPLE: &str = include_str!("fixtures/readme_example.sql");

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[test]
fn spec_vectors() {
    let readme = "1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1";
    assert_eq!(checksum_text(README_EXAMPLE), readme);
    assert_eq!(checksum_text(&crlf(README_EXAMPLE)), readme);
    let select = "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a";
    assert_eq!(checksum_text("-- Migration: x\nSELECT 1;\n"), select);
    assert_eq!(checksum_text("-- Migration: x\r\nSELECT 1;\r\n"), select);
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(checksum_text("-- a\n\n-- b\n"), empty);
    assert_eq!(checksum_text(""), empty);
}

#[test]
fn header_edits_keep_it_and_body_edits_change_it() {
    let original = checksum_text(README_EXAMPLE);
    let header_edit = README_EXAMPLE.replace("alice@example.com", "bob@example.com");
    assert_eq!(checksum_text(&header_edit), original);
    let title_edit = README_EXAMPLE.replace("Add users table", "Users");
    assert_eq!(checksum_text(&title_edit), original);
    let added_header_line = format!("-- Reviewed-by: carol\n\n{README_EXAMPLE}");
    assert_eq!(checksum_text(&added_header_line), original);
    for (from, to) in [
        ("BIGINT", "INT"),
        ("    email TEXT,\n", "    email  TEXT,\n"),
        ("-- DROP TABLE users;", "DROP TABLE users;"),
        ("-- DROP INDEX users_email;", "-- DROP INDEX users_email ;"),
        (
            "-- Down Migration (optional, for rollback)",
            "-- Down Migration",
        ),
        (");\n\nCREATE INDEX", ");\nCREATE INDEX"),
    ] {
        assert!(README_EXAMPLE.contains(from), "{from}");
        let edited = README_EXAMPLE.replacen(from, to, 1);
        assert_ne!(
            checksum_text(&edited),
            original,
            "editing {from:?} kept the checksum"
        );
    }
}

#[test]
fn bom_is_our_one_difference_and_bad_utf8_has_none() {
    let with_bom = format!("\u{feff}{README_EXAMPLE}");
    assert_eq!(
        checksum_bytes(with_bom.as_bytes()),
        Some(checksum_text(README_EXAMPLE))
    );
    assert_eq!(checksum_bytes(b"SELECT '\xc3';"), None);
}
