//! How benchmarks are made, in plain words, with this server's k.

use leptos::prelude::*;

use shared::benchmark::Policy;

use crate::api::{self, ApiError};
use crate::components::{Link, Loaded, load_once};

#[component]
pub fn MethodologyPage() -> impl IntoView {
    let policy = load_once(api::policy);
    let k = move || {
        policy
            .get()
            .and_then(Result::ok)
            .map_or_else(|| "k".to_owned(), |p| p.k.to_string())
    };
    let k_tails = move || {
        policy
            .get()
            .and_then(Result::ok)
            .map_or_else(|| "2k".to_owned(), |p| p.k_tails.to_string())
    };
    let bands = move || {
        policy
            .get()
            .and_then(Result::ok)
            .map_or_else(String::new, |p| p.bands.join(", "))
    };
    view! {
        <article class="page prose">
            <h1>"How benchmarks are made"</h1>
            <p class="page__lead">
                "PeerPosture publishes statistics about groups of contact centers, never about one. "
                "This page explains what is published, what is held back and why, so that you can read "
                "the numbers with confidence. The rules are anonymity policy v3: they hold not only for one "
                "quarter and one group, but for every figure ever published, combined."
            </p>

            <WhoCounts/>
            <WhatKIs k=Signal::derive(k) k_tails=Signal::derive(k_tails) bands=Signal::derive(bands)/>
            <HeldBack policy/>
            <Reading/>
        </article>
    }
}

/// Which organisations a figure counts.
#[component]
fn WhoCounts() -> impl IntoView {
    view! {
        <section class="card" id="who-counts">
            <h2>"Who counts"</h2>
            <p>
                "Only verified organisations count, and verifying one takes two people: a platform admin "
                "proposes it, and another admin or a publisher of the industry group confirms it; neither may "
                "belong to the organisation. A newly verified organisation then waits one release: it counts "
                "from the release after the one it was verified for. The overview says how many organisations "
                "were newly verified for each quarter, so a sudden burst of new members is visible to everyone."
            </p>
            <p>
                "Each organisation contributes at most one value per metric and quarter: the last one it saved "
                "before the quarter was released, rounded to the precision the metric is shown in. A release "
                "freezes the quarter: who counted, their values and k are fixed, its statistics are computed "
                "once, stored, and never change; late data goes to the next quarter. A standard published "
                "later is measured against exactly that frozen group."
            </p>
        </section>
    }
}

/// The threshold k and what it holds back, with this server's numbers.
#[component]
fn WhatKIs(k: Signal<String>, k_tails: Signal<String>, bands: Signal<String>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"What k is"</h2>
            <p>
                "A statistic is published only when at least "<strong data-testid="policy-k">"k = "{k}</strong>
                " organisations contributed to it. Quartiles (P25, P50, P75) need k organisations; "
                "the outer percentiles P10 and P90 and the mean need "{k_tails}", because with fewer they would "
                "sit too close to a single organisation's value. The minimum and maximum are never published. "
                "The number of organisations is shown only as a band ("{bands}"), never exactly, to anyone: "
                "publishers and admins see bands too."
            </p>
        </section>
    }
}

