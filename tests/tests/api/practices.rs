//! The best-practice library: moderation, anonymous authorship, sanitised Markdown, filters,
//! search and adoption marks.

use peerposture_tests::{Fetch, Session, TwoOrganisations};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::Role;
use shared::practice::{Attribution, Practice, PracticeStatus, PracticeSummary};
use shared::standard::FollowedStandard;

fn practice(title: &str, metric: &str, attribution: &str) -> Value {
    json!({
        "title": title,
        "problem": "Agents working from home clicked one simulated phishing lure in five.",
        "solution": "Simulations every two weeks with a **three-minute** lesson after a click.",
        "result": "The phish-prone rate fell from 21 % to 6 % within two quarters.",
        "metrics": [metric],
        "csf_categories": ["PR.AT"],
        "tier": "baseline",
        "attribution": attribution,
    })
}

async fn submit(app: &peerposture_tests::TestApp, author: &Session, body: &Value) -> Practice {
    let response = author
        .client
        .post(app.url("/api/v1/practices"))
        .json(body)
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn moderate(
    app: &peerposture_tests::TestApp,
    publisher: &Session,
    id: i64,
    body: Value,
) -> reqwest::Response {
    publisher
        .client
        .post(app.url(&format!("/api/v1/practices/{id}/moderation")))
        .json(&body)
        .sent()
        .await
}

/// Submits a practice as `author` and has `publisher` publish it; its id.
async fn submit_and_publish(
    app: &peerposture_tests::TestApp,
    author: &Session,
    publisher: &Session,
    body: &Value,
) -> i64 {
    let id = submit(app, author, body).await.summary.id;
    let response = moderate(app, publisher, id, json!({ "decision": "publish" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    id
}

/// A practice as `reader` sees it.
async fn read(app: &peerposture_tests::TestApp, reader: &Session, id: i64) -> Practice {
    reader
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .fetch()
        .await
}

/// Every way a user other than the author's organisation can list or read practices, as raw
/// response bodies.
async fn everything_visible_to(
    app: &peerposture_tests::TestApp,
    session: &Session,
    id: i64,
) -> Vec<String> {
    let mut bodies = Vec::new();
    for path in [
        "/api/v1/practices".to_owned(),
        format!("/api/v1/practices/{id}"),
        "/api/v1/practices/queue".to_owned(),
        "/api/v1/practices/mine".to_owned(),
        "/api/v1/practices?q=phishing".to_owned(),
    ] {
        let response = session.client.get(app.url(&path)).sent().await;
        bodies.push(response.text().await.unwrap());
    }
    bodies
}

#[tokio::test]
async fn an_anonymous_practice_is_moderated_and_never_names_its_author() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        viewer_a,
        manager_b,
    } = TwoOrganisations::spawn().await;
    let publisher = app
        .invite(&admin, "editor@industry.example", Role::Publisher, None)
        .await;

    let submitted = submit(
        &app,
        &manager_a,
        &practice("Fortnightly phishing drills", "phish_prone", "anonymous"),
    )
    .await;
    assert_eq!(submitted.summary.status, PracticeStatus::Submitted);
    assert!(submitted.summary.mine && submitted.summary.author.is_none());
    let id = submitted.summary.id;

    // Until published, only the authors and the moderators see it.
    let hidden = manager_b
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .sent()
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let library: Vec<PracticeSummary> = manager_b
        .client
        .get(app.url("/api/v1/practices"))
        .fetch()
        .await;
    assert!(library.is_empty());
    let queue: Vec<PracticeSummary> = publisher
        .client
        .get(app.url("/api/v1/practices/queue"))
        .fetch()
        .await;
    assert_eq!(queue.len(), 1);
    assert!(!queue[0].mine && queue[0].author.is_none());

    // Returning needs a comment; the authors see it with the status.
    let bare_return = moderate(&app, &publisher, id, json!({ "decision": "return" })).await;
    assert_eq!(bare_return.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let returned = moderate(
        &app,
        &publisher,
        id,
        json!({ "decision": "return", "comment": "Please add how long the rollout took." }),
    )
    .await;
    assert_eq!(returned.status(), StatusCode::OK);
    let own: Vec<PracticeSummary> = viewer_a
        .client
        .get(app.url("/api/v1/practices/mine"))
        .fetch()
        .await;
    assert_eq!(own[0].status, PracticeStatus::Returned);
    assert_eq!(
        own[0].moderation_comment.as_deref(),
        Some("Please add how long the rollout took.")
    );
    // A returned practice is out of the queue and cannot be published until resubmitted.
    let early = moderate(&app, &publisher, id, json!({ "decision": "publish" })).await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    let queue: Vec<PracticeSummary> = publisher
        .client
        .get(app.url("/api/v1/practices/queue"))
        .fetch()
        .await;
    assert!(queue.is_empty());

    // Another organisation cannot edit it; its authors can, which submits it again.
    let mut revised = practice("Fortnightly phishing drills", "phish_prone", "anonymous");
    revised["solution"] = json!("Simulations every two weeks, rolled out over six weeks.");
    let foreign_edit = manager_b
        .client
        .put(app.url(&format!("/api/v1/practices/{id}")))
        .json(&revised)
        .sent()
        .await;
    assert_eq!(foreign_edit.status(), StatusCode::NOT_FOUND);
    let resubmitted: Practice = manager_a
        .client
        .put(app.url(&format!("/api/v1/practices/{id}")))
        .json(&revised)
        .fetch()
        .await;
    assert_eq!(resubmitted.summary.status, PracticeStatus::Submitted);

    let published: Practice = moderate(&app, &publisher, id, json!({ "decision": "publish" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published.summary.status, PracticeStatus::Published);
    assert!(published.summary.published_at.is_some());
    let again = moderate(&app, &publisher, id, json!({ "decision": "publish" })).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let late_edit = manager_a
        .client
        .put(app.url(&format!("/api/v1/practices/{id}")))
        .json(&revised)
        .sent()
        .await;
    assert_eq!(late_edit.status(), StatusCode::CONFLICT);

    // Nobody outside organisation A learns who wrote it: no author field, no name, no email,
    // not even for the admin or the moderator who published it.
    for session in [&manager_b, &publisher, &admin] {
        for body in everything_visible_to(&app, session, id).await {
            assert!(!body.contains("\"author\""), "{body}");
            assert!(!body.contains("Org A"), "{body}");
            assert!(!body.contains("a.example"), "{body}");
            assert!(!body.contains("\"mine\":true"), "{body}");
        }
    }
    // Its authors know it is theirs, and that others see it anonymously.
    let theirs = read(&app, &viewer_a, id).await;
    assert!(theirs.summary.mine);
    assert_eq!(theirs.summary.attribution, Attribution::Anonymous);
    // The moderation comment stays between the authors and the moderators.
    let seen_by_b: Value = manager_b
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .fetch()
        .await;
    assert!(seen_by_b.get("moderation_comment").is_none());

    // A named practice carries the organisation's name.
    let named = submit_and_publish(
        &app,
        &manager_b,
        &publisher,
        &practice("Passkeys for every agent", "mfa_coverage", "named"),
    )
    .await;
    let seen = read(&app, &manager_a, named).await;
    assert_eq!(seen.summary.author.as_deref(), Some("Org B"));
}

#[tokio::test]
async fn hostile_markdown_is_stored_as_written_and_rendered_inert() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        manager_b,
        ..
    } = TwoOrganisations::spawn().await;
    let publisher = app
        .invite(&admin, "editor@industry.example", Role::Publisher, None)
        .await;
    let hostile = "<script>alert('x')</script>\n\n\
                   Text <img src=x onerror=alert(1)> and \
                   [win a prize](javascript:alert(document.cookie)) and \
                   <a href=\"javascript:alert(1)\" onclick=\"alert(2)\">click</a>\n\n\
                   ![tracker](https://evil.example/pixel.png) **bold** and safe";
    let mut body = practice("Hostile markdown test", "mfa_coverage", "named");
    body["problem"] = json!(hostile);
    body["result"] = json!(
        "<iframe src=\"https://evil.example\"></iframe>\n\n[ok](https://www.pcisecuritystandards.org/)"
    );
    let id = submit_and_publish(&app, &manager_a, &publisher, &body).await;
    let seen = read(&app, &manager_b, id).await;
    assert_eq!(seen.problem, hostile, "the source is kept as written");
    for html in [&seen.html.problem, &seen.html.solution, &seen.html.result] {
        // Text is escaped (`&lt;script&gt;` is harmless), so every literal `<` opens a tag the
        // renderer wrote: none may be a script, frame or image, or carry a handler or a
        // javascript: link.
        for tag in html
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap())
        {
            let tag = tag.to_lowercase();
            for forbidden in [
                "script",
                "img",
                "iframe",
                "javascript",
                "onerror",
                "onclick",
            ] {
                assert!(!tag.contains(forbidden), "<{tag}> in {html}");
            }
        }
    }
    assert!(seen.html.problem.contains("<strong>bold</strong>"));
    assert!(seen.html.problem.contains("&lt;script&gt;"));
    assert!(
        seen.html
            .problem
            .contains(r##"<a href="#">win a prize</a>"##)
    );
    assert!(
        seen.html
            .result
            .contains(r#"<a href="https://www.pcisecuritystandards.org/">ok</a>"#)
    );
}

#[tokio::test]
async fn readers_filter_search_and_mark_practices_adopted() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        viewer_a,
        manager_b,
        ..
    } = TwoOrganisations::spawn().await;
    let publisher = app
        .invite(&admin, "editor@industry.example", Role::Publisher, None)
        .await;
    let mut drills = practice("Fortnightly phishing drills", "phish_prone", "named");
    drills["csf_categories"] = json!(["PR.AT"]);
    let mut keys = practice("Passkeys for every agent", "mfa_coverage", "named");
    keys["tier"] = json!("advanced");
    keys["csf_categories"] = json!(["PR.AA"]);
    keys["problem"] = json!("Agents reused passwords across client portals and got phished.");
    let mut playbook = practice(
        "A ransomware playbook agents can follow",
        "mttr_hours",
        "named",
    );
    playbook["csf_categories"] = json!(["RS.MA"]);
    playbook["problem"] = json!("Our first ransomware drill took nine hours to contain.");
    for body in [&drills, &keys, &playbook] {
        submit_and_publish(&app, &publisher, &publisher, body).await;
    }

    let titles = |query: &'static str| {
        let client = manager_b.client.clone();
        let url = app.url(&format!("/api/v1/practices{query}"));
        async move {
            let practices: Vec<PracticeSummary> = client.get(url).fetch().await;
            let mut titles: Vec<String> = practices.into_iter().map(|p| p.title).collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(titles("").await.len(), 3);
    assert_eq!(
        titles("?metric=mfa_coverage").await,
        ["Passkeys for every agent"]
    );
    assert_eq!(
        titles("?function=RS").await,
        ["A ransomware playbook agents can follow"]
    );
    assert_eq!(titles("?tier=advanced").await, ["Passkeys for every agent"]);
    assert_eq!(
        titles("?q=PHISHED%20passwords").await,
        ["Passkeys for every agent"]
    );
    assert_eq!(
        titles("?q=phishing&function=PR&tier=baseline").await,
        ["Fortnightly phishing drills"]
    );
    let long_query = format!("?q={}", "a".repeat(201));
    for bad in [
        "?metric=nope",
        "?function=XX",
        "?tier=gold",
        "?colour=red",
        &long_query,
    ] {
        let response = manager_b
            .client
            .get(app.url(&format!("/api/v1/practices{bad}")))
            .sent()
            .await;
        assert!(response.status().is_client_error(), "{bad}");
        let error: shared::ErrorBody = response.json().await.unwrap();
        assert!(!error.error.message.is_empty());
    }

    // "We adopted this": one mark per organisation; others see the count only.
    let library: Vec<PracticeSummary> = viewer_a
        .client
        .get(app.url("/api/v1/practices?metric=mfa_coverage"))
        .fetch()
        .await;
    let id = library[0].id;
    let adoption = format!("/api/v1/practices/{id}/adoption");
    for _ in 0..2 {
        let marked: Practice = viewer_a.client.put(app.url(&adoption)).fetch().await;
        assert_eq!(
            (marked.summary.adoptions, marked.summary.adopted_by_us),
            (1, true)
        );
    }
    let seen_by_a = read(&app, &manager_a, id).await;
    assert!(seen_by_a.summary.adopted_by_us);
    let seen_by_b = read(&app, &manager_b, id).await;
    assert_eq!(
        (seen_by_b.summary.adoptions, seen_by_b.summary.adopted_by_us),
        (1, false)
    );
    let unmarked: Practice = manager_a.client.delete(app.url(&adoption)).fetch().await;
    assert_eq!(
        (unmarked.summary.adoptions, unmarked.summary.adopted_by_us),
        (0, false)
    );
    let missing = viewer_a
        .client
        .put(app.url("/api/v1/practices/999/adoption"))
        .sent()
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Field errors name the field.
    let mut invalid = practice("Hi", "nope", "named");
    invalid["csf_categories"] = json!(["XX.YY"]);
    let refused = manager_a
        .client
        .post(app.url("/api/v1/practices"))
        .json(&invalid)
        .sent()
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    let fields = &error["error"]["fields"];
    for field in ["title", "metrics[0]", "csf_categories[0]"] {
        assert!(fields.get(field).is_some(), "{field} in {error}");
    }
}

#[tokio::test]
async fn a_member_admin_chooses_the_published_standard_to_follow() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        viewer_a,
        ..
    } = TwoOrganisations::spawn().await;
    let publisher = app
        .invite(&admin, "editor@industry.example", Role::Publisher, None)
        .await;
    let draft: Value = publisher
        .client
        .post(app.url("/api/v1/standards"))
        .json(&json!({
            "name": "BPO Security Baseline 2027",
            "requirements": [{ "metric": "mfa_coverage", "comparison": "gte", "threshold": 95,
                               "tier": "baseline", "rationale": "Phished passwords." }]
        }))
        .fetch()
        .await;
    let id = draft["id"].as_i64().unwrap();
    let follow = |standard_id: Option<i64>| {
        manager_a
            .client
            .put(app.url("/api/v1/org/standard"))
            .json(&FollowedStandard { standard_id })
            .sent()
    };
    assert_eq!(
        follow(Some(id)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a draft cannot be followed"
    );
    publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{id}/publish")))
        .sent()
        .await;
    assert_eq!(follow(Some(id)).await.status(), StatusCode::OK);
    let followed: FollowedStandard = viewer_a
        .client
        .get(app.url("/api/v1/org/standard"))
        .fetch()
        .await;
    assert_eq!(followed.standard_id, Some(id));
    assert_eq!(follow(None).await.status(), StatusCode::OK);
    let followed: FollowedStandard = viewer_a
        .client
        .get(app.url("/api/v1/org/standard"))
        .fetch()
        .await;
    assert_eq!(followed.standard_id, None);
}
