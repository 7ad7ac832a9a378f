//! The attestation check: the page a BPO's client opens from a share link (`/a/{token}`) or to
//! check a `.jws` file (`/verify`), without an account. The signature is checked here, in the
//! browser, by the same Rust code as the server's (`attest`, compiled to WebAssembly), against
//! the keys the deployment publishes at `/.well-known/jwks.json`; revocation comes from the
//! server's status endpoint, and the copy's entry in the transparency log is checked here
//! against a signed tree head. A small bundle of its own: a client opens it once.

use attest::log::{leaf, verify_inclusion};
use attest::{Checked, Jwks, Problem, verify_attestation, verify_revocation, verify_tree_head};
use leptos::prelude::*;
use shared::attestation::{
    AttestationClaims, AttestationStatus, AttestedMetric, Disclosure, InclusionProof,
    SharedAttestation,
};
use shared::catalogue::{self, Direction, Unit};
use shared::format::{hex, metric_value, timestamp};
use shared::period::rfc3339;

use crate::api::{self, ApiError};

/// The page around the check.
#[component]
pub fn Verify() -> impl IntoView {
    let path = window().location().pathname().unwrap_or_default();
    let token = path.strip_prefix("/a/").map(str::to_owned);
    view! {
        <header class="site-header no-print">
            <div class="site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"PP"</span>
                    <span class="brand__name">"PeerPosture"</span>
                </a>
                <span class="site-header__note">"Attestation check"</span>
            </div>
        </header>
        <main id="content" class="attestation-page">
            {match token {
                Some(token) => view! { <SharedLink token/> }.into_any(),
                None => view! {
                    <h1>"Check an attestation"</h1>
                    <p class="page__lead">"Paste the contents of a "<code>".jws"</code>" file a contact center gave you. It is checked in your browser against the keys this PeerPosture deployment publishes."</p>
                }.into_any(),
            }}
            <CheckACopy/>
            <HowToCheck/>
        </main>
    }
}

fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

async fn keys() -> Result<Jwks, ApiError> {
    api::get("/.well-known/jwks.json").await
}

/// Where the transparency log holds a copy, checked here: the audit path of its leaf (the
/// SHA-256 of the compact JWS) must lead to the root of a tree head signed by the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logged {
    /// Entry `index` of a signed log of `size` entries.
    At { index: u64, size: u64 },
    /// The log does not hold it (or its proof does not hold).
    Missing,
    /// The log could not be read (the network, a server error).
    Unchecked,
}

async fn logged(jws: &str, keys: &Jwks) -> Logged {
    let leaf = leaf(jws);
    let path = format!("/api/v1/transparency/inclusion/{}", hex(&leaf));
    match api::get::<InclusionProof>(&path).await {
        Ok(proof) => match verify_tree_head(&proof.head.jws, keys) {
            Ok(head) if verify_inclusion(&head, &leaf, proof.leaf_index, &proof.path) => {
                Logged::At {
                    index: proof.leaf_index,
                    size: head.tree_size,
                }
            }
            _ => Logged::Missing,
        },
        Err(failure) if failure.status() == Some(404) => Logged::Missing,
        Err(_) => Logged::Unchecked,
    }
}

/// What the deployment says of a copy, from its status answer.
fn record_of(status: Result<AttestationStatus, ApiError>, jws: &str) -> Record {
    match status {
        Ok(status) if status.leaf != hex(&leaf(jws)) => Record::OtherCopy,
        Ok(status) => Record::Issued(status),
        Err(failure) if failure.status() == Some(404) => Record::NotIssued,
        Err(_) => Record::Unchecked,
    }
}

