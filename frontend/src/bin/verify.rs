//! Mounts the attestation check: the page a client opens from a share link.

fn main() {
    leptos::mount::mount_to_body(frontend::Verify);
}
