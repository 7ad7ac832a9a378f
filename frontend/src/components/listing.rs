use leptos::prelude::*;

/// A table in its own scroll container, or `empty` when it has no rows.
pub fn listing(
    testid: &'static str,
    headers: &'static [&'static str],
    empty: &'static str,
    rows: Vec<AnyView>,
) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="table" data-testid=testid>
                <thead><tr>{headers.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
