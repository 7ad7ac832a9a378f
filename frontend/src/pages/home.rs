use leptos::prelude::*;
use leptos_router::components::A;
use shared::api::PeriodStatus;

use crate::api;
use crate::components::{ErrorNotice, Loading, load_once};

/// What PeerPosture is, and the reporting period that is open now.
#[component]
pub fn Home() -> impl IntoView {
    let periods = load_once(api::periods);
    let open_period = move || {
        periods.get().map(|result| match result {
            Ok(periods) => {
                let open = periods.iter().rev().find(|p| p.status == PeriodStatus::Open);
                let released = periods.iter().filter(|p| p.status == PeriodStatus::Released).count();
                view! {
                    <p class="period-line" data-testid="open-period">
                        {match open {
                            Some(open) => format!("Reporting period {} is open for submissions.", open.period),
                            None => "No reporting period is open.".to_owned(),
                        }}
                        " "
                        {match released {
                            0 => "No period has been released yet.".to_owned(),
                            1 => "1 period has been released.".to_owned(),
                            n => format!("{n} periods have been released."),
                        }}
                    </p>
                }
                .into_any()
            }
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        })
    };

    view! {
        <section class="hero">
            <h1>"Security benchmarks for BPO contact centers"</h1>
            <p class="hero__lead">
                "Contact centers handle card payments, health records and identity data for banks, "
                "insurers, retailers and governments. PeerPosture lets them compare their security "
                "posture with peers of their size, region and verticals — without anyone learning "
                "another member's values."
            </p>
            <div class="hero__period">
                {move || open_period().unwrap_or_else(|| view! { <Loading what="reporting periods"/> }.into_any())}
            </div>
            <A href="/metrics" attr:class="button">"Browse the metric catalogue"</A>
        </section>
        <section class="features" aria-label="How it works">
            <article class="feature">
                <h2>"Members submit quarterly"</h2>
                <p>
                    "Each contact center reports the same catalogue of metrics every quarter: MFA "
                    "coverage, patch latency, phish-prone rate, detection and response times, "
                    "encryption, vendor assessments, remote-agent device controls and PCI DSS, GDPR "
                    "and CCPA posture."
                </p>
            </article>
            <article class="feature">
                <h2>"Executives compare with peers"</h2>
                <p>
                    "Released periods publish percentiles per peer cohort — by seat count, HQ region, "
                    "verticals served, delivery model and share of agents at home — so a center sees "
                    "where it leads and where it trails."
                </p>
            </article>
            <article class="feature">
                <h2>"Anonymity by design"</h2>
                <p>
                    "A statistic is published only when enough verified organisations contribute to it; "
                    "counts are shown as bands, minimum and maximum are never shown, and overlapping "
                    "cohorts are checked so that no value can be worked out by subtraction."
                </p>
            </article>
        </section>
    }
}
