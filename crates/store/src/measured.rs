//! A [`Store`] that times every operation of the one it wraps: the
//! `chatbot_db_query_duration_seconds{operation}` histogram, and a `db` span per operation for
//! traces. One wrapper around either backend instead of a timer in each method of each backend,
//! so a new method cannot be forgotten: the trait has no default for it here, and this impl
//! does not compile until the method is listed.

use crate::error::StoreResult;
use crate::records::*;
use crate::store::Store;
use chatbot_domain::{MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use chatbot_metrics::{Histogram, metrics};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use time::OffsetDateTime;
use tracing::Instrument as _;

/// `inner` with every operation timed.
pub fn measured(inner: Arc<dyn Store>) -> Arc<dyn Store> {
    Arc::new(Measured { inner })
}

struct Measured {
    inner: Arc<dyn Store>,
}

/// Times `operation` into its histogram (looked up once per call site, then kept in `cell`).
async fn timed<T>(
    cell: &'static OnceLock<Arc<Histogram>>,
    operation: &'static str,
    work: impl Future<Output = T>,
) -> T {
    let histogram = cell.get_or_init(|| metrics().db_operation(operation));
    let started = Instant::now();
    let result = work.instrument(tracing::debug_span!("db", operation)).await;
    histogram.observe(started.elapsed());
    result
}

macro_rules! measured_methods {
    ([] $( fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        #[async_trait::async_trait]
        impl Store for Measured {
            fn backend(&self) -> &'static str {
                self.inner.backend()
            }

            async fn close(&self) {
                self.inner.close().await;
            }

            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    static HISTOGRAM: OnceLock<Arc<Histogram>> = OnceLock::new();
                    timed(&HISTOGRAM, stringify!($name), self.inner.$name($($arg),*)).await
                }
            )*
        }
    };
}

crate::forwarded::store_methods!(measured_methods);
