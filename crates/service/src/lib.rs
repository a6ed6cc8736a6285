//! Business logic: accounts and sessions, rooms, members and messages.
//!
//! Services own the rules (who may do what, limits, throttles) and speak domain types; they know
//! nothing of HTTP or Socket.IO, so the REST API, the real-time gateway and the CLI share them.

mod access_cache;
mod accounts;
mod admin;
mod answers;
mod audit;
mod error;
mod events;
mod limit;
mod passwords;
mod readiness;
mod rooms;
mod sso;
mod throttle;
mod tokens;
mod writer;

pub use accounts::{
    AccountService, AccountSettings, Actor, AuthOutcome, ClientContext, Registration, UNVERIFIED_EMAIL,
};
pub use admin::{AdminService, BudgetChange, Dashboard, MAX_REPORT_DAYS, day_text};
pub use answers::{
    AnswerEngine, AnswerSettings, Context, HISTORY_WINDOW, Model, ModelRegistry, QuestionWrite,
    StreamingAnswer, build_context, estimate_tokens,
};
pub use error::{ServiceError, ServiceResult};
pub use events::{AnswerUsage, NoEvents, RoomEvents, SessionEnd};
pub use passwords::PasswordHasher;
pub use readiness::{DependencyState, Readiness};
pub use rooms::{
    ExportPage, JOIN_HISTORY, JOIN_MEMBERS, JoinSnapshot, MemberRef, NewRoomInput, PostedMessage, RoomExport,
    RoomService, RoomSettings, RoomUpdate, SearchPage, SearchResult, SharedSnapshot, SnippetPiece,
};
pub use sso::{ExternalIdentity, PendingSignIn, Sso, SsoError, SsoSettings};
pub use throttle::{Throttle, ThrottleDecision};
pub use tokens::{AccessClaims, TokenError, TokenIssuer};
pub use writer::{MessageWriter, WriterSettings};
