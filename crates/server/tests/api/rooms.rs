use crate::support::TestApp;
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

backend_tests!(
    room_lifecycle_by_owner,
    room_list_has_last_message_and_unread_counts,
    members_are_managed_by_the_owner,
    outsiders_see_nothing,
    public_rooms_can_be_joined,
    general_room_is_shared_and_protected,
    history_is_paginated_by_seq,
    client_id_makes_posting_idempotent,
    removal_and_deletion_stop_posting_at_once,
    a_removal_through_another_instance_stops_posting_before_the_cache_ttl,
    room_size_is_limited,
    admins_can_manage_any_room,
);

async fn room_lifecycle_by_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let created = app
        .post(
            "/api/rooms",
            &ada.access,
            json!({"name": "  Plans  ", "description": "weekend", "systemPrompt": "Be brief."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let room = &created.body["room"];
    assert_eq!(room["name"], "Plans");
    assert_eq!(room["visibility"], "private");
    assert_eq!(room["aiMode"], "always", "a room with one human answers every message");
    assert_eq!(room["myRole"], "owner");
    assert_eq!(room["memberCount"], 1);
    assert_eq!(room["lastSeq"], 0);
    let id = room["id"].as_str().expect("id");

    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/rooms/{id}"),
            Some(&ada.access),
            Some(json!({"name": "Trip", "description": null, "aiMode": "mention"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["room"]["name"], "Trip");
    assert!(patched.body["room"]["description"].is_null());
    assert_eq!(patched.body["room"]["systemPrompt"], "Be brief.", "absent fields are untouched");
    assert_eq!(patched.body["room"]["aiMode"], "mention");

    let fetched = app.get(&format!("/api/rooms/{id}"), &ada.access).await;
    assert_eq!(fetched.body["room"]["name"], "Trip");

    let deleted = app.call(Method::DELETE, &format!("/api/rooms/{id}"), Some(&ada.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body, json!({"ok": true, "id": id}));
    assert_eq!(app.get(&format!("/api/rooms/{id}"), &ada.access).await.status, StatusCode::NOT_FOUND);
}

async fn room_list_has_last_message_and_unread_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ada, "Pair").await;
    let add = app.post(&format!("/api/rooms/{room}/members"), &ada.access, json!({"userId": bob.id})).await;
    assert_eq!(add.status, StatusCode::CREATED);
    app.send(&ada, &room, "hi bob").await;
    app.send(&bob, &room, "hi ada").await;
    app.send(&bob, &room, "are you there?").await;

    let list = app.get("/api/rooms", &ada.access).await;
    assert_eq!(list.status, StatusCode::OK);
    let rooms = list.body["rooms"].as_array().expect("rooms");
    assert_eq!(rooms[0]["id"], room.as_str(), "most recent activity first");
    assert_eq!(rooms[0]["unreadCount"], 2, "bob's two messages; ada's own do not count");
    assert_eq!(rooms[0]["lastMessage"]["content"], "are you there?");
    assert_eq!(rooms[0]["lastMessage"]["userName"], "bob");
    assert!(rooms.iter().any(|r| r["id"] == "general"), "everyone is in general");

    let bob_view = app.get(&format!("/api/rooms/{room}"), &bob.access).await;
    assert_eq!(bob_view.body["room"]["unreadCount"], 0, "bob has read up to his own last message");
    assert_eq!(bob_view.body["room"]["myRole"], "member");
}

async fn members_are_managed_by_the_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cy = app.register("cy").await;
    let room = app.create_room(&ada, "Team").await;
    let members_path = format!("/api/rooms/{room}/members");

    let by_email = app.post(&members_path, &ada.access, json!({"email": "BOB@example.com"})).await;
    assert_eq!(by_email.status, StatusCode::CREATED, "{:?}", by_email.body);
    assert_eq!(by_email.body["member"]["userId"], bob.id.as_str());
    let again = app.post(&members_path, &ada.access, json!({"userId": bob.id})).await;
    assert_eq!(again.status, StatusCode::OK, "already a member: success, nothing changes");
    let list = app.get(&members_path, &bob.access).await;
    assert_eq!(list.body["members"].as_array().map(Vec::len), Some(2));

    // A plain member may not add others or change settings.
    let by_member = app.post(&members_path, &bob.access, json!({"userId": cy.id})).await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    let rename = app
        .call(Method::PATCH, &format!("/api/rooms/{room}"), Some(&bob.access), Some(json!({"name": "Mine"})))
        .await;
    assert_eq!(rename.status, StatusCode::FORBIDDEN);
    let delete = app.call(Method::DELETE, &format!("/api/rooms/{room}"), Some(&bob.access), None).await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);

    let unknown = app.post(&members_path, &ada.access, json!({"email": "ghost@example.com"})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let both =
        app.post(&members_path, &ada.access, json!({"email": "bob@example.com", "userId": bob.id})).await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Owner cannot leave; a member can.
    let owner_leaves =
        app.call(Method::DELETE, &format!("{members_path}/{}", ada.id), Some(&ada.access), None).await;
    assert_eq!(owner_leaves.status, StatusCode::CONFLICT);
    let bob_leaves =
        app.call(Method::DELETE, &format!("{members_path}/{}", bob.id), Some(&bob.access), None).await;
    assert_eq!(bob_leaves.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &bob.access).await.status, StatusCode::NOT_FOUND);
    let gone = app.call(Method::DELETE, &format!("{members_path}/{}", bob.id), Some(&ada.access), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

async fn outsiders_see_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let eve = app.register("eve").await;
    let room = app.create_room(&ada, "Secret").await;
    app.send(&ada, &room, "the plan").await;
    let paths = [
        (Method::GET, format!("/api/rooms/{room}"), None),
        (Method::PATCH, format!("/api/rooms/{room}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/rooms/{room}"), None),
        (Method::GET, format!("/api/rooms/{room}/messages"), None),
        (Method::POST, format!("/api/rooms/{room}/messages"), Some(json!({"content": "hi"}))),
        (Method::GET, format!("/api/rooms/{room}/members"), None),
        (Method::POST, format!("/api/rooms/{room}/members"), Some(json!({"userId": eve.id}))),
        (Method::DELETE, format!("/api/rooms/{room}/members/{}", ada.id), None),
    ];
    for (method, path, body) in paths {
        let reply = app.call(method.clone(), &path, Some(&eve.access), body).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.code(), "not_found");
    }
    let rooms = app.get("/api/rooms", &eve.access).await;
    assert!(!rooms.body["rooms"].as_array().expect("rooms").iter().any(|r| r["id"] == room.as_str()));
    // Nothing changed.
    let history = app.get(&format!("/api/rooms/{room}/messages"), &ada.access).await;
    assert_eq!(history.body["messages"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &ada.access).await.body["room"]["name"], "Secret");
}

async fn public_rooms_can_be_joined(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let public = app.post("/api/rooms", &ada.access, json!({"name": "Lobby", "visibility": "public"})).await;
    let public_id = public.body["room"]["id"].as_str().expect("id").to_owned();
    let private = app.create_room(&ada, "Private").await;

    let join =
        app.post(&format!("/api/rooms/{public_id}/members"), &bob.access, json!({"userId": bob.id})).await;
    assert_eq!(join.status, StatusCode::CREATED, "{:?}", join.body);
    assert_eq!(app.get(&format!("/api/rooms/{public_id}"), &bob.access).await.status, StatusCode::OK);
    let sneak =
        app.post(&format!("/api/rooms/{private}/members"), &bob.access, json!({"userId": bob.id})).await;
    assert_eq!(sneak.status, StatusCode::NOT_FOUND);
}

async fn general_room_is_shared_and_protected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let general = app.get("/api/rooms/general", &bob.access).await;
    assert_eq!(general.status, StatusCode::OK, "{:?}", general.body);
    assert_eq!(general.body["room"]["id"], "general");
    assert_eq!(general.body["room"]["visibility"], "public");
    assert_eq!(general.body["room"]["aiMode"], "always");
    assert!(general.body["room"]["ownerId"].is_null());

    let message = app.send(&bob, "general", "hello everyone").await;
    assert_eq!(message["roomId"], "general");
    let seen = app.get("/api/rooms/general/messages", &root.access).await;
    assert_eq!(seen.body["messages"][0]["content"], "hello everyone");

    let by_user = app
        .call(Method::PATCH, "/api/rooms/general", Some(&bob.access), Some(json!({"aiMode": "off"})))
        .await;
    assert_eq!(by_user.status, StatusCode::FORBIDDEN);
    let by_admin = app
        .call(Method::PATCH, "/api/rooms/general", Some(&root.access), Some(json!({"aiMode": "mention"})))
        .await;
    assert_eq!(by_admin.status, StatusCode::OK);
    assert_eq!(by_admin.body["room"]["aiMode"], "mention");
    let private = app
        .call(Method::PATCH, "/api/rooms/general", Some(&root.access), Some(json!({"visibility": "private"})))
        .await;
    assert_eq!(private.status, StatusCode::CONFLICT);
    let delete = app.call(Method::DELETE, "/api/rooms/general", Some(&root.access), None).await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
}

