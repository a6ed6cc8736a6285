//! The admin API's user management: role `admin` only; deactivation signs the user out
//! everywhere and is audited; an admin cannot deactivate their own account.

use crate::support::{TestApp, password_of};
use chatbot_store::Backend;
use chatbot_test_support::backend_tests;
use reqwest::{Method, StatusCode};
use serde_json::json;

backend_tests!(
    user_management_is_for_admins_only,
    users_are_listed_searched_and_paged,
    deactivation_signs_the_user_out_until_reactivated,
    roles_change_and_bad_changes_are_refused,
    the_audit_log_is_listed_filtered_and_paged_for_admins,
);

async fn user_management_is_for_admins_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await; // the first account is an admin
    let bob = app.register("bob").await;
    assert_eq!(app.get("/api/admin/users", &root.access).await.status, StatusCode::OK);
    let as_user = app.get("/api/admin/users", &bob.access).await;
    assert_eq!(as_user.status, StatusCode::FORBIDDEN, "{:?}", as_user.body);
    assert_eq!(as_user.body["error"]["code"], "forbidden");
    let patch = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", root.id),
            Some(&bob.access),
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::FORBIDDEN, "{:?}", patch.body);
    let anonymous = app.call(Method::GET, "/api/admin/users", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

async fn users_are_listed_searched_and_paged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    app.register("bob").await;
    app.register("carol").await;
    let all = app.get("/api/admin/users", &root.access).await;
    let names: Vec<&str> =
        all.body["users"].as_array().expect("users").iter().filter_map(|u| u["name"].as_str()).collect();
    assert_eq!(names, ["root", "bob", "carol"], "creation order");
    assert_eq!(all.body["users"][1]["email"], "bob@example.com", "admins see emails");
    assert_eq!(all.body["users"][1]["isActive"], true);
    assert!(all.body["nextCursor"].is_null(), "{:?}", all.body);

    let found = app.get("/api/admin/users?search=CAR", &root.access).await;
    assert_eq!(found.body["users"].as_array().map(Vec::len), Some(1), "{:?}", found.body);
    assert_eq!(found.body["users"][0]["name"], "carol");

    let first = app.get("/api/admin/users?limit=2", &root.access).await;
    let cursor = first.body["nextCursor"].as_str().expect("a full page has a cursor").to_owned();
    let rest = app.get(&format!("/api/admin/users?limit=2&after={cursor}"), &root.access).await;
    assert_eq!(rest.body["users"].as_array().map(Vec::len), Some(1), "{:?}", rest.body);
    assert_eq!(rest.body["users"][0]["name"], "carol");

    for bad in ["limit=0", "limit=201", "after=nope"] {
        let reply = app.get(&format!("/api/admin/users?{bad}"), &root.access).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {:?}", reply.body);
    }
}

async fn deactivation_signs_the_user_out_until_reactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let path = format!("/api/admin/users/{}", bob.id);

    let off = app.call(Method::PATCH, &path, Some(&root.access), Some(json!({"isActive": false}))).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    assert_eq!(off.body["isActive"], false);
    assert_eq!(app.get("/api/auth/me", &bob.access).await.status, StatusCode::UNAUTHORIZED);
    let refresh =
        app.call(Method::POST, "/api/auth/refresh", None, Some(json!({"refreshToken": bob.refresh}))).await;
    assert_eq!(
        refresh.status,
        StatusCode::UNAUTHORIZED,
        "the session itself was revoked: {:?}",
        refresh.body
    );
    let login_body = json!({"email": "bob@example.com", "password": password_of("bob")});
    let login = app.call(Method::POST, "/api/auth/login", None, Some(login_body.clone())).await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);

    let audit = app.store.list_audit(Some("user.deactivated"), 10).await.expect("audit");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].actor_id.map(|id| id.to_string()), Some(root.id.clone()));
    assert_eq!(audit[0].target.as_deref(), Some(bob.id.as_str()));

    let on = app.call(Method::PATCH, &path, Some(&root.access), Some(json!({"isActive": true}))).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    let login = app.call(Method::POST, "/api/auth/login", None, Some(login_body)).await;
    assert_eq!(login.status, StatusCode::OK, "reactivated: {:?}", login.body);
    assert_eq!(
        app.get("/api/auth/me", &bob.access).await.status,
        StatusCode::UNAUTHORIZED,
        "old sessions stay ended"
    );
}

