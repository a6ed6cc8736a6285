//! Statements that run often enough, on a large enough table, that a full scan of it would be a
//! fault: public so that the conformance suite can ask each backend for its plan
//! (`tests/conformance/plans.rs`) instead of trusting an index to be chosen. Not an interface.

/// Marks answers nobody has written for a while `interrupted` (server housekeeping, every few
/// seconds on every instance). `$1`: now; `$2`: the cut-off. Found through
/// `messages_streaming_idx`, which holds only the answers still streaming.
pub const INTERRUPT_STREAMING: &str = "UPDATE messages SET status = 'interrupted', updated_at = $1 \
     WHERE status = 'streaming' AND updated_at < $2 RETURNING id";