async fn history_is_paginated_by_seq(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Log").await;
    for i in 1..=7 {
        let message = app.send(&ada, &room, &format!("m{i}")).await;
        assert_eq!(message["seq"], i);
        assert_eq!(message["text"], message["content"]);
        assert_eq!(message["timestamp"], message["createdAt"]);
        assert_eq!(message["user"]["name"], "ada");
    }
    let seqs = |reply: &crate::support::Reply| -> Vec<i64> {
        reply.body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter_map(|m| m["seq"].as_i64())
            .collect()
    };
    let path = format!("/api/rooms/{room}/messages");
    assert_eq!(seqs(&app.get(&path, &ada.access).await), vec![1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(seqs(&app.get(&format!("{path}?limit=3"), &ada.access).await), vec![5, 6, 7], "newest page");
    assert_eq!(seqs(&app.get(&format!("{path}?before=5&limit=2"), &ada.access).await), vec![3, 4]);
    assert_eq!(seqs(&app.get(&format!("{path}?after=2&limit=3"), &ada.access).await), vec![3, 4, 5]);
    assert_eq!(seqs(&app.get(&format!("{path}?after=7"), &ada.access).await), Vec::<i64>::new());
    for bad in ["limit=0", "limit=201", "limit=-1", "before=abc", "limit=many"] {
        let reply = app.get(&format!("{path}?{bad}"), &ada.access).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(app.get(&format!("{path}?limit=200"), &ada.access).await.status, StatusCode::OK);
}

async fn client_id_makes_posting_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Retry").await;
    let path = format!("/api/rooms/{room}/messages");
    let first = app.post(&path, &ada.access, json!({"content": "once", "clientId": "c-1"})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = app.post(&path, &ada.access, json!({"content": "once", "clientId": "c-1"})).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body["message"]["id"], first.body["message"]["id"]);
    let history = app.get(&path, &ada.access).await;
    assert_eq!(history.body["messages"].as_array().map(Vec::len), Some(1));
    // Original clients send `text` and no clientId.
    let legacy = app.post(&path, &ada.access, json!({"text": "from an old client"})).await;
    assert_eq!(legacy.status, StatusCode::CREATED);
    assert_eq!(legacy.body["message"]["seq"], 2);
}

/// Sends trust a cached membership check (docs/realtime.md); a change made through this server
/// must still apply to the very next message.
async fn removal_and_deletion_stop_posting_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ada, "Cached").await;
    let members = format!("/api/rooms/{room}/members");
    let messages = format!("/api/rooms/{room}/messages");
    assert_eq!(app.post(&members, &ada.access, json!({"userId": bob.id})).await.status, StatusCode::CREATED);
    // Both post twice, so both memberships are cached.
    for text in ["one", "two"] {
        assert_eq!(
            app.post(&messages, &bob.access, json!({"content": text})).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            app.post(&messages, &ada.access, json!({"content": text})).await.status,
            StatusCode::CREATED
        );
    }
    let removed = app.call(Method::DELETE, &format!("{members}/{}", bob.id), Some(&ada.access), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let after_removal = app.post(&messages, &bob.access, json!({"content": "still here?"})).await;
    assert_eq!(after_removal.status, StatusCode::NOT_FOUND, "{:?}", after_removal.body);

    let deleted = app.call(Method::DELETE, &format!("/api/rooms/{room}"), Some(&ada.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    let after_deletion = app.post(&messages, &ada.access, json!({"content": "anyone?"})).await;
    assert_eq!(after_deletion.status, StatusCode::NOT_FOUND, "{:?}", after_deletion.body);
}

async fn room_size_is_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.max_room_members", "2")]).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let cy = app.register("cy").await;
    let room = app.create_room(&ada, "Small").await;
    let path = format!("/api/rooms/{room}/members");
    assert_eq!(app.post(&path, &ada.access, json!({"userId": bob.id})).await.status, StatusCode::CREATED);
    let full = app.post(&path, &ada.access, json!({"userId": cy.id})).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert!(full.body["error"]["message"].as_str().unwrap_or_default().contains("full"));
}

async fn admins_can_manage_any_room(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Ada's").await;
    // An admin who is not a member still cannot see it (membership first), but once added...
    assert_eq!(app.get(&format!("/api/rooms/{room}"), &root.access).await.status, StatusCode::NOT_FOUND);
    app.post(&format!("/api/rooms/{room}/members"), &ada.access, json!({"userId": root.id})).await;
    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/rooms/{room}"),
            Some(&root.access),
            Some(json!({"name": "Moderated"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    let deleted = app.call(Method::DELETE, &format!("/api/rooms/{room}"), Some(&root.access), None).await;
    assert_eq!(deleted.status, StatusCode::OK);
}

/// Two instances on one database: the one a member posts through caches the membership
/// (`limits.membership_cache_ttl`); a removal through the other reaches it only by reading the
/// database again. Past half the TTL that read happens beside a post that is still served
/// (decision 037), so the removal applies before the TTL is over.
async fn a_removal_through_another_instance_stops_posting_before_the_cache_ttl(backend: Backend) {
    let ttl = Duration::from_secs(2);
    let settings = [("limits.membership_cache_ttl", "2s"), ("limits.send_rate", "1000")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let other = TestApp::spawn_on(Arc::clone(&app.db), &settings).await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ada, "Pair").await;
    let add = app.post(&format!("/api/rooms/{room}/members"), &ada.access, json!({"userId": bob.id})).await;
    assert_eq!(add.status, StatusCode::CREATED);
    app.send(&bob, &room, "cached from here").await;
    let cached_at = Instant::now();
    let removal = format!("/api/rooms/{room}/members/{}", bob.id);
    let removed = other.call(Method::DELETE, &removal, Some(&ada.access), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);

    tokio::time::sleep(ttl / 2 + Duration::from_millis(50)).await;
    let path = format!("/api/rooms/{room}/messages");
    let refused = loop {
        let reply = app.post(&path, &bob.access, json!({ "content": "still here?" })).await;
        if reply.status != StatusCode::CREATED || cached_at.elapsed() >= ttl - Duration::from_millis(150) {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "still posting {:?} after the removal",
        cached_at.elapsed()
    );
    other.stop().await;
}
