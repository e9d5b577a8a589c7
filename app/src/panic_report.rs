//! Panics are bugs, but the user should see one rather than a frozen page:
//! the hook logs it to the console (with a stack, via
//! `console_error_panic_hook`) and writes a readable box into the page.

use wasm_bindgen::JsCast;

/// Id of the box a panic writes into the page.
pub const PANIC_ID: &str = "panic";

/// Installs the panic hook; call first thing in `main`.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(details: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let element = match document.get_element_by_id(PANIC_ID) {
        Some(element) => element,
        None => {
            let Ok(element) = document.create_element("div") else {
                return;
            };
            element.set_id(PANIC_ID);
            element.set_class_name("error-box banner");
            element.set_attribute("role", "alert").ok();
            if body
                .insert_before(&element, body.first_child().as_ref())
                .is_err()
            {
                return;
            }
            element
        }
    };
    let text = format!(
        "Glint hit an internal error and stopped working. Reload the page; if it happens again, please report it.\n\n{details}"
    );
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        element.set_inner_text(&text);
    } else {
        element.set_text_content(Some(&text));
    }
}
