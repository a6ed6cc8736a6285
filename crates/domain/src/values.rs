//! Validated values. Each `parse` is the single place its rule lives.

use crate::ValidationError;
use unicode_normalization::UnicodeNormalization as _;

/// Refuses control characters in free text, except the tab and line breaks that text and code
/// need. A NUL cannot be stored by PostgreSQL at all (it failed the whole batch of messages it
/// was written with); escapes and other controls only serve to confuse terminals and logs.
fn refuse_controls(field: &'static str, text: &str) -> Result<(), ValidationError> {
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if text.chars().any(control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters other than tabs and line breaks",
        ));
    }
    Ok(())
}

/// Whether `name` would pass for `assistant` in a room: equal once case, spacing, punctuation,
/// symbols, compatibility forms (full-width letters) and common Cyrillic and Greek look-alikes
/// are set aside. A name that only contains it ("Claudette") is someone else.
pub fn passes_for(name: &str, assistant: &str) -> bool {
    let skeleton = |text: &str| -> String {
        text.nfkc()
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .map(|c| match c {
                'а' => 'a',
                'е' => 'e',
                'о' | 'ο' | '0' => 'o',
                'р' | 'ρ' => 'p',
                'с' => 'c',
                'у' => 'y',
                'х' | 'χ' => 'x',
                'і' | 'ι' | '1' | 'ӏ' => 'l',
                'ѕ' => 's',
                'ј' => 'j',
                'һ' => 'h',
                'ԁ' => 'd',
                'ɡ' => 'g',
                'ν' => 'v',
                'κ' | 'к' => 'k',
                'т' | 'τ' => 't',
                'α' => 'a',
                'β' => 'b',
                'ε' => 'e',
                'η' => 'n',
                'μ' => 'm',
                'υ' => 'u',
                other => other,
            })
            // `i` and `l` are one shape in many fonts: compare them as one letter.
            .map(|c| if c == 'i' { 'l' } else { c })
            .collect()
    };
    let target = skeleton(assistant);
    !target.is_empty() && skeleton(name) == target
}

