use std::fmt;

/// A value failed validation at the edge. `field` names the input field (camelCase, as on the wire)
/// so clients can point at it; `message` is a sentence a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
    /// True when the value was rejected only because it is too long/large; the edge maps this to
    /// `too_large` (HTTP 413) instead of a plain validation failure.
    pub too_large: bool,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into(), too_large: false }
    }

    pub fn too_large(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into(), too_large: true }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}
