//! The wasm boundary under Node (wasm-bindgen-test): each function's result,
//! written back as JSON by JavaScript, equals the JSON of the DTO made from
//! the native core's result.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, Uint8Array};
use kimberlite_migration::migration::parse_migration;
use kimberlite_migration::plan::plan_apply;
use kimberlite_migration::project::{Input, SourceFile, analyze};
use kimberlite_migration::wasm::{self, dto::*};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const FIRST: &str = "-- Migration: Add users\n-- Up Migration\nCREATE TABLE users (id BIGINT);\n-- Down Migration\nDROP TABLE users;\n";
const SECOND: &str = "\u{feff}-- kimberlite:no-transaction\r\nCREATE INDEX CONCURRENTLY i ON users (id);\r\nSELECT '😀'";

/// What `JSON.stringify` makes of a result.
fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).unwrap().as_string().unwrap()
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    Reflect::set(object, &key.into(), &value.into()).unwrap();
}

fn project_js(lock: Option<&str>) -> JsValue {
    let files = Array::new();
    for (path, text, as_bytes) in [
        ("migrations/0001_add_users.sql", FIRST, false),
        ("migrations/0002_index.sql", SECOND, true),
        ("migrations/notes.sql", "x", false),
    ] {
        let file = Object::new();
        set(&file, "path", path);
        if as_bytes {
            set(&file, "contents", Uint8Array::from(text.as_bytes()));
        } else {
            set(&file, "contents", text);
        }
        files.push(&file);
    }
    let input = Object::new();
    set(&input, "files", files);
    if let Some(lock) = lock {
        set(&input, "lock", lock);
    }
    input.into()
}

fn native_input(lock: Option<&str>) -> Input<'_> {
    Input::new(
        vec![
            SourceFile {
                path: "migrations/0001_add_users.sql",
                contents: FIRST.as_bytes(),
            },
            SourceFile {
                path: "migrations/0002_index.sql",
                contents: SECOND.as_bytes(),
            },
            SourceFile {
                path: "migrations/notes.sql",
                contents: b"x",
            },
        ],
        lock,
        None,
    )
}

#[wasm_bindgen_test]
fn analyze_matches_native() {
    let lock = "version = 1\n\n[[migration]]\nid = 1\nname = \"Add users\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n";
    let js = wasm::analyze(project_js(Some(lock))).unwrap();
    let report = analyze(&native_input(Some(lock)));
    // The report comes without statements: the package fills them in.
    assert_eq!(stringify(&js), json(&ReportDto::new(&report)));
    assert!(stringify(&js).contains("\"code\":\"checksum-mismatch\""));
    assert!(stringify(&js).contains("\"up\":[],\"down\":[]"));
}

#[wasm_bindgen_test]
fn parse_and_plan_match_native() {
    let js = wasm::parse("migrations/0002_index.sql".into(), SECOND.into()).unwrap();
    let native = parse_migration("migrations/0002_index.sql", SECOND.as_bytes());
    assert_eq!(stringify(&js), json(&MigrationDto::from(&native)));
    assert_eq!(
        Reflect::get(&js, &"transactional".into()).unwrap(),
        JsValue::FALSE
    );

    let js = wasm::plan_apply_js(project_js(None)).unwrap();
    let plan = plan_apply(&analyze(&native_input(None)), None, false);
    assert_eq!(stringify(&js), json(&PlanDto::from(&plan)));
}

#[wasm_bindgen_test]
fn missing_values_are_null_and_optional_diagnostic_fields_absent() {
    let js = wasm::parse("0001_x.sql".into(), "SELECT 1;".into()).unwrap();
    assert!(Reflect::get(&js, &"created".into()).unwrap().is_null());
    let diagnostic = Reflect::get(&js, &"diagnostics".into()).unwrap();
    let first = Reflect::get(&diagnostic, &0.into()).unwrap();
    assert_eq!(
        Reflect::get(&first, &"code".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "missing-down"
    );
    assert!(
        Reflect::get(&first, &"related".into())
            .unwrap()
            .is_undefined()
    );
}

#[wasm_bindgen_test]
fn misuse_throws_an_error_with_a_code() {
    let error = wasm::analyze(JsValue::from(3)).unwrap_err();
    assert_eq!(
        Reflect::get(&error, &"code".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "invalid-argument"
    );
    assert!(wasm::checksum(JsValue::NULL).is_err());
    let sum = wasm::checksum(JsValue::from("SELECT 1;")).unwrap();
    assert_eq!(sum.as_string().unwrap().len(), 64);
    let bad = wasm::checksum(Uint8Array::from(&b"\xff"[..]).into()).unwrap();
    assert!(bad.is_null());
}

#[wasm_bindgen_test]
fn statement_texts_survive_the_boundary() {
    let nasty = "INSERT INTO t VALUES ('say \"hi\"', E'back\\slash', '\ttab', '\u{1}\u{1f}\u{7f}', '😀 é');\r\nSELECT '\u{8}\u{c}';";
    let js = wasm::parse("migrations/0001_nasty.sql".into(), nasty.into()).unwrap();
    let up: Array = Reflect::get(&js, &"up".into()).unwrap().into();
    let native = parse_migration("migrations/0001_nasty.sql", nasty.as_bytes());
    assert_eq!(up.length() as usize, native.up.len());
    for (index, statement) in native.up.iter().enumerate() {
        let text = Reflect::get(&up.get(index as u32), &"text".into()).unwrap();
        assert_eq!(text.as_string().unwrap(), statement.text);
    }
}