/// A share link: the attestation the server holds for it, checked here.
#[component]
fn SharedLink(token: String) -> impl IntoView {
    let loaded = LocalResource::new(move || {
        let token = token.clone();
        async move {
            let shared: SharedAttestation = api::get(&format!("/api/v1/shared/{token}")).await?;
            let keys = keys().await?;
            let logged = match &shared.jws {
                Some(jws) => logged(jws, &keys).await,
                None => Logged::Unchecked,
            };
            Ok::<_, ApiError>((shared, keys, logged))
        }
    });
    move || match loaded.get() {
        None => {
            view! { <p class="loading" role="status">"Checking the attestation…"</p> }.into_any()
        }
        Some(Err(error)) if error.status() == Some(404) => view! {
            <h1>"Attestation not found"</h1>
            <div class="notice notice--error" role="alert" data-testid="verdict">
                "This share link does not exist. Ask the contact center for a new one."
            </div>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <div class="notice notice--error" role="alert">{error.to_string()}</div>
        }
        .into_any(),
        Some(Ok((SharedAttestation { jws: None, status }, keys, _))) => {
            view! { <Withheld status keys/> }.into_any()
        }
        Some(Ok((
            SharedAttestation {
                jws: Some(jws),
                status,
            },
            keys,
            logged,
        ))) => {
            // Timed with the Performance API, for the record (the tests read it).
            let performance = window().performance();
            let started = performance.as_ref().map(|p| p.now());
            let checked = verify_attestation(&jws, &keys, now());
            if let (Some(performance), Some(started)) = (&performance, started) {
                let took = performance.now() - started;
                let _ = performance.mark("pp-verified");
                if let Some(root) = document().document_element() {
                    let _ = root.set_attribute("data-verify-ms", &format!("{took:.3}"));
                }
            }
            let record = record_of(Ok(status), &jws);
            view! { <Attestation checked record logged jws printable=true/> }.into_any()
        }
    }
}

/// A link whose attestation is no longer shared: revoked, or expired and not kept readable by
/// the contact center. Its status and dates only, with the signed revocation checked here.
#[component]
fn Withheld(status: AttestationStatus, keys: Jwks) -> impl IntoView {
    let (title, words) = match &status.revoked_at {
        Some(at) => (
            "Attestation revoked",
            format!(
                "Revoked — the contact center withdrew this attestation on {}. Its content is no longer shared.",
                timestamp(at)
            ),
        ),
        None => (
            "Attestation expired",
            format!(
                "Expired — this attestation ended on {}. The contact center did not keep it readable after its expiry: ask them for a fresh one.",
                timestamp(&status.expires_at)
            ),
        ),
    };
    // The revocation is signed by the deployment and names this attestation by id and hash.
    let revocation = status
        .revocation
        .as_deref()
        .map(|jws| match verify_revocation(jws, &keys) {
            Ok(claims) if claims.jti == status.jti && claims.leaf == status.leaf => format!(
                "signed by the deployment; entry {} of the transparency log",
                status
                    .revocation_log_index
                    .map_or("?".to_owned(), |i| i.to_string())
            ),
            Ok(_) => "signed, but for another attestation".to_owned(),
            Err(problem) => format!("its signature does not verify: {problem}"),
        });
    view! {
        <h1>{title}</h1>
        <div class="verdict verdict--invalid" role="status" data-testid="verdict">
            <strong>{words}</strong>
        </div>
        <dl class="attestation__facts" data-testid="withheld">
            <dt>"Issued"</dt><dd>{timestamp(&status.issued_at)}</dd>
            <dt>"Expires"</dt><dd>{timestamp(&status.expires_at)}</dd>
            {status.revoked_at.clone().map(|at| view! { <dt>"Revoked"</dt><dd>{timestamp(&at)}</dd> })}
            {revocation.map(|words| view! { <dt>"Revocation"</dt><dd>{words}</dd> })}
            <dt>"Attestation id"</dt><dd><code>{status.jti.clone()}</code></dd>
            <dt>"Transparency log"</dt><dd>{format!("issued as entry {}", status.log_index)}</dd>
        </dl>
    }
}

