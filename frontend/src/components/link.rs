//! The app ships as bundles so the dashboard loads less: the main app (overview, catalogue,
//! login), the insights (metric detail, industry table, report) and the back office
//! (submission form, roadmap, team, administration, invitations, standards, practices). Links
//! and navigation within a bundle stay in the browser; across bundles they load the other
//! bundle's page.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// Which bundle a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    Main,
    Insights,
    BackOffice,
}

pub fn bundle_of(path: &str) -> Bundle {
    if shared::api::is_back_office_path(path) {
        Bundle::BackOffice
    } else if shared::api::is_insights_path(path) {
        Bundle::Insights
    } else {
        Bundle::Main
    }
}

/// The bundle this page runs in (set by `App`, `Insights` and `BackOffice`).
pub fn current_bundle() -> Bundle {
    use_context::<Bundle>().unwrap_or(Bundle::Main)
}

/// A link that stays in the browser when it can and loads the other bundle when it must.
#[component]
pub fn Link(
    #[prop(into)] href: String,
    #[prop(optional, into)] class: String,
    #[prop(optional)] exact: bool,
    children: Children,
) -> impl IntoView {
    if bundle_of(&href) == current_bundle() {
        view! { <A href=href attr:class=class exact=exact>{children()}</A> }.into_any()
    } else {
        view! { <a href=href class=class rel="external">{children()}</a> }.into_any()
    }
}

/// Navigation for event handlers, following the same rule as `Link`.
pub fn use_go() -> impl Fn(&str) + Clone + 'static {
    let navigate = use_navigate();
    let here = current_bundle();
    move |path: &str| {
        if bundle_of(path) == here {
            navigate(path, Default::default());
        } else if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(path);
        }
    }
}

/// The `:id` of the page's route as a number (`None` when absent or not a number).
pub fn use_id_param() -> impl Fn() -> Option<i64> + Copy + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || params.read().get("id").and_then(|id| id.parse().ok())
}
