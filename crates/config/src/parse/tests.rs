use super::*;
use crate::settings::SETTINGS;

fn env(pairs: &[(&str, &str)]) -> Layers {
    Layers::new().with_env(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
}

fn error_line(layers: &Layers) -> String {
    match Config::from_layers(layers) {
        Ok(_) => panic!("expected a configuration error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn defaults_are_the_embedded_mode() -> Result<(), ConfigError> {
    let config = Config::from_layers(&Layers::new())?;
    assert_eq!(config.listen_addr.to_string(), "127.0.0.1:3000");
    assert_eq!(config.database.as_str(), "sqlite://./data/chatbot.db");
    assert!(!config.database.is_postgres());
    assert!(config.jwt_secret.is_none());
    assert_eq!(config.access_token_ttl, Duration::from_secs(15 * 60));
    assert_eq!(config.refresh_token_ttl, Duration::from_secs(30 * 24 * 3600));
    assert_eq!(config.limits.max_body_bytes, 1 << 20);
    assert_eq!(config.limits.max_message_bytes, 16 * 1024);
    assert_eq!(config.limits.max_room_name_chars, 100);
    Ok(())
}

#[test]
fn flags_beat_environment_beat_file_beat_defaults() -> Result<(), ConfigError> {
    let file = "listen_addr = \"127.0.0.1:4000\"\n[limits]\nmax_message_bytes = 100\nmax_body_bytes = 5000\n";
    let layers = env(&[("LISTEN_ADDR", "127.0.0.1:5000"), ("CHATBOT_MAX_BODY_BYTES", "6000")])
        .with_file_text("chatbot.toml", file)?
        .with_flag("listen_addr", "127.0.0.1:6000")?;
    let config = Config::from_layers(&layers)?;
    assert_eq!(config.listen_addr.port(), 6000, "flag wins");
    assert_eq!(config.limits.max_body_bytes, 6000, "environment beats file");
    assert_eq!(config.limits.max_message_bytes, 100, "file beats default");
    assert_eq!(config.limits.max_room_name_chars, 100, "default when unset");
    Ok(())
}

#[test]
fn port_alone_changes_only_the_port() -> Result<(), ConfigError> {
    let config = Config::from_layers(&env(&[("PORT", "8080")]))?;
    assert_eq!(config.listen_addr.to_string(), "127.0.0.1:8080");
    let config = Config::from_layers(&env(&[("PORT", "8080"), ("LISTEN_ADDR", "0.0.0.0:9000")]))?;
    assert_eq!(config.listen_addr.to_string(), "0.0.0.0:9000");
    Ok(())
}

#[test]
fn bad_values_name_the_setting_and_source() {
    let line = error_line(&env(&[("DATABASE_URL", "mysql://localhost/db")]));
    assert!(
        line.contains("DATABASE_URL") && line.contains("environment") && line.contains("mysql"),
        "{line}"
    );
    let line = error_line(&env(&[("DATABASE_URL", "postgres://")]));
    assert!(line.contains("DATABASE_URL"), "{line}");
    let line = error_line(&env(&[("REDIS_URL", "not a url")]));
    assert!(line.contains("REDIS_URL") && line.contains("unparsable"), "{line}");
    let line = error_line(&env(&[("JWT_SECRET", "short")]));
    assert!(line.contains("JWT_SECRET") && line.contains("too short"), "{line}");
    let line = error_line(&env(&[("CHATBOT_ACCESS_TOKEN_TTL", "soon")]));
    assert!(line.contains("CHATBOT_ACCESS_TOKEN_TTL"), "{line}");
    let line = error_line(&env(&[("CHATBOT_MAX_BODY_BYTES", "0")]));
    assert!(line.contains("greater than zero"), "{line}");
    let line = error_line(&env(&[("FRONTEND_URL", "ftp://example.com")]));
    assert!(line.contains("FRONTEND_URL") || line.contains("CORS_ORIGINS"), "{line}");
    assert!(!line.contains('\n'), "one line: {line}");
}

#[test]
fn postgres_requires_a_shared_secret() {
    let line = error_line(&env(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/chatbot")]));
    assert!(line.starts_with("missing JWT_SECRET"), "{line}");
    let ok = Config::from_layers(&env(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1/chatbot"),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ]));
    assert!(ok.is_ok_and(|c| c.database.is_postgres()));
}

#[test]
fn unknown_file_keys_are_rejected() {
    let err = Layers::new().with_file_text("chatbot.toml", "[limits]\nmax_mesage_bytes = 1\n");
    assert!(matches!(err, Err(ConfigError::UnknownKey { key, .. }) if key == "limits.max_mesage_bytes"));
}

#[test]
fn cors_origins_are_normalised() -> Result<(), ConfigError> {
    let config = Config::from_layers(&env(&[("CORS_ORIGINS", "https://a.example/, http://localhost:5173")]))?;
    assert_eq!(config.cors_origins.0, vec!["https://a.example", "http://localhost:5173"]);
    let config = Config::from_layers(&env(&[("FRONTEND_URL", "https://app.example")]))?;
    assert_eq!(config.cors_origins.0, vec!["https://app.example"]);
    Ok(())
}

#[test]
fn secrets_are_hidden_from_debug() -> Result<(), ConfigError> {
    let config = Config::from_layers(&env(&[
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef-very-secret"),
        ("DATABASE_URL", "postgres://app:hunter2hunter2@db.internal/chatbot"),
        ("ANTHROPIC_API_KEY", "sk-ant-secret"),
    ]))?;
    let debug = format!("{config:?}");
    for secret in ["very-secret", "hunter2", "sk-ant-secret"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    Ok(())
}

/// `chatbot.example.toml` documents every setting and, uncommented, is itself a valid config.
#[test]
fn example_file_covers_every_setting() -> Result<(), ConfigError> {
    let example = include_str!("../../../../chatbot.example.toml");
    let uncommented: String = example
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") && !rest.starts_with('#') => rest,
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let layers = Layers::new().with_file_text("chatbot.example.toml", &uncommented)?;
    for setting in SETTINGS {
        assert!(layers.explicit(setting).is_some(), "chatbot.example.toml lacks `{}`", setting.key);
    }
    Config::from_layers(&layers)?;
    Ok(())
}

/// README's configuration reference names every environment variable.
#[test]
fn readme_documents_every_environment_name() {
    let readme = include_str!("../../../../README.md");
    for setting in SETTINGS {
        for name in setting.env {
            assert!(readme.contains(&format!("`{name}`")), "README.md does not document `{name}`");
        }
    }
}

#[test]
fn model_tables_are_read_in_order_and_checked() -> Result<(), ConfigError> {
    let file = "[models.claude-haiku-4-5]\nprovider = \"anthropic\"\nlabel = \"Fast\"\n\
                price = { input = 0.8, output = 4.0 }\n\
                [models.claude-opus-4-1]\nprovider = \"anthropic\"\ncontext_tokens = 100000\n";
    let layers = env(&[("ANTHROPIC_API_KEY", "sk-ant-x")]).with_file_text("chatbot.toml", file)?;
    let config = Config::from_layers(&layers)?;
    let ids: Vec<&str> = config.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["claude-haiku-4-5", "claude-opus-4-1"]);
    assert_eq!(config.models[0].price.map(|p| p.microdollars()), Some((800_000, 4_000_000, 0, 0)));
    assert_eq!(config.models[1].context_tokens, Some(100_000));

    let unconfigured = Layers::new().with_file_text("chatbot.toml", file)?;
    let line = error_line(&unconfigured);
    assert!(line.contains("ANTHROPIC_API_KEY") && line.contains("claude-haiku-4-5"), "{line}");
    let bad = Layers::new().with_file_text("chatbot.toml", "[models.x]\nprovider = \"cohere\"\n");
    assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
    let typo = Layers::new().with_file_text("chatbot.toml", "[models.x]\nprovider = \"openai\"\nprise = 1\n");
    assert!(matches!(typo, Err(ConfigError::Invalid { .. })));
    Ok(())
}

#[test]
fn a_socket_queue_smaller_than_a_join_ack_is_refused() -> Result<(), ConfigError> {
    let line = error_line(&env(&[("CHATBOT_SOCKET_QUEUE_BYTES", "100000")]));
    assert!(
        line.contains("CHATBOT_SOCKET_QUEUE_BYTES")
            && line.contains("environment")
            && line.contains("262144"),
        "{line}"
    );
    let config = Config::from_layers(&env(&[
        ("CHATBOT_SOCKET_QUEUE_BYTES", "100000"),
        ("CHATBOT_JOIN_HISTORY_BYTES", "50000"),
    ]))?;
    assert_eq!(config.limits.socket_queue_bytes, 100_000);
    assert_eq!(Config::from_layers(&Layers::new())?.limits.socket_queue_bytes, 1 << 20);
    Ok(())
}
