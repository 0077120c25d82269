//! The full code table as a snapshot: a renamed or re-graded code shows in review.

use kimberlite_migration::Code;

#[test]
fn code_table() {
    let table: String = Code::ALL
        .iter()
        .map(|code| {
            format!(
                "{:<36} {:<8} {:<8} {:<8} {}\n",
                code.as_str(),
                format!("{:?}", code.group()),
                code.default_severity().as_str(),
                format!("{:?}", code.silencing()),
                code.summary()
            )
        })
        .collect();
    insta::assert_snapshot!(table);
}

#[test]
fn names_round_trip_and_are_kebab_case() {
    for code in Code::ALL {
        assert_eq!(Code::parse(code.as_str()), Some(*code));
        // The group's name as `codes()` gives it.
        assert_eq!(
            code.group().as_str(),
            format!("{:?}", code.group()).to_lowercase()
        );
        assert!(
            code.as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }
    assert_eq!(Code::parse("Checksum-Mismatch"), None);
}
