//! The command line: `chatbot [serve|migrate|user …|version]`.

use chatbot_config::{Config, ConfigError, Layers};
use chatbot_domain::UserRole;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "chatbot", version, about = "Real-time AI chat server", propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [env: CHATBOT_CONFIG] [default: ./chatbot.toml if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 0.0.0.0:3000 [env: LISTEN_ADDR, PORT]
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://path or postgres://… [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Any setting by its chatbot.toml key, e.g. --set limits.max_message_bytes=32768
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts from the shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the audit log, newest first (admin actions and security events).
    Audit {
        /// Only this action, e.g. `user.deactivated`, `auth.login_failed`.
        #[arg(long)]
        action: Option<String>,
        /// Only entries by the account with this email.
        #[arg(long)]
        actor: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print the version.
    Version,
    /// Exit 0 if the server on the configured listen address answers `/healthz` (for container
    /// health checks in images without curl).
    Healthcheck,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The password (visible in shell history; prefer --password-stdin).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Make the account an admin.
        #[arg(long)]
        admin: bool,
    },
    /// List accounts.
    List {
        /// Only emails or names containing this text.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Change an account's role.
    SetRole {
        #[arg(long)]
        email: String,
        /// Make the account an admin (same as --role admin).
        #[arg(long, conflicts_with = "role")]
        admin: bool,
        /// `user` or `admin`.
        #[arg(long, value_parser = parse_role)]
        role: Option<UserRole>,
    },
    /// Stop an account from signing in and revoke its sessions. A running server ends its open
    /// connections at its next session check (every quarter of the access-token lifetime, at
    /// most 30 s); the admin API ends them at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Let a deactivated account sign in again.
    Activate {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(s: &str) -> Result<UserRole, String> {
    s.parse()
}

impl GlobalArgs {
    /// Builds the configuration: flags > environment > file > defaults.
    pub fn load_config(&self) -> Result<Config, ConfigError> {
        let mut layers = Layers::new().with_process_env();
        let explicit = self.config.clone().or_else(|| std::env::var_os("CHATBOT_CONFIG").map(PathBuf::from));
        layers = match explicit {
            Some(path) => layers.with_file(&path, true)?,
            None => layers.with_file(std::path::Path::new("chatbot.toml"), false)?,
        };
        if let Some(listen) = &self.listen {
            layers = layers.with_flag("listen_addr", listen)?;
        }
        if let Some(url) = &self.database_url {
            layers = layers.with_flag("database_url", url)?;
        }
        for item in &self.set {
            let (key, value) = item.split_once('=').ok_or_else(|| ConfigError::Invalid {
                setting: "--set".into(),
                source_name: "command line".into(),
                reason: format!("`{item}` is not KEY=VALUE"),
            })?;
            layers = layers.with_flag(key.trim(), value.trim())?;
        }
        Config::from_layers(&layers)
    }
}
