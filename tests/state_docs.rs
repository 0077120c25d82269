//! SPEC §5 and §6: the lock and tracker in Kimberlite's exact shapes.

use kimberlite_migration::Code;
use kimberlite_migration::lock::{LockEntry, parse_lock, update_lock, write_lock};
use kimberlite_migration::tracker::{
    AppliedEntry, parse_tracker, record_applied, remove_applied, write_tracker,
};

const A: &str = "1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1";
const B: &str = "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a";

const LOCK: &str = "version = 1

[[migration]]
id = 1
name = \"Add users table\"
checksum = \"1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1\"

[[migration]]
id = 2
name = \"Add email\"
checksum = \"17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a\"
";

const TRACKER: &str = "[[migrations]]
id = 1
name = \"Add users table\"
checksum = \"1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1\"
applied_at = \"2026-11-24T09:18:51.631047791Z\"
applied_by = \"alice@example.com\"

[[migrations]]
id = 2
name = \"Add email\"
checksum = \"17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a\"
applied_at = \"2026-11-24T09:20:00Z\"
";

fn entry(id: u32, name: &str, checksum: &str) -> LockEntry {
    LockEntry {
        id,
        name: name.to_string(),
        checksum: checksum.to_string(),
        span: None,
    }
}

fn applied(id: u32, checksum: &str, by: Option<&str>) -> AppliedEntry {
    AppliedEntry {
        id,
        name: format!("m{id}"),
        checksum: checksum.to_string(),
        applied_at: "2026-11-24T09:18:51.631047791Z".to_string(),
        applied_by: by.map(str::to_string),
        span: None,
    }
}

#[test]
fn the_lock_reads_and_writes_back_byte_for_byte() {
    let (lock, diagnostics) = parse_lock(".lock", Some(LOCK));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let lock = lock.unwrap();
    assert_eq!(lock.entries.len(), 2);
    assert_eq!(lock.entries[0].name, "Add users table");
    assert_eq!(write_lock(&lock.entries), LOCK);
    assert_eq!(update_lock(".lock", Some(LOCK), &[]).unwrap(), LOCK);
    // Entries are written sorted by id, whatever order they come in.
    let reversed: Vec<LockEntry> = lock.entries.iter().rev().cloned().collect();
    assert_eq!(write_lock(&reversed), LOCK);
    let crlf = LOCK.replace('\n', "\r\n");
    let (from_crlf, diagnostics) = parse_lock(".lock", Some(&crlf));
    assert!(diagnostics.is_empty());
    assert_eq!(from_crlf.unwrap().entries.len(), 2);
}

#[test]
fn adding_to_a_lock() {
    let first = write_lock(&[entry(1, "Add users table", A)]);
    let both = update_lock(".lock", Some(&first), &[entry(2, "Add email", B)]).unwrap();
    assert_eq!(both, LOCK);
    assert_eq!(
        update_lock(".lock", None, &[]).unwrap(),
        "version = 1\nmigration = []\n"
    );
    let refused = update_lock(".lock", Some(LOCK), &[entry(1, "Add users table", B)]).unwrap_err();
    assert_eq!(refused[0].code, Code::ChecksumMismatch);
    // Adding an entry already there unchanged is no change.
    assert_eq!(
        update_lock(".lock", Some(LOCK), &[entry(2, "Add email", B)]).unwrap(),
        LOCK
    );
}

#[test]
fn two_additions_for_one_id_must_agree() {
    let first = write_lock(&[entry(1, "Add users table", A)]);
    // The same entry twice is one entry.
    let once = update_lock(
        ".lock",
        Some(&first),
        &[entry(2, "Add email", B), entry(2, "Add email", B)],
    )
    .unwrap();
    assert_eq!(once, LOCK);
    // Two different migrations under one id are refused, and nothing is written.
    let refused = update_lock(
        ".lock",
        Some(&first),
        &[entry(2, "Add email", B), entry(2, "Add phone", A)],
    )
    .unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, Code::DuplicateId);
    assert!(
        refused[0].message.contains("Add phone"),
        "{}",
        refused[0].message
    );
    assert!(refused[0].help.as_deref().unwrap().contains("renumber"));
}

#[test]
fn comments_and_extra_keys_survive_an_update() {
    let annotated = "# Reviewed by the DBA team.\nversion = 1\n\n[[migration]]\nid = 1\nname = \"Add users table\"\nchecksum = \"1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1\"\nreviewed = true # ticket 42\n\n[[migration]]\nid = 3\nname = \"Third\"\nchecksum = \"1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1\"\n";
    let updated = update_lock(
        ".lock",
        Some(annotated),
        &[entry(2, "Add email", B), entry(4, "Fourth", B)],
    )
    .unwrap();
    insta::assert_snapshot!(updated);
    let (lock, diagnostics) = parse_lock(".lock", Some(&updated));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let ids: Vec<u32> = lock.unwrap().entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert!(updated.starts_with("# Reviewed by the DBA team.\n"));
    assert!(updated.contains("reviewed = true # ticket 42"));
}

