//! Notifications, email and webhooks, against a real SMTP server (aiosmtpd) and a real HTTP
//! receiver on loopback, with a clock the test moves.

use std::time::Duration;

use backend::config::Secret;
use hmac::{Hmac, Mac};
use peerposture_tests::{Email, Fetch, Hook, HookReceiver, Session, SmtpSink, TestApp, TestClock};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use shared::benchmark::Position;
use shared::notify::{
    NewWebhook, NotificationList, NotificationSettings, Unsubscribed, WEBHOOK_PAUSE_AFTER, Webhook,
    WebhookAttempt,
};
use shared::period::rfc3339;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;
const MEMBER_ADMIN: &str = "member-admin@demo.local";
const MEMBER_VIEWER: &str = "member-viewer@demo.local";

/// A demo server that emails through `sink`, admits loopback webhooks and reads `clock`.
async fn app(sink: &SmtpSink, clock: &TestClock) -> TestApp {
    let url = sink.url();
    let clock = clock.path.clone();
    TestApp::spawn_demo_configured(move |config| {
        config.smtp_url = Some(Secret::new(url));
        config.smtp_from = "PeerPosture <notifications@peerposture.test>".to_owned();
        config.webhook_allow_loopback = true;
        config.clock_file = Some(clock);
        config.notify_poll_ms = 100;
    })
    .await
}

async fn inbox(app: &TestApp, session: &Session) -> NotificationList {
    session
        .client
        .get(app.url("/api/v1/notifications"))
        .fetch()
        .await
}

/// Waits until the user has a notification whose title contains `title`.
async fn wait_notified(app: &TestApp, session: &Session, title: &str) -> NotificationList {
    for _ in 0..300 {
        let list = inbox(app, session).await;
        if list.items.iter().any(|n| n.title.contains(title)) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} got no notification \"{title}\"", session.user.email);
}

/// Checks a webhook request's signature as a receiver written from the documentation would:
/// `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, `t` within five minutes.
fn verify_signature(hook: &Hook, secret: &str) {
    let header = &hook.headers["peerposture-signature"];
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v1", value)) => v1 = Some(value.to_owned()),
            _ => {}
        }
    }
    let (t, v1) = (t.expect("a timestamp"), v1.expect("a v1 signature"));
    let age = backend::auth::now_unix() - t.parse::<i64>().unwrap();
    assert!(age.abs() < 300, "timestamp {t} is {age} s off");
    let expected = shared::format::unhex(&v1).expect("a hex signature");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hook.body).as_bytes());
    mac.verify_slice(&expected)
        .expect("the signature verifies with the webhook's secret");
}

/// The mean CSF-function standing of a position, as the headline rounds it.
fn average(position: &Position) -> f64 {
    let standings: Vec<f64> = position
        .functions
        .iter()
        .filter_map(|f| f.standing)
        .collect();
    (standings.iter().sum::<f64>() / standings.len() as f64).round()
}

