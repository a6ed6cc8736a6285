//! The admin console beyond users: dashboard, usage (JSON and CSV), rooms and conversations,
//! failed answers and per-user budgets. Every route is for admins only; reads of conversations
//! and every change are audited.

use crate::support::{Session, TestApp};
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    every_console_route_is_for_admins_only,
    the_dashboard_counts_what_happened,
    usage_is_grouped_and_downloadable_as_csv,
    rooms_are_listed_read_and_deleted_with_an_audit_trail,
    budgets_are_set_per_user_enforced_and_failures_listed,
);

async fn room_named(app: &TestApp, owner: &Session, name: &str) -> String {
    app.create_room_with(owner, json!({"name": name, "aiMode": "always"})).await
}

fn today() -> String {
    chatbot_service::day_text(time::OffsetDateTime::now_utc().date())
}

async fn audit_actions(app: &TestApp, admin: &Session) -> Vec<String> {
    let page = app.get("/api/admin/audit", &admin.access).await;
    page.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

async fn every_console_route_is_for_admins_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let room = room_named(&app, &root, "Private").await;
    let routes = [
        (Method::GET, "/api/admin/dashboard".to_owned()),
        (Method::GET, "/api/admin/usage?groupBy=user".to_owned()),
        (Method::GET, "/api/admin/rooms".to_owned()),
        (Method::GET, format!("/api/admin/rooms/{room}/thread")),
        (Method::DELETE, format!("/api/admin/rooms/{room}")),
        (Method::GET, "/api/admin/errors".to_owned()),
    ];
    for (method, path) in &routes {
        let anonymous = app.call(method.clone(), path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path} signed out");
        let plain = app.call(method.clone(), path, Some(&bob.access), None).await;
        assert_eq!(plain.status, StatusCode::FORBIDDEN, "{method} {path} as a plain user: {:?}", plain.body);
        assert_eq!(plain.body["error"]["code"], "forbidden");
    }
    let budget = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", bob.id),
            Some(&bob.access),
            Some(json!({"dailyTokenBudget": 1})),
        )
        .await;
    assert_eq!(budget.status, StatusCode::FORBIDDEN);
    // Nothing happened: the room is still there.
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &root.access).await.status, StatusCode::OK);
}

async fn the_dashboard_counts_what_happened(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "0ms")]).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let room = room_named(&app, &root, "Counted").await;
    app.send(&root, &room, "one").await;
    app.finished_answers(&root, &room, 1).await;
    app.send(&root, &room, "two").await;
    app.finished_answers(&root, &room, 2).await;
    let off = app.create_room_with(&bob, json!({"name": "Quiet", "aiMode": "off"})).await;
    app.send(&bob, &off, "no answer here").await;

    let board = app.get("/api/admin/dashboard?days=7", &root.access).await;
    assert_eq!(board.status, StatusCode::OK, "{:?}", board.body);
    let b = &board.body;
    assert_eq!(b["users"]["total"], 2);
    assert_eq!(b["users"]["admins"], 1);
    assert_eq!(b["users"]["deactivated"], 0);
    assert_eq!(b["users"]["active24h"], 2, "registering signs in: {b}");
    assert_eq!(b["users"]["active7d"], 2);
    assert_eq!(b["rooms"]["total"], 3, "general and the two rooms");
    assert_eq!(b["messages"]["total"], 5, "three questions, two answers");
    let days = b["days"].as_array().expect("days");
    assert_eq!(days.len(), 7, "every day of the window");
    let last = days.last().expect("today");
    assert_eq!(last["day"], today());
    assert_eq!(last["messages"], 5);
    assert_eq!(last["answers"], 2);
    assert!(last["outputTokens"].as_i64().is_some_and(|t| t > 0), "{last}");
    assert!(days[..6].iter().all(|d| d["messages"] == 0 && d["answers"] == 0), "earlier days are empty");
    let models = b["models"].as_array().expect("models");
    assert_eq!(models.len(), 1, "{models:?}");
    assert_eq!((models[0]["provider"].as_str(), models[0]["model"].as_str()), (Some("demo"), Some("demo")));
    assert_eq!(models[0]["answers"], 2);
    assert_eq!(models[0]["outputTokens"], last["outputTokens"]);
    assert!(b["live"]["connections"].is_i64() && b["live"]["streams"].is_i64());

    for bad in ["days=0", "days=367", "days=x"] {
        let refused = app.get(&format!("/api/admin/dashboard?{bad}"), &root.access).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {:?}", refused.body);
    }
    let default = app.get("/api/admin/dashboard", &root.access).await;
    assert_eq!(default.body["days"].as_array().map(Vec::len), Some(14), "two weeks by default");
}