/// Why cells are held back, how shares are published, and the rules one by one.
#[component]
fn HeldBack(policy: Loaded<Result<Policy, ApiError>>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Why some cells say “not enough peers”"</h2>
            <p>"A cell is one metric for one peer group in one quarter. It is held back for one of these reasons:"</p>
            <dl class="reasons">
                <dt>"Too few organisations"</dt>
                <dd>"Fewer than k organisations of the group reported the metric."</dd>
                <dt>"Protects a nearby cohort"</dt>
                <dd>
                    "Two published groups must not differ by just a few organisations. If everyone in "
                    "“Banking” except two centers also serves “Telecom”, comparing the two groups would expose "
                    "those two. When one group has between 1 and k − 1 organisations the other lacks, the "
                    "smaller group is held back."
                </dd>
                <dt>"Protects an earlier quarter"</dt>
                <dd>
                    "The same holds across quarters: if a few organisations joined or left a group since a "
                    "quarter already published, comparing the two quarters would show what those few reported "
                    "(security figures change slowly). Such a group is held back until the change is at least k "
                    "organisations."
                </dd>
                <dt>"Protects another cohort of the dimension"</dt>
                <dd>
                    "Seat bands, regions, delivery models and work-from-home bands each split the industry into "
                    "parts. If only one part were held back, or a few parts with fewer than k organisations "
                    "together, they could be worked out from the others and the industry total, so the "
                    "next-smallest part is held back with them."
                </dd>
                <dt>"Too few on one side"</dt>
                <dd>"A share (below) that fewer than k organisations meet, or fewer than k miss."</dd>
            </dl>
            <p>"A held-back cell looks the same as any other, with every number empty and only the reason given."</p>
            <p>
                "A mean is the sum of the values divided by the count, and sums can be added and subtracted: "
                "two regions and a delivery model, or this quarter and the last. Before a mean is published, "
                "the server checks every combination of every mean ever published for the metric, as if each "
                "organisation reported the same value every quarter; where some combination would give one "
                "organisation's value, or one organisation's from another's, the mean is left out and the "
                "percentiles are still shown."
            </p>
        </section>

        <section class="card">
            <h2>"Shares: yes/no answers and standards"</h2>
            <p>
                "A share (how many answer yes, how many meet a requirement) is published only when at least "
                "k organisations meet it and at least k miss it, also after subtracting any smaller group "
                "inside it: “everyone but one” would point at that one. Shares are shown in bands (0–10, …, 30–40, 40–60, 60–70, …, 90–100 %), "
                "never as exact percents, so that two standards with close thresholds cannot count the few "
                "organisations between them. Requirements on numbers use ≥ or ≤ at the metric's precision; "
                "= is only for yes/no questions."
            </p>
        </section>

        <section class="card">
            <h2>"The rules, one by one"</h2>
            <ul class="policy-rules" data-testid="policy-rules">
                {move || policy.get().and_then(Result::ok).map(|p| p.rules.into_iter().map(|rule| view! {
                    <li><strong>{rule.rule}</strong>" "<span class="muted">{format!("Stops: {}", rule.stops)}</span></li>
                }).collect_view())}
            </ul>
        </section>
    }
}

/// Who sees a member's values, how the figures are computed and how to read them.
#[component]
fn Reading() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Who sees your values"</h2>
            <p>
                "Only your organisation's own accounts. Every read of your values is recorded, and your "
                "member admins see each account and invitation of your organisation with who created it, "
                "and every read, on the team page."
            </p>
        </section>

        <section class="card">
            <h2>"How percentiles are computed"</h2>
            <p>
                "Values are sorted; the percentile p sits at rank (n − 1) × p / 100 and, between two ranks, moves "
                "in a straight line from one value to the next (the method of DuckDB's quantile_cont and NumPy's "
                "default). P50 is the median: half of the peers report less, half more. Results are rounded to "
                "each metric's precision."
            </p>
            <p>
                "For metrics where lower is better (phish-prone rate, patch latency, detection and response "
                "times), a good position is a low percentile; the dashboard turns these round so that a higher "
                "standing is always better. Context metrics, such as the share of seats at home, describe "
                "members and are not ranked."
            </p>
        </section>

        <section class="card">
            <h2>"Your position"</h2>
            <p>
                "Your position is worked out from the published percentiles only, never from other members' "
                "values: a value between P50 (say 70 %) and P75 (80 %) at 75 % is placed at about the 62nd "
                "percentile. Beyond the outermost published percentile it is placed halfway to the end, e.g. "
                "about the 5th percentile below P10."
            </p>
        </section>

        <section class="card">
            <h2>"Peer groups"</h2>
            <p>
                "Groups are fixed: the whole industry, and one group per seat band, HQ region, vertical served, "
                "delivery model and work-from-home band. Combinations such as “Banking in Latin America” are not "
                "offered: they would be small, and small overlapping groups are what make values guessable."
            </p>
            <p><Link href="/metrics">"See the metric catalogue"</Link></p>
        </section>
    }
}
