//! How the core reaches squawk in WebAssembly: squawk's parser and rules
//! are a module of their own (the lint module, `crates/kmb-squawk`), loaded
//! only where lint runs. The JavaScript around both hands the core a
//! function (`setSquawk`) that takes a section and the settings as JSON and
//! returns the lint module's outcome as JSON, `undefined` while the lint
//! module is not loaded.

#[cfg(not(feature = "squawk"))]
use kmb_squawk::{Outcome, Settings};
use wasm_bindgen::prelude::*;

thread_local! {
    static ASK: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// The engine the lint rules call (`lint::squawk::set_engine`).
#[cfg(not(feature = "squawk"))]
fn through_js(text: &str, settings: &Settings) -> Option<Outcome> {
    let ask = ASK.with_borrow(|ask| ask.clone())?;
    let settings = serde_json::to_string(settings).ok()?;
    let answer = match ask.call2(
        &JsValue::NULL,
        &JsValue::from_str(text),
        &JsValue::from_str(&settings),
    ) {
        Ok(answer) => answer,
        Err(error) => {
            return Some(Outcome {
                failed: Some(format!(
                    "the lint module failed ({})",
                    error
                        .dyn_ref::<js_sys::Error>()
                        .map(|error| String::from(error.message()))
                        .or_else(|| error.as_string())
                        .unwrap_or_else(|| "an exception".to_string())
                )),
                ..Outcome::default()
            });
        }
    };
    let answer = answer.as_string()?;
    Some(
        serde_json::from_str(&answer).unwrap_or_else(|error| Outcome {
            failed: Some(format!("the lint module's answer did not read ({error})")),
            ..Outcome::default()
        }),
    )
}

/// Gives the core the function that asks the lint module (see the module
/// comment); `null` forgets it. The lint module's protocol must be this
/// core's (`squawkProtocol`).
#[wasm_bindgen(js_name = setSquawk)]
pub fn set_squawk(ask: JsValue) -> Result<(), JsValue> {
    let ask = if ask.is_null() || ask.is_undefined() {
        None
    } else {
        Some(
            ask.dyn_into::<js_sys::Function>()
                .map_err(|_| super::misuse("setSquawk takes a function or null"))?,
        )
    };
    ASK.with_borrow_mut(|slot| *slot = ask);
    // Linked in (feature `squawk`, the wasm tests), squawk is asked directly.
    #[cfg(not(feature = "squawk"))]
    crate::lint::squawk::set_engine(through_js);
    Ok(())
}

/// The protocol of the settings and outcome this core sends and reads.
#[wasm_bindgen(js_name = squawkProtocol)]
pub fn squawk_protocol() -> u32 {
    kmb_squawk::PROTOCOL
}
