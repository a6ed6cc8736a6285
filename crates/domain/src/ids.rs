//! Typed identifiers. All are UUID v7 (time-sortable), serialized as strings.
//!
//! One exception, fixed by the wire contract: the built-in public room is called `general` on the
//! wire and in every event. It is stored under the nil UUID so that every table keeps a uniform
//! UUID key, and `RoomId` translates at the edge in both directions.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// An identifier string that is not a UUID (or `general` for rooms).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id")]
pub struct IdParseError(pub String);

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                id_schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// A stored message.
    MessageId
);
uuid_id!(
    /// A refresh-token session family: one signed-in device. Stable across token rotations.
    SessionId
);

/// A chat room; `RoomId::GENERAL` is the built-in public room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(Uuid);

impl RoomId {
    /// The built-in public room, `general` on the wire, the nil UUID in storage.
    pub const GENERAL: RoomId = RoomId(Uuid::nil());
    const GENERAL_NAME: &'static str = "general";

    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    pub fn is_general(&self) -> bool {
        *self == Self::GENERAL
    }
}

impl Default for RoomId {
    fn default() -> Self {
        Self::new()
    }
}

impl utoipa::PartialSchema for RoomId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A UUID, or `general` for the built-in public room."))
            .into()
    }
}

impl utoipa::ToSchema for RoomId {}

fn id_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid)))
        .into()
}

/// Serde as strings through `Display`/`FromStr`, shared by every id type.
macro_rules! serde_as_string {
    ($($name:ident),+) => {$(
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )+};
}

/// Display and parsing of plain UUID ids.
macro_rules! uuid_text {
    ($($name:ident),+) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s).map(Self).map_err(|_| IdParseError::of(s))
            }
        }
    )+};
}

uuid_text!(UserId, MessageId, SessionId);
serde_as_string!(UserId, MessageId, SessionId, RoomId);

impl IdParseError {
    /// Keeps at most 64 characters of the offending input, so errors stay small.
    fn of(input: &str) -> Self {
        Self(input.chars().take(64).collect())
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_general() { f.write_str(Self::GENERAL_NAME) } else { self.0.fmt(f) }
    }
}

impl FromStr for RoomId {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == Self::GENERAL_NAME {
            return Ok(Self::GENERAL);
        }
        // The nil UUID is reserved for `general` and reachable only by that name.
        match Uuid::try_parse(s) {
            Ok(uuid) if !uuid.is_nil() => Ok(Self(uuid)),
            _ => Err(IdParseError::of(s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_room_round_trips_by_name() {
        assert_eq!(RoomId::GENERAL.to_string(), "general");
        assert_eq!("general".parse::<RoomId>(), Ok(RoomId::GENERAL));
        assert!(Uuid::nil().to_string().parse::<RoomId>().is_err());
    }

    #[test]
    fn ids_are_time_ordered_and_parse_back() {
        let a = UserId::new();
        let b = UserId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<UserId>(), Ok(a));
        let room = RoomId::new();
        assert_eq!(serde_json::to_string(&room).ok(), Some(format!("\"{room}\"")));
    }

    #[test]
    fn rejects_garbage() {
        assert!("not-a-uuid".parse::<MessageId>().is_err());
        assert!(serde_json::from_str::<RoomId>("42").is_err());
    }
}
