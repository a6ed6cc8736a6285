//! Closed sets of values stored as lowercase strings in the database and on the wire.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a string-backed enum with `as_str`, `Display`, `FromStr` and serde in lowercase.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}` (expected one of: {})",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(
    /// What a user may do across the whole server.
    UserRole { User => "user", Admin => "admin" }
);
string_enum!(
    /// `private`: members only. `public`: any signed-in user may join and so become a member.
    RoomVisibility { Private => "private", Public => "public" }
);
string_enum!(
    /// When the assistant answers in a room (SPEC §6).
    AiMode { Always => "always", Mention => "mention", Off => "off" }
);
string_enum!(
    /// A member's role within one room.
    MemberRole { Owner => "owner", Member => "member" }
);
string_enum!(
    /// Who wrote a message.
    MessageRole { User => "user", Assistant => "assistant", System => "system" }
);
string_enum!(
    /// Lifecycle of a message; only assistant answers pass through the non-`complete` states.
    MessageStatus {
        Complete => "complete",
        Streaming => "streaming",
        Stopped => "stopped",
        Failed => "failed",
        Interrupted => "interrupted",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_value() {
        for role in MessageStatus::ALL {
            assert_eq!(role.as_str().parse::<MessageStatus>(), Ok(*role));
        }
        for mode in AiMode::ALL {
            assert_eq!(mode.to_string().parse::<AiMode>(), Ok(*mode));
        }
    }

    #[test]
    fn rejects_unknown_and_wrong_case() {
        assert!("Admin".parse::<UserRole>().is_err());
        let err = "sometimes".parse::<AiMode>().unwrap_err();
        assert!(err.contains("always, mention, off"), "{err}");
    }

    #[test]
    fn serializes_lowercase() {
        assert_eq!(serde_json::to_string(&RoomVisibility::Public).ok().as_deref(), Some("\"public\""));
    }
}
