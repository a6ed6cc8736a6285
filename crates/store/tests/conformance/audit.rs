use crate::user;
use chatbot_store::{AuditQuery, NewAuditEntry, Store};
use serde_json::json;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

async fn record_and_list_audit(store: Arc<dyn Store>) {
    let admin = user(&store, "admin@example.com").await;
    let entries = [
        NewAuditEntry {
            actor_id: None,
            action: "auth.login_failed".to_owned(),
            target: Some("mallory@example.com".to_owned()),
            detail: json!({"ip": "203.0.113.9", "attempt": 3}),
        },
        NewAuditEntry {
            actor_id: Some(admin.id),
            action: "user.role_changed".to_owned(),
            target: Some(admin.id.to_string()),
            detail: json!({"from": "user", "to": "admin", "nested": {"list": [1, 2, null]}}),
        },
        NewAuditEntry {
            actor_id: None,
            action: "auth.login_failed".to_owned(),
            target: None,
            detail: json!({}),
        },
    ];
    for entry in &entries {
        store.record_audit(entry.clone()).await.unwrap();
    }

    let all = store.list_audit(None, 10).await.unwrap();
    assert_eq!(all.len(), 3);
    // Newest first.
    for (listed, recorded) in all.iter().zip(entries.iter().rev()) {
        assert_eq!(listed.actor_id, recorded.actor_id);
        assert_eq!(listed.action, recorded.action);
        assert_eq!(listed.target, recorded.target);
        assert_eq!(listed.detail, recorded.detail);
    }
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert!(all.iter().all(|e| !e.id.is_nil()));

    let failed = store.list_audit(Some("auth.login_failed"), 10).await.unwrap();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.action == "auth.login_failed"));
    assert_eq!(failed[1].detail, json!({"ip": "203.0.113.9", "attempt": 3}));
    assert_eq!(store.list_audit(None, 1).await.unwrap()[0].id, all[0].id);
    assert!(store.list_audit(Some("nothing.here"), 10).await.unwrap().is_empty());
}

/// Filters by actor, action and time, and pages newest first by the last id seen.
async fn audit_is_filtered_and_paged(store: Arc<dyn Store>) {
    let admin = user(&store, "admin@example.com").await;
    let before_all = OffsetDateTime::now_utc() - Duration::seconds(1);
    for i in 0..5 {
        let entry = NewAuditEntry {
            actor_id: if i % 2 == 0 { Some(admin.id) } else { None },
            action: if i < 3 { "user.deactivated" } else { "auth.login_failed" }.to_owned(),
            target: Some(format!("t{i}")),
            detail: json!({}),
        };
        store.record_audit(entry).await.unwrap();
    }
    let page = |q: AuditQuery| {
        let store = store.clone();
        async move { store.audit_page(&AuditQuery { limit: 10, ..q }).await.unwrap() }
    };
    let targets = |entries: &[chatbot_store::AuditEntry]| {
        entries.iter().map(|e| e.target.clone().unwrap_or_default()).collect::<Vec<_>>()
    };
    assert_eq!(targets(&page(AuditQuery::default()).await), ["t4", "t3", "t2", "t1", "t0"]);
    assert_eq!(
        targets(&page(AuditQuery { actor_id: Some(admin.id), ..Default::default() }).await),
        ["t4", "t2", "t0"]
    );
    let deactivations = AuditQuery { action: Some("user.deactivated".into()), ..Default::default() };
    assert_eq!(targets(&page(deactivations).await), ["t2", "t1", "t0"]);
    assert_eq!(page(AuditQuery { since: Some(before_all), ..Default::default() }).await.len(), 5);
    assert!(page(AuditQuery { until: Some(before_all), ..Default::default() }).await.is_empty());

    let first = store.audit_page(&AuditQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(targets(&first), ["t4", "t3"]);
    let rest = page(AuditQuery { before: first.last().map(|e| e.id), ..Default::default() }).await;
    assert_eq!(targets(&rest), ["t2", "t1", "t0"]);
}

store_tests!(record_and_list_audit, audit_is_filtered_and_paged);
