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
    /// Token usage and cost over a range of days, grouped (the admin console's usage report).
    Usage {
        /// `user`, `room`, `model` or `day`.
        #[arg(long, value_parser = ["user", "room", "model", "day"])]
        group_by: String,
        /// First day, YYYY-MM-DD (UTC; default 29 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last day, inclusive, YYYY-MM-DD (default today).
        #[arg(long)]
        to: Option<String>,
        /// CSV instead of a table (the API's CSV download).
        #[arg(long)]
        csv: bool,
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
    /// Set an account's own daily budgets; `default` returns to the server's
    /// (CHATBOT_DAILY_TOKEN_BUDGET, CHATBOT_DAILY_COST_BUDGET). Audited.
    Budget {
        #[arg(long)]
        email: String,
        /// Tokens per UTC day, or `default`.
        #[arg(long, value_parser = parse_budget)]
        tokens: Option<Budget>,
        /// Micro-dollars per UTC day (1000000 = $1), or `default`.
        #[arg(long, value_parser = parse_budget)]
        cost: Option<Budget>,
    },
}

/// A budget given on the command line: an amount, or the server's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Amount(i64),
    Default,
}

fn parse_budget(s: &str) -> Result<Budget, String> {
    if s == "default" {
        return Ok(Budget::Default);
    }
    match s.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Budget::Amount(n)),
        _ => Err("expected a whole number of 0 or more, or `default`".into()),
    }
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