#[test]
fn the_tracker_reads_and_writes_back_byte_for_byte() {
    let (tracker, diagnostics) = parse_tracker("applied.toml", Some(TRACKER));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let tracker = tracker.unwrap();
    assert_eq!(
        tracker.entries[0].applied_by.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(tracker.entries[1].applied_by, None);
    assert_eq!(write_tracker(&tracker.entries), TRACKER);
    let first_only = remove_applied("applied.toml", Some(TRACKER), 2).unwrap();
    let again = record_applied("applied.toml", Some(&first_only), &tracker.entries[1]).unwrap();
    assert_eq!(again, TRACKER);
    let none = remove_applied("applied.toml", Some(&first_only), 1).unwrap();
    assert_eq!(none, "migrations = []\n");
    assert_eq!(
        record_applied("applied.toml", Some(&none), &tracker.entries[0]).unwrap(),
        write_tracker(&tracker.entries[..1])
    );
}

#[test]
fn tracker_edits_keep_comments_and_refuse_what_is_wrong() {
    let annotated = format!("# applied on staging\n{TRACKER}");
    let removed = remove_applied("applied.toml", Some(&annotated), 1).unwrap();
    assert!(removed.starts_with("# applied on staging\n"));
    let (tracker, _) = parse_tracker("applied.toml", Some(&removed));
    assert_eq!(
        tracker
            .unwrap()
            .entries
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [2]
    );
    let added = record_applied("applied.toml", Some(&removed), &applied(3, A, Some("ci"))).unwrap();
    insta::assert_snapshot!(added);

    let duplicate =
        record_applied("applied.toml", Some(TRACKER), &applied(1, A, None)).unwrap_err();
    assert_eq!(duplicate[0].code, Code::DuplicateApplied);
    let absent = remove_applied("applied.toml", Some(TRACKER), 9).unwrap_err();
    assert_eq!(absent[0].code, Code::InvalidTarget);
    let bad_time = AppliedEntry {
        applied_at: "now".to_string(),
        ..applied(3, A, None)
    };
    assert_eq!(
        record_applied("applied.toml", Some(TRACKER), &bad_time).unwrap_err()[0].code,
        Code::InvalidTracker
    );
}

#[test]
fn toml_datetimes_and_awkward_names() {
    let text = format!(
        "[[migrations]]\nid = 1\nname = \"x\"\nchecksum = \"{A}\"\napplied_at = 2026-11-24T09:18:51Z\n"
    );
    // Kimberlite's CLI reads `applied_at` only as a string: a TOML date-time
    // makes it refuse the whole file, so it is a bad entry here.
    let (tracker, diagnostics) = parse_tracker("applied.toml", Some(&text));
    assert_eq!(tracker.unwrap().entries.len(), 0);
    assert_eq!(diagnostics[0].code, Code::InvalidTracker);
    assert!(
        diagnostics[0]
            .message
            .contains("write it as a string, `applied_at = \"2026-11-24T09:18:51Z\"`"),
        "{}",
        diagnostics[0].message
    );
    for name in [
        "O\"Brien",
        "it's",
        "back\\slash",
        "tab\there",
        "emoji 😀",
        "both ' and \"",
        // Titles come from one line of a file, but the API takes any string.
        "line one\nline two",
        "crlf\r\nand '''triple''' \"\"\"quotes\"\"\"",
    ] {
        let written = write_lock(&[entry(1, name, A)]);
        let (lock, diagnostics) = parse_lock(".lock", Some(&written));
        assert!(diagnostics.is_empty(), "{name}: {diagnostics:#?}");
        assert_eq!(lock.unwrap().entries[0].name, name, "{written}");
        let mut row = applied(1, A, Some(name));
        row.name = name.to_string();
        let written = write_tracker(&[row]);
        let (tracker, diagnostics) = parse_tracker("applied.toml", Some(&written));
        assert!(diagnostics.is_empty(), "{name}: {diagnostics:#?}");
        let back = &tracker.unwrap().entries[0];
        assert_eq!(
            (back.name.as_str(), back.applied_by.as_deref()),
            (name, Some(name)),
            "{written}"
        );
    }
    // toml's serializer picks a literal string when that avoids escapes.
    assert!(write_lock(&[entry(1, "O\"Brien", A)]).contains("name = 'O\"Brien'"));
}

#[test]
fn broken_documents_are_diagnostics_with_positions() {
    let (lock, diagnostics) = parse_lock(".lock", Some("version = 1\n\n[[migration]\nid = 1\n"));
    assert!(lock.is_none());
    assert_eq!(diagnostics[0].code, Code::InvalidLock);
    assert_eq!(diagnostics[0].range.unwrap().start.line, 2);
    assert!(
        diagnostics[0].message.contains("line 3"),
        "{}",
        diagnostics[0].message
    );

    let (lock, diagnostics) = parse_lock(".lock", Some("[[migration]]\nid = 1\n"));
    assert!(lock.is_none());
    assert_eq!(diagnostics[0].code, Code::InvalidLock);

    // Id 0 and a checksum that is no SHA-256 are read, as Kimberlite reads
    // them: no file can match such an entry, and `analyze` says so.
    let (lock, diagnostics) = parse_lock(
        ".lock",
        Some("version = 1\n[[migration]]\nid = 0\nname = \"x\"\nchecksum = \"abc\"\n"),
    );
    assert_eq!(lock.unwrap().entries[0].checksum, "abc");
    assert_eq!(diagnostics, []);
    let (lock, diagnostics) = parse_lock(
        ".lock",
        Some("version = 1\n[[migration]]\nid = -1\nname = \"x\"\nchecksum = \"abc\"\n"),
    );
    assert_eq!(lock.unwrap().entries.len(), 0);
    assert_eq!(diagnostics[0].code, Code::InvalidLock);
    assert_eq!(diagnostics[0].range.unwrap().start.line, 1);

    let (tracker, diagnostics) = parse_tracker("applied.toml", Some("migrations = 3\n"));
    assert!(tracker.is_none());
    assert_eq!(diagnostics[0].code, Code::InvalidTracker);
    for diagnostic in &diagnostics {
        assert!(diagnostic.help.is_some());
    }
}

#[test]
fn a_history_written_at_once_is_the_history_recorded_one_by_one() {
    use kimberlite_migration::tracker::{AppliedEntry, record_applied, write_history};
    let entry = |id: u32, at: &str, by: Option<&str>| AppliedEntry {
        id,
        name: format!("Step \"{id}\""),
        checksum: format!("{:064x}", u64::from(id) * 7919),
        applied_at: at.to_string(),
        applied_by: by.map(str::to_string),
        span: None,
    };
    let history = vec![
        entry(1, "2026-11-28T10:00:00Z", None),
        entry(2, "2026-11-28T12:00:00.120+02:00", Some("ci")),
        entry(7, "2026-11-28T10:00:01.000001Z", None),
    ];
    let mut text = "migrations = []\n".to_string();
    for e in &history {
        text = record_applied("t.toml", Some(&text), e).unwrap();
    }
    assert_eq!(write_history("t.toml", &history).unwrap(), text);
    assert_eq!(write_history("t.toml", &[]).unwrap(), "migrations = []\n");
    let twice = vec![history[0].clone(), history[0].clone()];
    assert_eq!(
        write_history("t.toml", &twice).unwrap_err()[0].code,
        kimberlite_migration::Code::DuplicateApplied
    );
    let bad = vec![entry(3, "yesterday", None)];
    assert_eq!(
        write_history("t.toml", &bad).unwrap_err()[0].code,
        kimberlite_migration::Code::InvalidTracker
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..proptest::prelude::ProptestConfig::default() })]

    /// The canonical form is read without toml_edit (a fast path); any other
    /// text with toml_edit. Both must read the same entries, spans and
    /// findings: a comment at the end forces the second reading of the same
    /// entries, whatever their names hold (quotes, backslashes, control
    /// characters, other scripts), and ids may repeat.
    #[test]
    fn the_fast_reading_agrees_with_toml_edit(
        rows in proptest::collection::vec((0u32..40, "[a-zA-Z \"\\\\\t\u{1}é😀]{0,12}", "[0-9a-f]{0,8}", proptest::option::of("[a-z@.]{1,8}")), 0..8),
    ) {
        let lock_entries: Vec<LockEntry> = rows
            .iter()
            .map(|(id, name, checksum, _)| LockEntry { id: *id, name: name.clone(), checksum: checksum.clone(), span: None })
            .collect();
        let text = write_lock(&lock_entries);
        let fast = parse_lock("l", Some(&text));
        let slow = parse_lock("l", Some(&format!("{text}# end\n")));
        proptest::prop_assert_eq!(format!("{:?}", fast.0), format!("{:?}", slow.0));
        proptest::prop_assert_eq!(fast.1.len(), slow.1.len());

        let applied: Vec<AppliedEntry> = rows
            .iter()
            .map(|(id, name, checksum, by)| AppliedEntry {
                id: *id,
                name: name.clone(),
                checksum: checksum.clone(),
                applied_at: "2026-11-29T03:11:01.5Z".to_string(),
                applied_by: by.clone(),
                span: None,
            })
            .collect();
        let text = write_tracker(&applied);
        let fast = parse_tracker("t", Some(&text));
        let slow = parse_tracker("t", Some(&format!("{text}# end\n")));
        proptest::prop_assert_eq!(format!("{:?}", fast.0), format!("{:?}", slow.0));
        proptest::prop_assert_eq!(format!("{:?}", fast.1), format!("{:?}", slow.1));
    }
}
