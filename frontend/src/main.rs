//! Mounts the PeerPosture app into the page.

fn main() {
    leptos::mount::mount_to_body(frontend::App);
}
