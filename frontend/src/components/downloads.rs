//! Download links for a table's export, as CSV and as an Excel workbook.

use leptos::prelude::*;

/// "{what}: CSV · Excel", linking `/api/v1/exports/{table}?format=…{query}` (`query` starts
/// with `&`). The browser downloads with the session cookie; nothing else is needed.
#[component]
pub fn Downloads(table: &'static str, query: String, what: &'static str) -> impl IntoView {
    let href = move |format: &str| format!("/api/v1/exports/{table}?format={format}{query}");
    view! {
        <p class="downloads" data-testid=format!("downloads-{table}")>
            {what}": "
            <a href=href("csv") download rel="external">"CSV"</a>
            " · "
            <a href=href("xlsx") download rel="external">"Excel"</a>
        </p>
    }
}
