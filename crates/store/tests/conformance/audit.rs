use crate::user;
use chatbot_store::{NewAuditEntry, Store};
use serde_json::json;
use std::sync::Arc;

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

store_tests!(record_and_list_audit);
