//! Entry point: installs the panic hook and mounts [`glint_app::App`].

fn main() {
    glint_app::panic_report::install();
    leptos::mount::mount_to_body(glint_app::App);
}