async fn usage_is_grouped_and_downloadable_as_csv(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "0ms")]).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let mine = room_named(&app, &root, "Mine, \"quoted\"").await;
    let his = room_named(&app, &bob, "His").await;
    app.send(&root, &mine, "a").await;
    app.send(&bob, &his, "b").await;
    app.finished_answers(&root, &mine, 1).await;
    app.finished_answers(&bob, &his, 1).await;
    app.send(&bob, &his, "c").await;
    app.finished_answers(&bob, &his, 2).await;

    let by_user = app.get("/api/admin/usage?groupBy=user", &root.access).await;
    assert_eq!(by_user.status, StatusCode::OK, "{:?}", by_user.body);
    let rows = by_user.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let bob_row = rows.iter().find(|r| r["key"] == bob.id.as_str()).expect("bob's row");
    assert_eq!(bob_row["label"], "bob <bob@example.com>");
    assert_eq!(bob_row["answers"], 2);
    let totals = &by_user.body["totals"];
    assert_eq!(totals["answers"], 3);
    let sum = |field: &str| rows.iter().map(|r| r[field].as_i64().unwrap_or(0)).sum::<i64>();
    assert_eq!(totals["outputTokens"].as_i64(), Some(sum("outputTokens")));
    assert_eq!(by_user.body["to"], today());

    let by_room = app.get("/api/admin/usage?groupBy=room", &root.access).await;
    let labels: Vec<&str> =
        by_room.body["rows"].as_array().expect("rows").iter().filter_map(|r| r["label"].as_str()).collect();
    assert!(labels.contains(&"His") && labels.contains(&"Mine, \"quoted\""), "{labels:?}");
    let by_model = app.get("/api/admin/usage?groupBy=model", &root.access).await;
    assert_eq!(by_model.body["rows"][0]["key"], "demo/demo");
    assert_eq!(by_model.body["rows"][0]["answers"], 3);
    let by_day = app.get("/api/admin/usage?groupBy=day", &root.access).await;
    assert_eq!(by_day.body["rows"][0]["key"], today());
    let long_ago = app.get("/api/admin/usage?groupBy=day&from=2020-01-01&to=2020-01-31", &root.access).await;
    assert_eq!(long_ago.body["rows"].as_array().map(Vec::len), Some(0));
    assert_eq!(long_ago.body["totals"]["answers"], 0);

    let csv = app
        .http
        .get(app.url("/api/admin/usage?groupBy=room&format=csv"))
        .bearer_auth(&root.access)
        .send()
        .await
        .expect("sent");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default().starts_with("text/csv")
    );
    let disposition =
        csv.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap_or_default().to_owned();
    assert!(disposition.contains("attachment") && disposition.contains("usage-room-"), "{disposition}");
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "key,label,answers,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_microdollars"
    );
    assert_eq!(lines.len(), 3, "a header and one line per room: {text}");
    assert!(text.contains(",\"Mine, \"\"quoted\"\"\",1,"), "quoted per RFC 4180: {text}");
    let accept = app
        .http
        .get(app.url("/api/admin/usage?groupBy=model"))
        .bearer_auth(&root.access)
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sent");
    assert!(accept.text().await.expect("text").starts_with("key,label,"), "Accept: text/csv is honoured");

    for bad in [
        "groupBy=team",
        "groupBy=user&from=2026-13-01",
        "groupBy=user&from=2026-02-02&to=2026-02-01",
        "groupBy=user&from=2020-01-01&to=2026-01-01",
        "groupBy=user&format=xml",
        "",
    ] {
        let refused = app.get(&format!("/api/admin/usage?{bad}"), &root.access).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {:?}", refused.body);
    }
}