async fn create_webhook(app: &TestApp, admin: &Session, url: &str, events: &[&str]) -> NewWebhook {
    let response = admin
        .client
        .post(app.url("/api/v1/webhooks"))
        .json(&json!({ "url": url, "events": events }))
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_release_tells_each_member_its_headline_in_the_app_by_email_and_by_webhook() {
    let sink = SmtpSink::start().await;
    let clock = TestClock::new();
    let receiver = HookReceiver::start().await;
    let app = app(&sink, &clock).await;
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let viewer = app.login(MEMBER_VIEWER, PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let hook = create_webhook(&app, &admin, &receiver.url, &["released"]).await;
    assert!(hook.secret.starts_with("whsec_"));

    let current = backend::http::current_period();
    let previous = current.previous();
    let released = publisher
        .client
        .post(app.url(&format!("/api/v1/periods/{current}/release")))
        .sent()
        .await;
    assert_eq!(released.status(), 200);

    // The headline, from the member's own positions as the API serves them.
    let position = |period: shared::Period| {
        let client = admin.client.clone();
        let url = app.url(&format!("/api/v1/benchmarks/{period}/position?cohort=all"));
        async move { client.get(url).fetch::<Position>().await }
    };
    let (now_position, before_position) = (position(current).await, position(previous).await);
    let (now, before) = (average(&now_position), average(&before_position));
    let biggest = now_position
        .functions
        .iter()
        .filter_map(|f| {
            let old = before_position
                .functions
                .iter()
                .find(|b| b.function == f.function)?
                .standing?;
            Some((f.function, old, f.standing?))
        })
        .max_by(|a, b| (a.2 - a.1).abs().total_cmp(&(b.2 - b.1).abs()))
        .filter(|(_, old, new)| old.round() != new.round())
        .map(|(f, old, new)| format!(" Biggest move: {} {old:.0} → {new:.0}.", f.name()))
        .unwrap_or_default();
    let moved = match now - before {
        c if c > 0.0 => format!("up {c:.0} from {previous}"),
        c if c < 0.0 => format!("down {:.0} from {previous}", -c),
        _ => format!("unchanged from {previous}"),
    };
    let headline = format!(
        "Your average standing across the CSF functions is {now:.0} of 100 among all members, {moved}.{biggest}"
    );
    let title = format!("{current} benchmarks are out");

    // In the app, for the admin and the viewer alike.
    for session in [&admin, &viewer] {
        let list = wait_notified(&app, session, &title).await;
        let note = list.items.iter().find(|n| n.title == title).unwrap();
        assert_eq!(note.body, headline);
        assert_eq!(note.link, "/dashboard");
        assert!(!note.read && list.unread >= 1);
    }

    // By email, once per address, with the same headline and a one-click unsubscribe link.
    let subject = format!("PeerPosture: {title}");
    let emails = sink
        .wait_for("about the release", |e| {
            e.subject == subject && e.to == [MEMBER_ADMIN]
        })
        .await;
    let email: &Email = &emails[0];
    assert!(email.body.contains(&headline), "{}", email.body);
    assert!(email.from.contains("notifications@peerposture.test"));
    let unsubscribe = &email.headers["List-Unsubscribe"];
    assert!(
        unsubscribe.contains("/api/v1/unsubscribe?token="),
        "{unsubscribe}"
    );
    assert_eq!(
        email.headers["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    sink.wait_for("to the viewer", |e| {
        e.subject == subject && e.to == [MEMBER_VIEWER]
    })
    .await;

    // By webhook, signed, with the same figures.
    let hooks = receiver.wait_for(1).await;
    let request = &hooks[0];
    assert_eq!(request.headers["peerposture-event"], "released");
    assert_eq!(request.headers["content-type"], "application/json");
    verify_signature(request, &hook.secret);
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["type"], "released");
    assert_eq!(
        body["id"].as_str(),
        Some(request.headers["peerposture-delivery"].as_str())
    );
    assert_eq!(body["data"]["period"], current.to_string());
    assert_eq!(body["data"]["headline"].as_str(), Some(headline.as_str()));
    assert_eq!(body["data"]["previous_period"], previous.to_string());

    // Never twice to the same address for the same event, even after more worker rounds.
    tokio::time::sleep(Duration::from_millis(800)).await;
    for address in [MEMBER_ADMIN, MEMBER_VIEWER] {
        let count = sink
            .received()
            .iter()
            .filter(|e| e.subject == subject && e.to == [address])
            .count();
        assert_eq!(count, 1, "emails to {address}");
    }
    assert_eq!(receiver.received().len(), 1);

    // Marking read: one, then all; another user's ids change nothing of theirs.
    let id = inbox(&app, &admin).await.items[0].id;
    let other: Value = viewer
        .client
        .post(app.url("/api/v1/notifications/read"))
        .json(&json!({ "ids": [id] }))
        .fetch()
        .await;
    assert!(other["unread"].as_i64().unwrap() >= 1);
    assert!(!inbox(&app, &admin).await.items[0].read);
    let after: Value = admin
        .client
        .post(app.url("/api/v1/notifications/read"))
        .json(&json!({}))
        .fetch()
        .await;
    assert_eq!(after["unread"], 0);
    assert!(inbox(&app, &admin).await.items.iter().all(|n| n.read));
    let too_many: Vec<i64> = (0..201).collect();
    let refused = admin
        .client
        .post(app.url("/api/v1/notifications/read"))
        .json(&json!({ "ids": too_many }))
        .sent()
        .await;
    assert_eq!(refused.status(), 422);
}

#[tokio::test]
async fn deadline_reminders_come_7_and_2_days_ahead_and_an_unsubscribe_stops_their_email() {
    let sink = SmtpSink::start().await;
    let clock = TestClock::new();
    let app = app(&sink, &clock).await;
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let current = backend::http::current_period();
    let due_day = rfc3339(backend::auth::now_unix() + 10 * 86_400)[..10].to_owned();
    let deadline: Value = publisher
        .client
        .put(app.url(&format!("/api/v1/periods/{current}/deadline")))
        .json(&json!({ "due": due_day }))
        .fetch()
        .await;
    let due = shared::participation::end_of_day(&due_day).unwrap();
    assert_eq!(deadline["due_at"], rfc3339(due));

    // Ten days ahead: nothing yet.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let reminder = |days: i64| format!("{current} submissions are due in {days} days");
    assert!(
        !inbox(&app, &admin)
            .await
            .items
            .iter()
            .any(|n| n.title.contains("submissions are due"))
    );

    // 6.5 days ahead: the 7-day reminder, in the app and by email, to the members of
    // organisations that have not submitted every metric (the demo member is part-way).
    clock.set(due - 6 * 86_400 - 43_200);
    // Every handler reads the moved clock too: the 12-hour sessions have ended.
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let list = wait_notified(&app, &admin, &reminder(7)).await;
    let note = list.items.iter().find(|n| n.title == reminder(7)).unwrap();
    assert!(
        note.body
            .contains(&format!("Due by the end of {due_day} (UTC)"))
    );
    assert_eq!(note.link, "/submit");
    let subject = format!("PeerPosture: {}", reminder(7));
    let email = sink
        .wait_for("7 days ahead", |e| {
            e.subject == subject && e.to == [MEMBER_ADMIN]
        })
        .await
        .remove(0);
    // Organisations that submitted everything hear nothing.
    let participation: shared::participation::Participation = publisher
        .client
        .get(app.url(&format!("/api/v1/periods/{current}/participation")))
        .fetch()
        .await;
    let complete: Vec<&str> = participation
        .organisations
        .iter()
        .filter(|o| o.status == shared::participation::ParticipationStatus::Complete)
        .map(|o| o.name.as_str())
        .collect();
    let org_two = backend::demo::org_name(2);
    let second = app.login("member-admin-2@demo.local", PASSWORD).await;
    let second_told = inbox(&app, &second)
        .await
        .items
        .iter()
        .any(|n| n.title == reminder(7));
    assert_eq!(second_told, !complete.contains(&org_two.as_str()));

    // The email's unsubscribe link, followed without a session, stops deadline emails.
    let link = email.headers["List-Unsubscribe"]
        .trim_matches(['<', '>'])
        .to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // The last character changed to another one (one token in 64 already ends in 'x').
    let (head, last) = token.split_at(token.len() - 1);
    let tampered = format!("{head}{}", if last == "x" { "y" } else { "x" });
    let refused = app
        .client
        .post(app.url(&format!("/api/v1/unsubscribe?token={tampered}")))
        .sent()
        .await;
    assert_eq!(refused.status(), 404);
    let done: Unsubscribed = app
        .client
        .post(app.url(&format!("/api/v1/unsubscribe?token={token}")))
        .body("List-Unsubscribe=One-Click")
        .fetch()
        .await;
    assert_eq!(done.email, MEMBER_ADMIN);
    assert_eq!(done.kind.key(), "deadline");
    let settings: NotificationSettings = admin
        .client
        .get(app.url("/api/v1/notifications/settings"))
        .fetch()
        .await;
    assert!(settings.email_configured);
    let deadline_setting = settings
        .settings
        .iter()
        .find(|s| s.kind.key() == "deadline")
        .unwrap();
    assert!(deadline_setting.in_app && !deadline_setting.email);

    // 1.5 days ahead: the 2-day reminder reaches the admin in the app only; the viewer, who
    // did not unsubscribe, also by email.
    clock.set(due - 86_400 - 43_200);
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let viewer = app.login(MEMBER_VIEWER, PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    wait_notified(&app, &admin, &reminder(2)).await;
    let subject = format!("PeerPosture: {}", reminder(2));
    sink.wait_for("2 days ahead to the viewer", |e| {
        e.subject == subject && e.to == [MEMBER_VIEWER]
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !sink
            .received()
            .iter()
            .any(|e| e.subject == subject && e.to == [MEMBER_ADMIN]),
        "the unsubscribed admin got the 2-day email"
    );
    // Each reminder once.
    let titles: Vec<String> = inbox(&app, &viewer)
        .await
        .items
        .into_iter()
        .map(|n| n.title)
        .filter(|t| t.contains("submissions are due"))
        .collect();
    assert_eq!(titles, [reminder(2), reminder(7)]);

    // The settings page turns in-app off: the next kind of event no longer shows.
    let saved: NotificationSettings = admin
        .client
        .put(app.url("/api/v1/notifications/settings"))
        .json(&json!({ "settings": [{ "kind": "released", "in_app": false, "email": true }] }))
        .fetch()
        .await;
    let released = saved
        .settings
        .iter()
        .find(|s| s.kind.key() == "released")
        .unwrap();
    assert!(!released.in_app && released.email);
    let invitation = admin
        .client
        .put(app.url("/api/v1/notifications/settings"))
        .json(&json!({ "settings": [{ "kind": "invitation", "in_app": true, "email": true }] }))
        .sent()
        .await;
    assert_eq!(invitation.status(), 422);
    let released = publisher
        .client
        .post(app.url(&format!("/api/v1/periods/{current}/release")))
        .sent()
        .await;
    assert_eq!(released.status(), 200);
    let title = format!("{current} benchmarks are out");
    wait_notified(&app, &viewer, &title).await;
    sink.wait_for("the release to the admin", |e| {
        e.to == [MEMBER_ADMIN] && e.subject.contains(&title)
    })
    .await;
    assert!(
        !inbox(&app, &admin)
            .await
            .items
            .iter()
            .any(|n| n.title == title)
    );
}

async fn attempts(app: &TestApp, admin: &Session, id: i64) -> Vec<WebhookAttempt> {
    admin
        .client
        .get(app.url(&format!("/api/v1/webhooks/{id}/attempts")))
        .fetch()
        .await
}

/// A webhook's log once it has an attempt (up to 5 s).
async fn first_attempts(app: &TestApp, admin: &Session, id: i64) -> Vec<WebhookAttempt> {
    for _ in 0..100 {
        let log = attempts(app, admin, id).await;
        if !log.is_empty() {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("webhook #{id} has no attempt within 5 s");
}

async fn test_ping(app: &TestApp, admin: &Session, id: i64) {
    let response = admin
        .client
        .post(app.url(&format!("/api/v1/webhooks/{id}/test")))
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn webhooks_are_retried_after_a_failure_paused_after_repeated_ones_and_resumed() {
    let sink = SmtpSink::start().await;
    let clock = TestClock::new();
    let receiver = HookReceiver::start().await;
    let app = app(&sink, &clock).await;
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let hook = create_webhook(&app, &admin, &receiver.url, &["released", "deadline"]).await;
    let id = hook.webhook.id;

    // A 500, then a retry a minute later (on the test's clock) that succeeds.
    receiver.answer_next(&[500]);
    test_ping(&app, &admin, id).await;
    let first = receiver.wait_for(1).await;
    assert_eq!(first[0].headers["peerposture-event"], "ping");
    verify_signature(&first[0], &hook.secret);
    let log = first_attempts(&app, &admin, id).await;
    assert_eq!(log[0].status, Some(500));
    assert_eq!(log[0].response, "receiver answered 500");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 1, "retried before its time");
    clock.set(clock.now() + 61);
    let both = receiver.wait_for(2).await;
    assert_eq!(
        both[0].headers["peerposture-delivery"], both[1].headers["peerposture-delivery"],
        "a retry carries the same delivery id"
    );
    verify_signature(&both[1], &hook.secret);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = attempts(&app, &admin, id).await;
    assert_eq!(
        log.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(200), Some(500)]
    );

    // Failures in a row pause the webhook, and its owner hears of it.
    let pause_after = usize::try_from(WEBHOOK_PAUSE_AFTER).unwrap();
    receiver.answer_next(&vec![503; pause_after]);
    for _ in 0..pause_after {
        test_ping(&app, &admin, id).await;
    }
    receiver.wait_for(2 + pause_after).await;
    wait_notified(&app, &admin, "A webhook was paused").await;
    sink.wait_for("about the pause", |e| {
        e.to == [MEMBER_ADMIN] && e.subject == "PeerPosture: A webhook was paused"
    })
    .await;
    let listed: Vec<Webhook> = admin.client.get(app.url("/api/v1/webhooks")).fetch().await;
    assert!(listed[0].paused_at.is_some());
    assert_eq!(listed[0].failures, WEBHOOK_PAUSE_AFTER);

    // While paused nothing is sent, not even the retries that fall due.
    test_ping(&app, &admin, id).await;
    clock.set(clock.now() + 61);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 2 + pause_after);

    // Resumed: the waiting ping and the due retries are sent.
    let resumed: Webhook = admin
        .client
        .post(app.url(&format!("/api/v1/webhooks/{id}/resume")))
        .fetch()
        .await;
    assert!(resumed.paused_at.is_none() && resumed.failures == 0);
    receiver.wait_for(2 + pause_after + 1 + pause_after).await;
}

#[tokio::test]
async fn webhook_registrations_are_checked_and_private_addresses_never_called() {
    let receiver = HookReceiver::start().await;
    // The default: no loopback.
    let app = TestApp::spawn_demo_configured(|config| config.notify_poll_ms = 100).await;
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let other = app.login("member-admin-2@demo.local", PASSWORD).await;
    let viewer = app.login(MEMBER_VIEWER, PASSWORD).await;
    let post = |session: &Session, body: Value| {
        session
            .client
            .post(app.url("/api/v1/webhooks"))
            .json(&body)
            .sent()
    };
    for (body, field) in [
        (
            json!({ "url": receiver.url, "events": ["released"] }),
            "url",
        ),
        (
            json!({ "url": "ftp://example.com/x", "events": ["released"] }),
            "url",
        ),
        (
            json!({ "url": "https://user:pw@example.com/", "events": ["released"] }),
            "url",
        ),
        (
            json!({ "url": "https://example.com/", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "https://example.com/", "events": ["webhook_paused"] }),
            "events",
        ),
    ] {
        let response = post(&admin, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["fields"][field].is_string(),
            "{body}: {error}"
        );
    }
    assert_eq!(
        post(
            &admin,
            json!({ "url": "https://example.com/", "events": ["nope"] })
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        post(
            &viewer,
            json!({ "url": "https://example.com/", "events": ["released"] })
        )
        .await
        .status(),
        403
    );

    // HTTPS to a loopback or private address is accepted as written, but never called:
    // the request is refused before it leaves, and the log says why.
    let mut ids = Vec::new();
    for url in [
        "https://127.0.0.1:9/hook",
        "https://localhost:9/hook",
        "https://[::1]:9/hook",
        "https://169.254.169.254/latest/meta-data",
    ] {
        let created = create_webhook(&app, &admin, url, &["released"]).await;
        test_ping(&app, &admin, created.webhook.id).await;
        ids.push((url, created.webhook.id));
    }
    for (url, id) in &ids {
        let log = first_attempts(&app, &admin, *id).await;
        let error = log[0].error.clone().unwrap_or_default();
        assert!(
            error.contains("not public") || error.contains("no public address"),
            "{url}: {error}"
        );
        assert_eq!(log[0].status, None, "{url}");
    }

    // Another organisation's webhook does not exist for this admin.
    let (_, id) = ids[0];
    for request in [
        other
            .client
            .delete(app.url(&format!("/api/v1/webhooks/{id}"))),
        other
            .client
            .post(app.url(&format!("/api/v1/webhooks/{id}/test"))),
        other
            .client
            .post(app.url(&format!("/api/v1/webhooks/{id}/resume"))),
        other
            .client
            .get(app.url(&format!("/api/v1/webhooks/{id}/attempts"))),
    ] {
        assert_eq!(request.sent().await.status(), 404);
    }
    let theirs: Vec<Webhook> = other.client.get(app.url("/api/v1/webhooks")).fetch().await;
    assert!(theirs.is_empty());

    // At most ten per organisation; a deleted one frees its place and is gone from the list.
    for n in ids.len()..10 {
        create_webhook(
            &app,
            &admin,
            &format!("https://example.com/{n}"),
            &["released"],
        )
        .await;
    }
    assert_eq!(
        post(
            &admin,
            json!({ "url": "https://example.com/11", "events": ["released"] })
        )
        .await
        .status(),
        409
    );
    let deleted = admin
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{id}")))
        .sent()
        .await;
    assert_eq!(deleted.status(), 204);
    let listed: Vec<Webhook> = admin.client.get(app.url("/api/v1/webhooks")).fetch().await;
    assert_eq!(listed.len(), 9);
    assert!(listed.iter().all(|w| w.id != id));
}

#[tokio::test]
async fn invitations_moderation_new_versions_and_opened_links_reach_the_people_concerned() {
    let sink = SmtpSink::start().await;
    let clock = TestClock::new();
    let app = app(&sink, &clock).await;
    let admin = app.login(MEMBER_ADMIN, PASSWORD).await;
    let viewer = app.login(MEMBER_VIEWER, PASSWORD).await;
    let other = app.login("member-admin-2@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;

    // An invitation is emailed to the invitee, whose link works; the outbox then forgets it.
    let invited: Value = admin
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({
            "email": "new.colleague@bpo.test",
            "role": "member_viewer",
            "org_id": admin.user.org.as_ref().unwrap().id,
        }))
        .fetch()
        .await;
    let token = invited["token"].as_str().unwrap().to_owned();
    let email = sink
        .wait_for("with the invitation", |e| {
            e.to == ["new.colleague@bpo.test"]
        })
        .await
        .remove(0);
    assert_eq!(email.subject, "PeerPosture: You are invited to PeerPosture");
    assert!(
        email.body.contains(&format!("/invite/{token}")),
        "{}",
        email.body
    );
    assert!(email.body.contains("Demo Contact Center 001"));
    let shown = app
        .client
        .get(app.url(&format!("/api/v1/invitations/{token}")))
        .sent()
        .await;
    assert_eq!(shown.status(), 200);
    let db = app.database().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'invitation' \
         UNION ALL SELECT body FROM deliveries WHERE kind = 'invitation'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(!kept.is_empty());
    assert!(
        kept.iter().all(|text| !text.contains(&token)),
        "the invitation's link stayed in the outbox: {kept:?}"
    );

    // A practice returned: its author hears why; nobody else does.
    let practice: Value = admin
        .client
        .post(app.url("/api/v1/practices"))
        .json(&json!({
            "title": "Fortnightly phishing drills",
            "problem": "Agents working from home clicked one simulated phishing lure in five.",
            "solution": "Simulations every two weeks with a three-minute lesson after a click.",
            "result": "The phish-prone rate fell from 21 % to 6 % within two quarters.",
            "metrics": ["phish_prone"],
            "csf_categories": ["PR.AT"],
            "tier": "baseline",
            "attribution": "anonymous",
        }))
        .fetch()
        .await;
    let id = practice["id"].as_i64().unwrap();
    let moderated = publisher
        .client
        .post(app.url(&format!("/api/v1/practices/{id}/moderation")))
        .json(&json!({ "decision": "return", "comment": "Name the simulation tool's settings." }))
        .sent()
        .await;
    assert_eq!(moderated.status(), 200);
    let list = wait_notified(&app, &admin, "Your practice was returned").await;
    let note = list
        .items
        .iter()
        .find(|n| n.title == "Your practice was returned")
        .unwrap();
    assert!(note.body.contains("Name the simulation tool's settings."));
    assert_eq!(note.link, format!("/practices/{id}"));

    // A new version of the followed standard (#1, followed by the first organisation only).
    let current: Value = app.client.get(app.url("/api/v1/standards/1")).fetch().await;
    let created: Value = publisher
        .client
        .post(app.url("/api/v1/standards"))
        .json(&json!({
            "name": current["name"],
            "requirements": current["requirements"],
            "change_log": "Patch latency tightened.",
            "supersedes": 1,
        }))
        .fetch()
        .await;
    let next = created["id"].as_i64().unwrap();
    let published = publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{next}/publish")))
        .sent()
        .await;
    assert_eq!(published.status(), 200);
    let title = format!(
        "{} version 2 is published",
        current["name"].as_str().unwrap()
    );
    for session in [&admin, &viewer] {
        let list = wait_notified(&app, session, &title).await;
        let note = list.items.iter().find(|n| n.title == title).unwrap();
        assert!(note.body.contains("Patch latency tightened."));
        assert_eq!(note.link, format!("/standards/{next}"));
    }

    // An attestation's link opened twice in a day: its organisation's admins hear once.
    let released = backend::http::current_period().previous();
    let issued: shared::attestation::AttestationIssued = admin
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&json!({
            "period": released, "cohort": "all", "disclosure": "bands", "audience": "Acme Bank",
        }))
        .fetch()
        .await;
    let link = issued.share_path.strip_prefix("/a/").unwrap().to_owned();
    for _ in 0..2 {
        let opened = app
            .client
            .get(app.url(&format!("/api/v1/shared/{link}")))
            .sent()
            .await;
        assert_eq!(opened.status(), 200);
    }
    wait_notified(&app, &admin, "Your attestation for Acme Bank was opened").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let opened = |list: &NotificationList| {
        list.items
            .iter()
            .filter(|n| n.title.contains("was opened"))
            .count()
    };
    assert_eq!(opened(&inbox(&app, &admin).await), 1);
    assert_eq!(
        opened(&inbox(&app, &viewer).await),
        0,
        "viewers are not told"
    );

    // None of it reached the other organisation.
    let theirs = inbox(&app, &other).await;
    assert!(
        theirs.items.iter().all(|n| !n.title.contains("practice")
            && !n.title.contains("was opened")
            && !n.title.contains("version 2")),
        "{:?}",
        theirs.items
    );

    // Requirements met in the previous quarter and missed now, as the compliance answers say:
    // the demo member met the MFA requirement in the last release; it now reports none.
    let quarter = backend::http::current_period();
    let saved = admin
        .client
        .put(app.url(&format!("/api/v1/submissions/{quarter}")))
        .json(&json!({ "values": { "mfa_coverage": 0 } }))
        .sent()
        .await;
    assert_eq!(saved.status(), 200);
    let release = publisher
        .client
        .post(app.url(&format!("/api/v1/periods/{quarter}/release")))
        .sent()
        .await;
    assert_eq!(release.status(), 200);
    wait_notified(&app, &admin, &format!("{quarter} benchmarks are out")).await;
    let met = |period: shared::Period| {
        let client = admin.client.clone();
        let url = app.url(&format!(
            "/api/v1/standards/{next}/compliance?period={period}&cohort=all"
        ));
        async move {
            let compliance: Value = client.get(url).fetch().await;
            compliance["requirements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["met"].as_bool())
                .collect::<Vec<_>>()
        }
    };
    let (before, now) = (met(released).await, met(quarter).await);
    let missed = before
        .iter()
        .zip(&now)
        .filter(|(b, n)| **b == Some(true) && **n == Some(false))
        .count();
    println!("requirements met in {released} and missed in {quarter}: {missed}");
    let list = inbox(&app, &admin).await;
    let told = list
        .items
        .iter()
        .find(|n| n.title.contains("now missed in"));
    assert!(missed >= 1, "the setup misses no requirement");
    let told = told.unwrap_or_else(|| {
        panic!(
            "no requirement-missed notification: {:?}",
            list.items.iter().map(|n| &n.title).collect::<Vec<_>>()
        )
    });
    let expected = if missed == 1 {
        "1 requirement".to_owned()
    } else {
        format!("{missed} requirements")
    };
    assert_eq!(told.title, format!("{expected} now missed in {quarter}"));
    assert!(
        told.body
            .starts_with(&format!("Met in {released}, missed in {quarter}"))
    );
    assert!(told.body.contains("MFA"), "{}", told.body);
}
