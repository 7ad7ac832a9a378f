//! Mounts the insights: metric detail, industry table, print report.

fn main() {
    leptos::mount::mount_to_body(frontend::Insights);
}
