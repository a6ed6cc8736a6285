//! Writing the audit log: one place for every service, because an audit write never fails the
//! action it describes (a failure is logged instead).

use chatbot_domain::UserId;
use chatbot_store::{NewAuditEntry, Store};

/// Records `action` by `actor` on `target`; logs (does not return) a failure.
pub(crate) async fn record(
    store: &dyn Store,
    actor: Option<UserId>,
    action: &str,
    target: Option<String>,
    detail: serde_json::Value,
) {
    let entry = NewAuditEntry { actor_id: actor, action: action.to_owned(), target, detail };
    if let Err(err) = store.record_audit(entry).await {
        tracing::error!(action, error = %err, "could not write audit entry");
    }
}