/// An email address, trimmed and lowercased so that uniqueness is case-insensitive by construction.
///
/// The check is deliberately shallow (one `@`, a dotted domain, no spaces, at most 254 bytes):
/// the only real proof of an address is mail delivery, and rejecting valid-but-odd addresses
/// is worse than accepting a typo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_BYTES: usize = 254;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let email = input.trim().to_lowercase();
        let invalid = || ValidationError::new("email", "must be an email address like name@example.com");
        if email.len() > Self::MAX_BYTES {
            return Err(ValidationError::new("email", "must be at most 254 characters"));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed { Ok(Self(email)) } else { Err(invalid()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A person's display name: 1 to `max_chars` characters after trimming (64 by default, the
/// `limits.max_display_name_chars` setting), no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const DEFAULT_MAX_CHARS: usize = 64;

    pub fn parse(input: &str, max_chars: usize) -> Result<Self, ValidationError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ValidationError::new("name", "must not be empty"));
        }
        if name.chars().count() > max_chars {
            return Err(ValidationError::new("name", format!("must be at most {max_chars} characters")));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new("name", "must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password that satisfies the policy.
///
/// Policy (NIST SP 800-63B style): length matters more than composition rules. At least
/// `min_chars` characters (10 by default), at most `max_chars` (256 by default: argon2 input
/// stays bounded), not the same character repeated, and not the account's own email address.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(
        input: &str,
        min_chars: usize,
        max_chars: usize,
        email: Option<&Email>,
    ) -> Result<Self, ValidationError> {
        let chars = input.chars().count();
        if chars < min_chars {
            return Err(ValidationError::new(
                "password",
                format!(
                    "must be at least {min_chars} characters; a short sentence is easy to remember and hard to guess"
                ),
            ));
        }
        if chars > max_chars {
            return Err(ValidationError::new("password", format!("must be at most {max_chars} characters")));
        }
        let mut distinct = input.chars();
        let first = distinct.next();
        if distinct.all(|c| Some(c) == first) {
            return Err(ValidationError::new("password", "must not be one character repeated"));
        }
        if email.is_some_and(|email| input.trim().eq_ignore_ascii_case(email.as_str())) {
            return Err(ValidationError::new("password", "must not be your email address"));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A room name: 1 to `max_chars` characters after trimming (100 by default), no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, ValidationError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ValidationError::new("name", "must not be empty"));
        }
        if name.chars().count() > max_chars {
            return Err(ValidationError::new("name", format!("must be at most {max_chars} characters")));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new("name", "must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Free text with a length cap, such as a room description or system prompt. Empty means unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField(Option<String>);

impl TextField {
    pub fn parse(
        field: &'static str,
        input: Option<&str>,
        max_chars: usize,
    ) -> Result<Self, ValidationError> {
        let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Self(None));
        };
        if text.chars().count() > max_chars {
            return Err(ValidationError::too_large(field, format!("must be at most {max_chars} characters")));
        }
        refuse_controls(field, text)?;
        Ok(Self(Some(text.to_owned())))
    }

    pub fn into_inner(self) -> Option<String> {
        self.0
    }
}

/// The text of a chat message: not blank, at most `max_bytes` bytes of UTF-8 (16 KiB by default).
/// The text is kept exactly as sent (no trimming): whitespace can be meaningful in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent(String);

impl MessageContent {
    pub fn parse(input: &str, max_bytes: usize) -> Result<Self, ValidationError> {
        if input.trim().is_empty() {
            return Err(ValidationError::new("content", "must not be empty"));
        }
        if input.len() > max_bytes {
            return Err(ValidationError::too_large(
                "content",
                format!("is {} bytes; the limit is {max_bytes} bytes", input.len()),
            ));
        }
        refuse_controls("content", input)?;
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A client-chosen idempotency key for a send: 1 to `max_chars` printable ASCII characters (64 by
/// default, the `limits.max_client_id_chars` setting).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, ValidationError> {
        let ok = !input.is_empty() && input.len() <= max_chars && input.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValidationError::new(
                "clientId",
                format!("must be 1 to {max_chars} printable ASCII characters"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_refused_but_tabs_and_line_breaks_kept() {
        assert!(MessageContent::parse("a\tb\r\nc\n", 100).is_ok());
        for bad in ["\u{0}", "x\u{7}", "\u{1b}[0m", "del\u{7f}", "c1\u{85}"] {
            let err = MessageContent::parse(bad, 100).expect_err(bad);
            assert_eq!(err.field, "content");
        }
        assert!(TextField::parse("systemPrompt", Some("line\nnext\tcol"), 100).is_ok());
        assert_eq!(
            TextField::parse("systemPrompt", Some("a\u{0}"), 100).map_err(|e| e.field),
            Err("systemPrompt")
        );
    }

    #[test]
    fn look_alikes_pass_for_the_assistant() {
        for name in [
            "Assistant",
            "ASSISTANT",
            "as sis tant",
            "Assistant!",
            "Ａｓｓｉｓｔａｎｔ",
            "Аssistаnt",
            "AssIstant",
            "Assistant 🤖",
        ] {
            assert!(passes_for(name, "Assistant"), "{name}");
        }
        for name in ["Assistant Bot", "Ada", "Assistants", ""] {
            assert!(!passes_for(name, "Assistant"), "{name}");
        }
        assert!(!passes_for("anything", "🤖"), "an assistant name without letters matches nothing");
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(Email::parse("  Ada@Example.COM ").map(Email::into_inner), Ok("ada@example.com".into()));
        for bad in
            ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com", "a@.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_policy_explains_itself() {
        let email = Email::parse("ada@example.com").ok();
        let short = Password::parse("short", 10, 256, None).unwrap_err();
        assert!(short.message.contains("at least 10"));
        assert!(Password::parse("aaaaaaaaaaaa", 10, 256, None).is_err());
        assert!(Password::parse("ADA@example.com", 10, 256, email.as_ref()).is_err());
        assert!(Password::parse(&"x".repeat(200).replace("xx", "xy"), 10, 256, None).is_ok());
        assert!(Password::parse(&"xy".repeat(129), 10, 256, None).is_err());
        assert!(Password::parse("correct horse battery", 10, 256, email.as_ref()).is_ok());
        // Length counts characters, not bytes: ten Hangul syllables pass.
        assert!(Password::parse("비밀번호는열글자입니다", 10, 256, None).is_ok());
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let pw = Password::parse("correct horse battery", 10, 256, None).ok();
        assert!(!format!("{pw:?}").contains("horse"));
    }

    #[test]
    fn room_name_limits() {
        assert_eq!(RoomName::parse("  Team ", 100).map(RoomName::into_inner), Ok("Team".into()));
        assert!(RoomName::parse("   ", 100).is_err());
        assert!(RoomName::parse(&"가".repeat(100), 100).is_ok());
        assert!(RoomName::parse(&"가".repeat(101), 100).is_err());
        assert!(RoomName::parse("a\u{7}b", 100).is_err());
    }

    #[test]
    fn message_content_limit_is_bytes_and_flagged_too_large() {
        assert!(MessageContent::parse(" \n ", 10).is_err());
        assert_eq!(
            MessageContent::parse("  code  ", 10).map(MessageContent::into_inner),
            Ok("  code  ".into())
        );
        let err = MessageContent::parse(&"é".repeat(6), 10).unwrap_err();
        assert!(err.too_large);
    }

    #[test]
    fn client_id_rules() {
        assert!(ClientId::parse("c-123_abc", 64).is_ok());
        assert!(ClientId::parse("", 64).is_err());
        assert!(ClientId::parse("has space", 64).is_err());
        assert!(ClientId::parse(&"x".repeat(65), 64).is_err());
    }

    #[test]
    fn text_field_empty_means_unset() {
        assert_eq!(TextField::parse("description", Some("  "), 10).map(TextField::into_inner), Ok(None));
        assert!(TextField::parse("description", Some("01234567890"), 10).is_err());
    }
}

/// How many items one page of a list holds: `requested`, or `default` when the client named
/// none; between 1 and `max` (the `limits.max_page` setting).
pub fn page_size(requested: Option<u32>, default: u32, max: u32) -> Result<u32, ValidationError> {
    match requested {
        None => Ok(default.clamp(1, max.max(1))),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ValidationError::new("limit", format!("limit must be between 1 and {max}"))),
    }
}

#[cfg(test)]
mod page_tests {
    use super::page_size;

    #[test]
    fn pages_hold_between_one_and_the_maximum() {
        assert_eq!(page_size(None, 50, 200), Ok(50));
        assert_eq!(page_size(None, 500, 200), Ok(200), "a default above the maximum is cut to it");
        assert_eq!(page_size(Some(200), 50, 200), Ok(200));
        assert_eq!(page_size(Some(0), 50, 200).map_err(|e| e.field), Err("limit"));
        assert!(page_size(Some(201), 50, 200).is_err());
    }
}