async fn rooms_are_listed_read_and_deleted_with_an_audit_trail(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "0ms")]).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app
        .create_room_with(&bob, json!({"name": "Bob's plans", "aiMode": "off", "memberIds": [carol.id]}))
        .await;
    for i in 0..5 {
        app.send(&bob, &room, &format!("message {i}")).await;
    }
    app.create_room_with(&carol, json!({"name": "Other"})).await;

    let listed = app.get("/api/admin/rooms?search=PLANS", &root.access).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let rooms = listed.body["rooms"].as_array().expect("rooms");
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let r = &rooms[0];
    assert_eq!(r["id"], room.as_str());
    assert_eq!(r["ownerName"], "bob");
    assert_eq!(r["members"], 2);
    assert_eq!(r["messages"], 5);
    assert!(r["lastActivityAt"].is_string(), "{r}");
    let all = app.get("/api/admin/rooms?limit=2", &root.access).await;
    assert_eq!(all.body["rooms"].as_array().map(Vec::len), Some(2));
    let cursor = all.body["nextCursor"].as_str().expect("a full page has a cursor").to_owned();
    let rest = app.get(&format!("/api/admin/rooms?limit=2&after={cursor}"), &root.access).await;
    assert_eq!(rest.body["rooms"].as_array().map(Vec::len), Some(1), "general, Bob's plans, Other");

    // An admin who is not a member reads the conversation; the read is audited.
    let page = app.get(&format!("/api/admin/rooms/{room}/thread?limit=3"), &root.access).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let texts: Vec<&str> = page.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(texts, ["message 2", "message 3", "message 4"], "the newest three, oldest first");
    assert_eq!(page.body["hasMore"], true);
    let older = app.get(&format!("/api/admin/rooms/{room}/thread?before=3"), &root.access).await;
    assert_eq!(older.body["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(older.body["hasMore"], false);
    assert_eq!(audit_actions(&app, &root).await.iter().filter(|a| *a == "room.thread_read").count(), 2);
    let missing = app.get(&format!("/api/admin/rooms/{}/thread", uuid::Uuid::now_v7()), &root.access).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let general = app.call(Method::DELETE, "/api/admin/rooms/general", Some(&root.access), None).await;
    assert_eq!(general.status, StatusCode::FORBIDDEN, "general stays: {:?}", general.body);
    let deleted =
        app.call(Method::DELETE, &format!("/api/admin/rooms/{room}"), Some(&root.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    assert_eq!(deleted.body["id"], room.as_str());
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &bob.access).await.status, StatusCode::NOT_FOUND);
    let again = app.call(Method::DELETE, &format!("/api/admin/rooms/{room}"), Some(&root.access), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let entries = app.get("/api/admin/audit?action=room.deleted", &root.access).await;
    let entry = &entries.body["entries"][0];
    assert_eq!(entry["target"], room.as_str());
    assert_eq!(entry["actorId"], root.id.as_str());
    assert_eq!(entry["detail"]["name"], "Bob's plans");
}

async fn budgets_are_set_per_user_enforced_and_failures_listed(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("llm.demo_pace", "0ms")]).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let room = room_named(&app, &bob, "Budgeted").await;

    let set = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", bob.id),
            Some(&root.access),
            Some(json!({"dailyTokenBudget": 0})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["dailyTokenBudget"], 0);
    assert!(set.body["dailyCostBudget"].is_null(), "untouched: the server default");
    let listed = app.get("/api/admin/users?search=bob", &root.access).await;
    assert_eq!(listed.body["users"][0]["dailyTokenBudget"], 0, "shown in the list");

    app.send(&bob, &room, "over budget").await;
    let first = app.finished_answers(&bob, &room, 1).await;
    assert_eq!(first[0]["status"], "failed");
    assert_eq!(first[0]["error"], "quota_exceeded");

    let errors = app.get("/api/admin/errors", &root.access).await;
    assert_eq!(errors.status, StatusCode::OK, "{:?}", errors.body);
    let e = &errors.body["errors"][0];
    assert_eq!(e["code"], "quota_exceeded");
    assert_eq!(e["roomName"], "Budgeted");
    assert_eq!(e["messageId"], first[0]["id"]);
    assert!(errors.body["nextCursor"].is_null());

    let cleared = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", bob.id),
            Some(&root.access),
            Some(json!({"dailyTokenBudget": null})),
        )
        .await;
    assert!(cleared.body["dailyTokenBudget"].is_null(), "{:?}", cleared.body);
    app.send(&bob, &room, "within budget again").await;
    let both = app.finished_answers(&bob, &room, 2).await;
    assert_eq!(both[1]["status"], "complete", "{both:?}");

    let negative = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", bob.id),
            Some(&root.access),
            Some(json!({"dailyCostBudget": -1})),
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", negative.body);
    let changes = app.get("/api/admin/audit?action=user.budget_changed", &root.access).await;
    let entries = changes.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "set, then cleared: {entries:?}");
    assert_eq!(entries[1]["detail"]["dailyTokenBudget"]["to"], 0);
    assert!(entries[0]["detail"]["dailyTokenBudget"]["to"].is_null());
}
