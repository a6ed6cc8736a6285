//! Business logic: accounts and sessions, rooms, members and messages.
//!
//! Services own the rules (who may do what, limits, throttles) and speak domain types; they know
//! nothing of HTTP or Socket.IO, so the REST API, the real-time gateway and the CLI share them.

mod accounts;
mod error;
mod passwords;
mod rooms;
mod throttle;
mod tokens;

pub use accounts::{AccountService, AccountSettings, Actor, AuthOutcome, ClientContext, Registration};
pub use error::{ServiceError, ServiceResult};
pub use passwords::PasswordHasher;
pub use rooms::{MemberRef, NewRoomInput, PostedMessage, RoomService, RoomSettings, RoomUpdate};
pub use throttle::{Throttle, ThrottleDecision};
pub use tokens::{AccessClaims, TokenError, TokenIssuer};
