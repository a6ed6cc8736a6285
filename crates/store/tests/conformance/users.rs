use crate::{micros, new_user, user};
use chatbot_domain::{UserId, UserRole};
use chatbot_store::{Store, StoreError, UserQuery};
use std::sync::Arc;
use time::macros::datetime;

async fn create_and_fetch_user(store: Arc<dyn Store>) {
    let new = new_user("alice@example.com");
    let created = store.create_user(new.clone(), false).await.unwrap();
    assert_eq!(created.id, new.id);
    assert_eq!(created.email, "alice@example.com");
    assert_eq!(created.name, "alice");
    assert_eq!(created.password_hash, new.password_hash);
    assert_eq!(created.role, UserRole::User);
    assert!(created.is_active);
    assert_eq!(created.last_login_at, None);
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(created.created_at.offset(), time::UtcOffset::UTC);

    assert_eq!(store.user(new.id).await.unwrap(), Some(created.clone()));
    assert_eq!(store.user_by_email("alice@example.com").await.unwrap(), Some(created));
    assert_eq!(store.user(UserId::new()).await.unwrap(), None);
    assert_eq!(store.user_by_email("bob@example.com").await.unwrap(), None);
}

async fn email_taken_is_a_conflict(store: Arc<dyn Store>) {
    user(&store, "alice@example.com").await;
    let err = store.create_user(new_user("alice@example.com"), false).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("email")), "{err:?}");
    // Emails arrive normalised, but the database refuses case variants anyway.
    let err = store.create_user(new_user("Alice@Example.com"), false).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("email")), "{err:?}");
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn first_user_becomes_admin(store: Arc<dyn Store>) {
    let first = store.create_user(new_user("first@example.com"), true).await.unwrap();
    assert_eq!(first.role, UserRole::Admin);
    let second = store.create_user(new_user("second@example.com"), true).await.unwrap();
    assert_eq!(second.role, UserRole::User);
    let mut admin = new_user("third@example.com");
    admin.role = UserRole::Admin;
    assert_eq!(store.create_user(admin, true).await.unwrap().role, UserRole::Admin, "explicit role kept");
}

async fn first_user_flag_off_keeps_role(store: Arc<dyn Store>) {
    let first = store.create_user(new_user("first@example.com"), false).await.unwrap();
    assert_eq!(first.role, UserRole::User);
}

async fn concurrent_first_registrations_make_one_admin(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_user(new_user(&format!("u{i}@example.com")), true).await })
        })
        .collect();
    let mut admins = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().role == UserRole::Admin {
            admins += 1;
        }
    }
    assert_eq!(admins, 1);
    assert_eq!(store.count_users().await.unwrap(), 12);
}

async fn list_search_and_count_users(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for email in ["carol@example.com", "dave@example.org", "erin@example.com", "frank_1@example.net"] {
        ids.push(user(&store, email).await.id);
    }
    assert_eq!(store.count_users().await.unwrap(), 4);

    let all = store.list_users(&UserQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.iter().map(|u| u.id).collect::<Vec<_>>(), ids, "ascending by id = creation order");

    let page = store.list_users(&UserQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(page.iter().map(|u| u.id).collect::<Vec<_>>(), ids[..2]);
    let next =
        store.list_users(&UserQuery { limit: 2, after: Some(ids[1]), ..Default::default() }).await.unwrap();
    assert_eq!(next.iter().map(|u| u.id).collect::<Vec<_>>(), ids[2..]);

    let search = |term: &str| UserQuery { search: Some(term.to_owned()), limit: 100, ..Default::default() };
    let found = store.list_users(&search("EXAMPLE.COM")).await.unwrap();
    assert_eq!(
        found.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["carol@example.com", "erin@example.com"]
    );
    // Name match (names are the local part here).
    let found = store.list_users(&search("Dav")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].email, "dave@example.org");
    // LIKE wildcards in the term are literal.
    assert_eq!(store.list_users(&search("%")).await.unwrap().len(), 0);
    assert_eq!(store.list_users(&search("k_1")).await.unwrap().len(), 1);
    assert_eq!(store.list_users(&search("_")).await.unwrap().len(), 1);
}

async fn set_role_and_active(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let promoted = store.set_user_role(alice.id, UserRole::Admin).await.unwrap();
    assert_eq!(promoted.role, UserRole::Admin);
    assert!(promoted.updated_at >= alice.updated_at);
    assert_eq!(store.user(alice.id).await.unwrap(), Some(promoted));

    let disabled = store.set_user_active(alice.id, false).await.unwrap();
    assert!(!disabled.is_active);
    assert_eq!(disabled.role, UserRole::Admin);
    assert!(!store.user(alice.id).await.unwrap().unwrap().is_active);
    assert!(store.set_user_active(alice.id, true).await.unwrap().is_active);

    assert!(matches!(store.set_user_role(UserId::new(), UserRole::User).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_user_active(UserId::new(), false).await, Err(StoreError::NotFound)));
}

async fn record_login_keeps_microseconds(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let at = datetime!(2026-03-04 05:06:07.123456789 +01:00);
    store.record_login(alice.id, at).await.unwrap();
    let stored = store.user(alice.id).await.unwrap().unwrap().last_login_at.unwrap();
    assert_eq!(stored, micros(at));
    assert_eq!(stored, datetime!(2026-03-04 04:06:07.123456 UTC));
}

store_tests!(
    create_and_fetch_user,
    email_taken_is_a_conflict,
    first_user_becomes_admin,
    first_user_flag_off_keeps_role,
    concurrent_first_registrations_make_one_admin,
    list_search_and_count_users,
    set_role_and_active,
    record_login_keeps_microseconds,
);
