use leptos::prelude::*;
use shared::api::CohortInfo;
use shared::cohort::{CohortKey, Dimension};

/// A select over the lattice, grouped by dimension ("Seats", "HQ region", …).
#[component]
pub fn CohortPicker(
    cohorts: Vec<CohortInfo>,
    #[prop(into)] selected: Signal<CohortKey>,
    on_change: impl Fn(CohortKey) + 'static,
    #[prop(into, default = Signal::from(false))] disabled: Signal<bool>,
) -> impl IntoView {
    let groups: Vec<(Dimension, Vec<CohortInfo>)> = Dimension::ALL
        .iter()
        .map(|&d| {
            (
                d,
                cohorts
                    .iter()
                    .filter(|c| c.dimension == d)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, members)| !members.is_empty())
        .collect();
    view! {
        <label class="field field--inline cohort-picker">
            <span class="field__label">"Compare with"</span>
            <select
                data-testid="cohort-picker"
                disabled=disabled
                prop:value=move || selected.get().to_string()
                on:change=move |ev| {
                    if let Ok(key) = event_target_value(&ev).parse() {
                        on_change(key)
                    }
                }
            >
                {groups
                    .into_iter()
                    .map(|(dimension, members)| view! {
                        <optgroup label=dimension.label()>
                            {members
                                .into_iter()
                                .map(|c| view! { <option value=c.key.to_string()>{c.label}</option> })
                                .collect_view()}
                        </optgroup>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
