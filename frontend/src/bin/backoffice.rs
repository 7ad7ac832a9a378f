//! Mounts the back office: submission form, team and tokens, administration, invitations.

fn main() {
    leptos::mount::mount_to_body(frontend::BackOffice);
}