/// A pasted copy, checked against this deployment's keys and its status endpoint.
#[component]
fn CheckACopy() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let result = RwSignal::new(None::<(Checked, Record, Logged, String)>);
    let error = RwSignal::new(None::<String>);
    let check = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let jws = text.get_untracked().trim().to_owned();
        leptos::task::spawn_local(async move {
            let keys = match keys().await {
                Ok(keys) => keys,
                Err(failure) => {
                    error.set(Some(failure.to_string()));
                    return;
                }
            };
            let checked = verify_attestation(&jws, &keys, now());
            let (record, logged) = match &checked.claims {
                Some(claims) => {
                    let path = format!("/api/v1/attestation-status/{}", claims.jti);
                    let status = api::get::<AttestationStatus>(&path).await;
                    (record_of(status, &jws), logged(&jws, &keys).await)
                }
                None => (Record::Unchecked, Logged::Unchecked),
            };
            error.set(None);
            result.set(Some((checked, record, logged, jws)));
        });
    };
    view! {
        <section class="card no-print">
            <h2>"Check a copy you received"</h2>
            <form class="form" on:submit=check>
                <label class="field field--wide">
                    <span class="field__label">"Attestation (.jws contents)"</span>
                    <textarea rows="4" name="jws" data-testid="jws-input" required
                        placeholder="eyJ0eXAiOiJwZWVycG9zdHVyZS1hdHRlc3RhdGlvbitqd3Qi…"
                        bind:value=text></textarea>
                </label>
                <div class="form-actions">
                    <button type="submit" class="button button--primary">"Check"</button>
                </div>
            </form>
            {move || error.get().map(|e| view! { <div class="notice notice--error" role="alert">{e}</div> })}
        </section>
        {move || result.get().map(|(checked, record, logged, jws)| view! {
            <section class="checked-copy" data-testid="checked-copy">
                <Attestation checked record logged jws printable=false/>
            </section>
        })}
    }
}

/// What this deployment's status endpoint says of an attestation.
#[derive(Debug, Clone)]
enum Record {
    /// Issued here: whether and when it was revoked.
    Issued(AttestationStatus),
    /// An id issued here, but the copy differs from the one issued under it (whose hash the
    /// status names): signed with a copy of the key, or a replayed id.
    OtherCopy,
    /// No record of it here: whatever its signature says, this deployment did not issue it (a
    /// copy of the signing key, taken from the database, signs as well as the deployment does).
    NotIssued,
    /// The status could not be read (the network, a server error).
    Unchecked,
}

/// The verdict in words, and whether it is good news.
fn verdict(checked: &Checked, record: &Record, logged: Logged) -> (bool, String) {
    let claims = checked.claims.as_ref();
    let signed = matches!(checked.problem, None | Some(Problem::Expired(_)));
    if signed && claims.is_some() {
        let refused = match (record, logged) {
            (Record::NotIssued, _) => {
                Some("not issued by this deployment: it has no record of this attestation")
            }
            (Record::OtherCopy, _) => Some(
                "not the attestation this deployment issued under this id: its content differs from the copy it signed and logged",
            ),
            (_, Logged::Missing) => Some("not in this deployment's transparency log"),
            _ => None,
        };
        if let Some(why) = refused {
            return (false, format!("Invalid — {why}."));
        }
    }
    let revoked = match record {
        Record::Issued(status) => status.revoked_at.clone(),
        Record::OtherCopy | Record::NotIssued | Record::Unchecked => None,
    };
    match (&checked.problem, claims, revoked) {
        (_, Some(claims), Some(at)) => (
            false,
            format!(
                "Revoked — {} withdrew this attestation on {}.",
                claims.sub,
                timestamp(&at)
            ),
        ),
        (None, Some(claims), None) => (
            true,
            format!(
                "Valid — issued by {} for {}, expires {}, {}.",
                claims.iss,
                claims.aud,
                timestamp(&rfc3339(claims.exp)),
                if matches!(record, Record::Issued(_)) {
                    "not revoked"
                } else {
                    "revocation could not be checked"
                }
            ),
        ),
        (Some(Problem::Expired(at)), _, None) => (
            false,
            format!(
                "Expired — this attestation ended on {}.",
                timestamp(&rfc3339(*at))
            ),
        ),
        (Some(problem), _, _) => (false, format!("Invalid — {problem}.")),
        (None, None, _) => (false, "Invalid.".to_owned()),
    }
}

