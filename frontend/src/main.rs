//! Mounts the main app: overview, benchmarks, dashboard, login.

fn main() {
    leptos::mount::mount_to_body(frontend::App);
}
