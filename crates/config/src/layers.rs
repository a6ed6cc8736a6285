//! Collects the text of each setting from the layers, highest precedence first.

use crate::error::ConfigError;
use crate::settings::{SETTINGS, Setting, setting};
use std::collections::BTreeMap;
use std::path::Path;

/// Raw values from flags, environment and file, before typing.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    flags: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    file: BTreeMap<String, String>,
    file_path: Option<String>,
    models: Vec<crate::model_tables::ModelSpec>,
}

/// A setting's text and where it came from (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub source: String,
}

impl Layers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the process environment (only the names some setting uses, plus `PORT`).
    pub fn with_process_env(self) -> Self {
        self.with_env(std::env::vars())
    }

    /// Takes environment variables from an iterator (tests pass their own).
    pub fn with_env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = vars.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        self
    }

    /// Sets a value from a command-line flag; the key must be a known setting.
    pub fn with_flag(mut self, key: &str, value: impl Into<String>) -> Result<Self, ConfigError> {
        if setting(key).is_none() {
            return Err(ConfigError::UnknownKey { key: key.to_owned(), path: "--set".to_owned() });
        }
        self.flags.insert(key.to_owned(), value.into());
        Ok(self)
    }

    /// Reads `chatbot.toml`-style text; nested tables become dotted keys. Unknown keys are errors,
    /// so a typo cannot silently leave a default in place.
    pub fn with_file_text(mut self, path: &str, text: &str) -> Result<Self, ConfigError> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::File {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })?;
        if let Some(models) = table.remove("models") {
            self.models = crate::model_tables::parse(path, models)?;
        }
        let mut flat = BTreeMap::new();
        flatten("", &table, &mut flat, path)?;
        for key in flat.keys() {
            if setting(key).is_none() {
                return Err(ConfigError::UnknownKey { key: key.clone(), path: path.to_owned() });
            }
        }
        self.file = flat;
        self.file_path = Some(path.to_owned());
        Ok(self)
    }

    /// Reads the config file. A missing file is an error only when `required` (named explicitly).
    pub fn with_file(self, path: &Path, required: bool) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => self.with_file_text(&shown, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(self),
            Err(e) => Err(ConfigError::File { path: shown, reason: e.to_string() }),
        }
    }

    /// The effective text of a setting, or `None` when unset everywhere and without a default.
    pub fn get(&self, key: &str) -> Option<Found> {
        let setting = setting(key)?;
        self.explicit(setting).or_else(|| {
            setting.default.map(|value| Found { value: value.to_owned(), source: "default".to_owned() })
        })
    }

    /// The value from flags, environment or file, ignoring the default.
    pub fn explicit(&self, setting: &Setting) -> Option<Found> {
        if let Some(value) = self.flags.get(setting.key) {
            return Some(Found { value: value.clone(), source: format!("flag --set {}", setting.key) });
        }
        for name in setting.env {
            if let Some(value) = self.env.get(*name) {
                return Some(Found { value: value.clone(), source: format!("environment {name}") });
            }
        }
        // `PORT` (the original system's name) changes only the port of the default address.
        if setting.key == "listen_addr"
            && let Some(port) = self.env.get("PORT")
        {
            return Some(Found { value: format!("127.0.0.1:{port}"), source: "environment PORT".to_owned() });
        }
        let path = self.file_path.as_deref().unwrap_or("config file");
        self.file
            .get(setting.key)
            .map(|value| Found { value: value.clone(), source: format!("{path} key {}", setting.key) })
    }

    /// The `[models.<id>]` tables of the file, in order.
    pub fn models(&self) -> &[crate::model_tables::ModelSpec] {
        &self.models
    }

    /// Every known setting key, for listing.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        SETTINGS.iter().map(|s| s.key)
    }
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
    path: &str,
) -> Result<(), ConfigError> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        let text = match value {
            toml::Value::Table(inner) => {
                flatten(&key, inner, out, path)?;
                continue;
            }
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s.clone()),
                    _ => Err(ConfigError::File {
                        path: path.to_owned(),
                        reason: format!("`{key}` must be a list of strings"),
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            toml::Value::Datetime(_) => {
                return Err(ConfigError::File {
                    path: path.to_owned(),
                    reason: format!("`{key}` cannot be a date"),
                });
            }
        };
        out.insert(key, text);
    }
    Ok(())
}