/// One attestation: the verdict, then its content with the peer context.
#[component]
fn Attestation(
    checked: Checked,
    record: Record,
    logged: Logged,
    jws: String,
    printable: bool,
) -> impl IntoView {
    let (good, words) = verdict(&checked, &record, logged);
    let log_line = match logged {
        Logged::At { index, size } => Some(format!(
            "In the transparency log: entry {index} of {size}, proven against a signed tree head."
        )),
        Logged::Unchecked => Some("The transparency log could not be read.".to_owned()),
        Logged::Missing => None,
    };
    let compared = checked
        .claims
        .as_ref()
        .and_then(|claims| against_served(claims, &record));
    let matches = compared
        .clone()
        .filter(|(same, _)| *same)
        .map(|(_, line)| line);
    let differs = compared.filter(|(same, _)| !*same).map(|(_, line)| line);
    let class = if good {
        "verdict verdict--valid"
    } else {
        "verdict verdict--invalid"
    };
    let download = download_link(&jws);
    view! {
        <div class=class role="status" data-testid="verdict">
            <strong>{words}</strong>
            {checked.kid.clone().map(|kid| view! { <span class="verdict__key">"Key "{kid}</span> })}
            {log_line.filter(|_| checked.claims.is_some()).map(|line| view! { <span class="verdict__log" data-testid="log-entry">{line}</span> })}
            {matches.map(|line| view! { <span class="verdict__log" data-testid="served">{line}</span> })}
        </div>
        {differs.map(|line| view! { <div class="notice notice--error" role="alert" data-testid="served">{line}</div> })}
        {checked.claims.map(|claims| content(claims, good))}
        <p class="report__actions no-print">
            {printable.then(|| view! { <button type="button" class="button" on:click=move |_| { let _ = window().print(); }>"Print or save as PDF"</button> })}
            {download.map(|href| view! { <a class="button" href=href download="attestation.jws">"Download the .jws file"</a> })}
        </p>
    }
}

/// How the attestation's peer figures compare with the benchmark the deployment serves now for
/// its quarter and peer group: (whether they all match, in words). `None` when the status
/// carries no served benchmark (revoked, unknown, or not read).
fn against_served(claims: &AttestationClaims, record: &Record) -> Option<(bool, String)> {
    let Record::Issued(status) = record else {
        return None;
    };
    let served = status.served.as_ref()?;
    let differing: Vec<String> = claims
        .metrics
        .iter()
        .filter(|attested| {
            !served
                .metrics
                .iter()
                .any(|now| now.same_peer_figures(attested))
        })
        .map(|attested| {
            catalogue::find(&attested.metric).map_or(attested.metric.clone(), |m| m.name.clone())
        })
        .collect();
    let peers = format!("{}, {}", claims.period, claims.cohort.label());
    Some(if !differing.is_empty() {
        (
            false,
            format!(
                "The peer figures of {} differ from the benchmark this deployment publishes now for {peers}: either the benchmark was recomputed since, or the attestation misstates it. Ask the contact center for a fresh attestation.",
                differing.join(", ")
            ),
        )
    } else if served.digest == claims.benchmark_digest {
        (
            true,
            format!(
                "Its peer figures and benchmark digest match what this deployment publishes for {peers}."
            ),
        )
    } else {
        (
            true,
            format!(
                "Its peer figures match what this deployment publishes for {peers}; the benchmark was recomputed since it was issued (its digest changed) without changing them."
            ),
        )
    })
}

