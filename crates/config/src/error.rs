/// A configuration problem, worded to be printed as the single line start-up fails with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {setting} ({source_name}): {reason}")]
    Invalid { setting: String, source_name: String, reason: String },
    #[error("missing {setting}: {reason}")]
    Missing { setting: String, reason: String },
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("unknown setting `{key}` in {path} (see chatbot.example.toml for the valid keys)")]
    UnknownKey { key: String, path: String },
}
