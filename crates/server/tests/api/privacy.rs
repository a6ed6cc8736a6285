//! Hardening, privacy (issue: abuse and privacy holes): a member list shows an address only to
//! its owner, the room's owner and admins, and never in `general`; nothing tells an outsider
//! which addresses have accounts faster than the registration throttle allows.

use crate::support::{Session, TestApp};
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

backend_tests!(
    member_lists_show_emails_only_to_the_member_the_owner_and_admins,
    general_lists_no_one_elses_email,
    adding_by_email_tells_an_outsider_nothing,
    email_lookups_are_throttled_like_registrations,
    refused_registrations_count_against_the_registration_throttle,
);

/// `userId → email` of a member list (absent emails as null).
fn emails(list: &Value) -> Vec<(String, Value)> {
    list["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["userId"].as_str().expect("userId").to_owned(), m["email"].clone()))
        .collect()
}

fn email_of(list: &Value, user: &Session) -> Value {
    emails(list).into_iter().find(|(id, _)| *id == user.id).map(|(_, e)| e).expect("listed")
}

async fn member_lists_show_emails_only_to_the_member_the_owner_and_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await; // the first account: an admin
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app.create_room(&ada, "Team").await;
    for who in [&bob, &carol] {
        let added =
            app.post(&format!("/api/rooms/{room}/members"), &ada.access, json!({"userId": who.id})).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    }
    let path = format!("/api/rooms/{room}/members");

    // A plain member sees their own address only.
    let seen_by_bob = app.get(&path, &bob.access).await.body;
    assert_eq!(email_of(&seen_by_bob, &bob), "bob@example.com");
    assert_eq!(email_of(&seen_by_bob, &ada), Value::Null, "{seen_by_bob}");
    assert_eq!(email_of(&seen_by_bob, &carol), Value::Null, "{seen_by_bob}");

    // The owner sees every member's.
    let seen_by_ada = app.get(&path, &ada.access).await.body;
    assert_eq!(email_of(&seen_by_ada, &carol), "carol@example.com");

    // So does an admin (not a member: admins manage any room).
    let added = app.post(&path, &ada.access, json!({"userId": root.id})).await;
    assert_eq!(added.status, StatusCode::CREATED);
    let seen_by_root = app.get(&path, &root.access).await.body;
    assert_eq!(email_of(&seen_by_root, &bob), "bob@example.com");

    // Adding answers with the member as the adder may see them: the owner sees the address.
    let dave = app.register("dave").await;
    let added = app.post(&path, &ada.access, json!({"userId": dave.id})).await;
    assert_eq!(added.body["member"]["email"], "dave@example.com");
}

async fn general_lists_no_one_elses_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let ada = app.register("ada").await;
    for viewer in [&root, &ada] {
        let list = app.get("/api/rooms/general/members", &viewer.access).await;
        assert_eq!(list.status, StatusCode::OK);
        for (id, email) in emails(&list.body) {
            if id != viewer.id {
                assert_eq!(email, Value::Null, "general shows no one else's address, even to admins");
            }
        }
    }
}

async fn adding_by_email_tells_an_outsider_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register("root").await;
    let ada = app.register("ada").await;
    let mallory = app.register("mallory").await;
    let room = app.create_room(&ada, "Private").await;
    let path = format!("/api/rooms/{room}/members");
    let existing = app.post(&path, &mallory.access, json!({"email": "ada@example.com"})).await;
    let missing = app.post(&path, &mallory.access, json!({"email": "nobody@example.com"})).await;
    assert_eq!(existing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (existing.status, &existing.body),
        (missing.status, &missing.body),
        "an outsider gets the same answer whether or not the address has an account"
    );
}

async fn email_lookups_are_throttled_like_registrations(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.registrations_per_ip", "3")]).await;
    app.register("root").await;
    let ada = app.register("ada").await;
    let room = app.create_room(&ada, "Probe").await;
    let path = format!("/api/rooms/{room}/members");
    // Anyone may own a room, so an owner adding by email could probe addresses: each lookup
    // counts, hit or miss, as one registration attempt would.
    for i in 0..3 {
        let probe = app.post(&path, &ada.access, json!({"email": format!("probe{i}@example.com")})).await;
        assert_eq!(probe.status, StatusCode::NOT_FOUND, "{:?}", probe.body);
    }
    let limited = app.post(&path, &ada.access, json!({"email": "root@example.com"})).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", limited.body);
    assert!(limited.headers.contains_key("retry-after"));
    // Adding by user id (picked from a room both share) is not a lookup by address.
    let bob = app.register("bob").await; // the third registration from this address: allowed
    let by_id = app.post(&path, &ada.access, json!({"userId": bob.id})).await;
    assert_eq!(by_id.status, StatusCode::CREATED, "{:?}", by_id.body);
}

async fn refused_registrations_count_against_the_registration_throttle(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("limits.registrations_per_ip", "3")]).await;
    app.register("ada").await;
    // "Taken" answers tell which addresses have accounts: they count like a registration.
    let taken = json!({"email": "ada@example.com", "name": "Ada", "password": "another long password"});
    for _ in 0..2 {
        let again = app.call(Method::POST, "/api/auth/register", None, Some(taken.clone())).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    }
    let limited = app.call(Method::POST, "/api/auth/register", None, Some(taken)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", limited.body);
}