fn content(claims: AttestationClaims, valid: bool) -> impl IntoView {
    let show_values = claims.disclosure == Disclosure::Values;
    let rows = claims
        .metrics
        .iter()
        .map(|metric| metric_row(metric, show_values))
        .collect_view();
    let standard = claims.standard.clone().map(|standard| {
        let met = standard.requirements.iter().filter(|r| r.met == Some(true)).count();
        let requirements = standard
            .requirements
            .into_iter()
            .map(|requirement| {
                let (class, label) = match requirement.met {
                    Some(true) => ("status status--met", "Met"),
                    Some(false) => ("status status--missed", "Missed"),
                    None => ("muted", "Not submitted"),
                };
                view! { <tr><td>{requirement.text}</td><td><span class=class>{label}</span></td></tr> }
            })
            .collect_view();
        view! {
            <section class="card report__section">
                <h2>{format!("{} (version {})", standard.name, standard.version)}</h2>
                <p class="hint">{format!("The standard {} follows: {met} of its requirements met in {}.", claims.sub, claims.period)}</p>
                <div class="table-scroll" tabindex="0">
                    <table class="table table--compact" data-testid="attested-requirements">
                        <thead><tr><th>"Requirement"</th><th>"Status"</th></tr></thead>
                        <tbody>{requirements}</tbody>
                    </table>
                </div>
            </section>
        }
    });
    view! {
        <article class=if valid { "attestation" } else { "attestation attestation--doubtful" }>
            <h1>{format!("{}: security posture, {}", claims.sub, claims.period)}</h1>
            <dl class="attestation__facts">
                <dt>"For"</dt><dd>{claims.aud.clone()}</dd>
                <dt>"Issued by"</dt><dd>{claims.iss.clone()}</dd>
                <dt>"Issued"</dt><dd>{timestamp(&rfc3339(claims.iat))}</dd>
                <dt>"Expires"</dt><dd>{timestamp(&rfc3339(claims.exp))}</dd>
                <dt>"Peers"</dt><dd>{format!("{}, quarter {}", claims.cohort.label(), claims.period)}</dd>
                <dt>"Shows"</dt><dd>{if show_values { "the contact center's values and their position among peers" } else { "only the contact center's position among peers" }}</dd>
                <dt>"Anonymity"</dt><dd>{format!("peer figures published under policy {} (each rests on at least {} organisations)", claims.policy.version, claims.policy.k)}</dd>
                <dt>"Attestation id"</dt><dd><code>{claims.jti.clone()}</code></dd>
                <dt>"Benchmark"</dt><dd><code class="digest">{claims.benchmark_digest.clone()}</code></dd>
            </dl>
            <section class="card">
                <h2>"Metrics against peers"</h2>
                <p class="hint">"Peer figures are the published percentiles of the peer group; the bar spans P10–P90, the darker part P25–P75, the line is the median"{show_values.then_some(", the dot this contact center")}"."</p>
                <div class="table-scroll" tabindex="0">
                    <table class="table table--compact" data-testid="attested-metrics">
                        <thead><tr>
                            <th scope="col">"Metric"</th>
                            {show_values.then(|| view! { <th scope="col" class="num">"Value"</th> })}
                            <th scope="col">"Position"</th>
                            <th scope="col" class="num">"P25"</th>
                            <th scope="col" class="num">"Median"</th>
                            <th scope="col" class="num">"P75"</th>
                            <th scope="col">"Peers"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
            {standard}
        </article>
    }
}