async fn roles_change_and_bad_changes_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let bob_path = format!("/api/admin/users/{}", bob.id);
    let promoted =
        app.call(Method::PATCH, &bob_path, Some(&root.access), Some(json!({"role": "admin"}))).await;
    assert_eq!(promoted.status, StatusCode::OK, "{:?}", promoted.body);
    assert_eq!(promoted.body["role"], "admin");
    assert_eq!(app.get("/api/admin/users", &bob.access).await.status, StatusCode::OK, "bob is an admin now");

    let own = format!("/api/admin/users/{}", root.id);
    let suicide = app.call(Method::PATCH, &own, Some(&root.access), Some(json!({"isActive": false}))).await;
    assert_eq!(suicide.status, StatusCode::CONFLICT, "{:?}", suicide.body);
    assert_eq!(app.get("/api/auth/me", &root.access).await.status, StatusCode::OK);

    for body in [json!({"isActive": "no"}), json!({"role": "owner"}), json!({"banned": true})] {
        let reply = app.call(Method::PATCH, &bob_path, Some(&root.access), Some(body.clone())).await;
        assert!(
            reply.status == StatusCode::BAD_REQUEST || reply.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {} {:?}",
            reply.status,
            reply.body
        );
    }
    let nobody = "/api/admin/users/0193e0a0-0000-7000-8000-000000000000";
    let missing = app.call(Method::PATCH, nobody, Some(&root.access), Some(json!({"isActive": false}))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{:?}", missing.body);
}

async fn the_audit_log_is_listed_filtered_and_paged_for_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    for who in [&bob, &carol] {
        let path = format!("/api/admin/users/{}", who.id);
        let reply =
            app.call(Method::PATCH, &path, Some(&root.access), Some(json!({"isActive": false}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
    let wrong = json!({"email": "root@example.com", "password": "not the password at all"});
    assert_eq!(
        app.call(Method::POST, "/api/auth/login", None, Some(wrong)).await.status,
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        app.get("/api/admin/audit", &bob.access).await.status,
        StatusCode::UNAUTHORIZED,
        "bob is deactivated"
    );
    let dave = app.register("dave").await;
    assert_eq!(app.get("/api/admin/audit", &dave.access).await.status, StatusCode::FORBIDDEN);

    let all = app.get("/api/admin/audit", &root.access).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let actions: Vec<&str> = all.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"auth.login_failed"), "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "user.deactivated").count(), 2, "{actions:?}");

    let by_action = app.get("/api/admin/audit?action=user.deactivated&limit=1", &root.access).await;
    assert_eq!(
        by_action.body["entries"][0]["target"],
        carol.id.as_str(),
        "newest first: {:?}",
        by_action.body
    );
    assert_eq!(by_action.body["entries"][0]["actorId"], root.id.as_str());
    let cursor = by_action.body["nextCursor"].as_str().expect("a full page has a cursor").to_owned();
    let next =
        app.get(&format!("/api/admin/audit?action=user.deactivated&before={cursor}"), &root.access).await;
    assert_eq!(next.body["entries"].as_array().map(Vec::len), Some(1), "{:?}", next.body);
    assert_eq!(next.body["entries"][0]["target"], bob.id.as_str());

    let by_actor = app.get(&format!("/api/admin/audit?actor={}", root.id), &root.access).await;
    assert!(
        by_actor.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["actorId"] == root.id.as_str()),
        "{:?}",
        by_actor.body
    );
    let future = app.get("/api/admin/audit?from=2999-01-01T00:00:00Z", &root.access).await;
    assert_eq!(future.body["entries"].as_array().map(Vec::len), Some(0));
    for bad in ["actor=nope", "before=nope", "from=yesterday", "limit=0"] {
        let reply = app.get(&format!("/api/admin/audit?{bad}"), &root.access).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {:?}", reply.body);
    }
    // Append-only from the API: no route changes or removes an entry.
    for method in [Method::DELETE, Method::PATCH, Method::PUT, Method::POST] {
        let reply = app.call(method.clone(), "/api/admin/audit", Some(&root.access), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}: {:?}", reply.body);
    }
}