fn metric_row(attested: &AttestedMetric, show_values: bool) -> impl IntoView + use<> {
    let metric = catalogue::find(&attested.metric);
    let name = metric.map_or(attested.metric.clone(), |m| m.name.clone());
    let shown = |value: Option<f64>| match (metric, value) {
        (Some(metric), Some(value)) => metric_value(metric, value),
        _ => "—".to_owned(),
    };
    let own = attested.value.map(shared::MetricValue::number);
    let is_boolean = metric.is_some_and(|m| m.unit == Unit::Boolean);
    let lower_is_better = metric.is_some_and(|m| m.direction == Direction::LowerIsBetter);
    let position = match (&attested.band, attested.suppressed) {
        (_, true) => "held back (too few peers)".to_owned(),
        (Some(band), false) if lower_is_better => format!("{band} (lower is better)"),
        (Some(band), false) => band.clone(),
        (None, false) => "—".to_owned(),
    };
    let context = if attested.suppressed {
        view! { <span class="muted">"held back under the anonymity policy"</span> }.into_any()
    } else if is_boolean {
        let share = attested
            .share_band
            .as_deref()
            .map_or("—".to_owned(), shared::format::share_band);
        view! { <span>{format!("{share} of peers answer yes")}</span> }.into_any()
    } else {
        // Percentages on their whole scale; other units around the published spread.
        let bounds = metric
            .filter(|m| m.unit == Unit::Percent)
            .map(|m| (m.min, m.max));
        range_bar(attested, bounds, own.filter(|_| show_values))
    };
    view! {
        <tr>
            <td class="metric-name">{name}</td>
            {show_values.then(|| view! { <td class="num">{shown(own)}</td> })}
            <td>{position}</td>
            <td class="num">{shown(attested.p25)}</td>
            <td class="num">{shown(attested.p50)}</td>
            <td class="num">{shown(attested.p75)}</td>
            <td class="range-cell">{context}</td>
        </tr>
    }
}

/// The published spread as a small inline SVG: P10–P90, P25–P75, the median, and the member's
/// value when disclosed.
fn range_bar(attested: &AttestedMetric, bounds: Option<(f64, f64)>, own: Option<f64>) -> AnyView {
    let (Some(p10), Some(p25), Some(p50), Some(p75), Some(p90)) = (
        attested.p10,
        attested.p25,
        attested.p50,
        attested.p75,
        attested.p90,
    ) else {
        return view! { <span class="muted">"—"</span> }.into_any();
    };
    let margin = (p90 - p10).abs().max(f64::EPSILON) * 0.15;
    let (low, high) = bounds.unwrap_or((p10 - margin, p90 + margin));
    let (low, high) = (
        low.min(p10).min(own.unwrap_or(p10)),
        high.max(p90).max(own.unwrap_or(p90)),
    );
    let span = (high - low).max(f64::EPSILON);
    let x = |value: f64| format!("{:.1}", 2.0 + 156.0 * (value - low) / span);
    let width = |from: f64, to: f64| format!("{:.1}", 156.0 * (to - from) / span);
    let label = format!(
        "P10 {p10}, P25 {p25}, median {p50}, P75 {p75}, P90 {p90}{}",
        own.map_or(String::new(), |v| format!("; this contact center {v}"))
    );
    view! {
        <svg class="range" viewBox="0 0 160 16" width="160" height="16" role="img" aria-label=label>
            <rect x=x(p10) y="6" width=width(p10, p90) height="4" rx="2" class="range__outer"/>
            <rect x=x(p25) y="4" width=width(p25, p75) height="8" rx="2" class="range__inner"/>
            <rect x=x(p50) y="2" width="1.5" height="12" class="range__median"/>
            {own.map(|v| view! { <circle cx=x(v) cy="8" r="4" class="range__own"/> })}
        </svg>
    }
    .into_any()
}

/// A download link for the attestation as a `.jws` file (a blob URL).
fn download_link(jws: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(jws));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/jose");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

#[component]
fn HowToCheck() -> impl IntoView {
    view! {
        <section class="card card--muted how-to-check">
            <h2>"Check it yourself"</h2>
            <p>"An attestation is a compact JWS (RFC 7515) signed with Ed25519 ("<code>"alg: EdDSA"</code>", RFC 8037). Any JOSE library verifies it with the public keys this deployment publishes at "
                <a href="/.well-known/jwks.json">"/.well-known/jwks.json"</a>
                "; the key id is in the header. Whether it was revoked: "<code>"GET /api/v1/attestation-status/{id}"</code>"."</p>
            <p>"Every attestation issued is recorded in an append-only transparency log (RFC 9162): "<code>"GET /api/v1/transparency/inclusion/{sha256 of the .jws}"</code>" proves this one is in it, and signed tree heads let anyone see that nothing issued was later removed or rewritten."</p>
            <p>"Peer figures are published statistics only: PeerPosture never shows another member's values."</p>
        </section>
    }
}
