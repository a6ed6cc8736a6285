//! The `chatbot` binary: parse the command line, load configuration, dispatch.

use anyhow::Context;
use chatbot_domain::UserRole;
use chatbot_server::cli::{Cli, Command, UserCommand};
use chatbot_server::{Application, VERSION, build_services, telemetry};
use clap::Parser;
use std::io::BufRead;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, None | Some(Command::Serve)) {
        pin_malloc_mmap_threshold();
    }
    if matches!(cli.command, Some(Command::Version)) {
        println!("chatbot {VERSION}");
        return ExitCode::SUCCESS;
    }
    let config = match cli.global.load_config() {
        Ok(config) => config,
        Err(err) => {
            // One line naming the setting: the operator's whole diagnosis.
            eprintln!("chatbot: {err}");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.command, Some(Command::Healthcheck)) {
        return match chatbot_server::healthcheck::check(config.listen_addr, std::time::Duration::from_secs(3))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("chatbot: unhealthy: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let telemetry = telemetry::init(config.log_format, &config.observability, VERSION);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("chatbot: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config));
    drop(runtime);
    telemetry.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chatbot: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: chatbot_config::Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run(shutdown_signal()).await
        }
        Command::Migrate => {
            let services = build_services(&config, std::sync::Arc::new(chatbot_service::NoEvents)).await?;
            services.store.close().await;
            println!("migrations applied ({})", services.store.backend());
            Ok(())
        }
        Command::User(command) => user_command(command, &config).await,
        Command::Audit { action, actor, limit } => audit_command(action, actor, limit, &config).await,
        Command::Usage { group_by, from, to, csv } => {
            let services = build_services(&config, std::sync::Arc::new(chatbot_service::NoEvents)).await?;
            let result = chatbot_server::admin_commands::usage(&services, &group_by, from, to, csv).await;
            services.store.close().await;
            result
        }
        Command::Version | Command::Healthcheck => Ok(()),
    }
}

async fn user_command(command: UserCommand, config: &chatbot_config::Config) -> anyhow::Result<()> {
    let services = build_services(config, std::sync::Arc::new(chatbot_service::NoEvents)).await?;
    let accounts = &services.state.accounts;
    let result = match command {
        UserCommand::Create { email, name, password, password_stdin, admin } => {
            let password = match (password, password_stdin) {
                (Some(p), _) => p,
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("cannot read the password from stdin")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
                (None, false) => anyhow::bail!("give --password-stdin (recommended) or --password"),
            };
            let user = accounts.create_user(&email, &name, &password, admin).await?;
            println!("created {} <{}> ({}), id {}", user.name, user.email, user.role, user.id);
            Ok(())
        }
        UserCommand::List { search, limit } => {
            let users = accounts.list_users(search, limit).await?;
            println!("{:<36}  {:<6}  {:<6}  {:<32}  name", "id", "role", "active", "email");
            for u in users {
                println!("{:<36}  {:<6}  {:<6}  {:<32}  {}", u.id, u.role, u.is_active, u.email, u.name);
            }
            Ok(())
        }
        UserCommand::SetRole { email, admin, role } => {
            let role = match (admin, role) {
                (true, _) => UserRole::Admin,
                (false, Some(role)) => role,
                (false, None) => anyhow::bail!("give --admin or --role user|admin"),
            };
            let user = accounts.set_role(None, &email, role).await?;
            println!("{} <{}> is now {}", user.name, user.email, user.role);
            Ok(())
        }
        UserCommand::Deactivate { email } => {
            let user = accounts.user_by_email(&email).await?;
            let user = accounts.set_active(None, user.id, false).await?;
            println!("{} <{}> is deactivated and signed out", user.name, user.email);
            Ok(())
        }
        UserCommand::Activate { email } => {
            let user = accounts.user_by_email(&email).await?;
            let user = accounts.set_active(None, user.id, true).await?;
            println!("{} <{}> may sign in again", user.name, user.email);
            Ok(())
        }
        UserCommand::Budget { email, tokens, cost } => {
            chatbot_server::admin_commands::budget(&services, &email, tokens, cost).await
        }
    };
    services.store.close().await;
    result
}

async fn audit_command(
    action: Option<String>,
    actor: Option<String>,
    limit: u32,
    config: &chatbot_config::Config,
) -> anyhow::Result<()> {
    let services = build_services(config, std::sync::Arc::new(chatbot_service::NoEvents)).await?;
    let accounts = &services.state.accounts;
    let result = async {
        let actor_id = match actor {
            Some(email) => Some(accounts.user_by_email(&email).await?.id),
            None => None,
        };
        let limit = accounts.page_size(Some(limit), 50)?;
        let query = chatbot_store::AuditQuery { actor_id, action, limit, ..Default::default() };
        let entries = accounts.audit_log(&query).await?;
        println!("{:<27}  {:<24}  {:<36}  {:<36}  detail", "time", "action", "actor", "target");
        for e in entries {
            let at = e.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            let actor = e.actor_id.map(|id| id.to_string()).unwrap_or_else(|| "-".into());
            let target = e.target.unwrap_or_else(|| "-".into());
            println!("{at:<27}  {:<24}  {actor:<36}  {target:<36}  {}", e.action, e.detail);
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    services.store.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM (what container orchestrators send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Restarts the server (same process, `exec`) with glibc's mmap threshold fixed, unless the
/// environment already sets it.
///
/// glibc serves blocks above the mmap threshold with `mmap` and returns them to the system when
/// freed, but each such free raises the threshold to the block's size (and the trim threshold to
/// twice that), so from the second password hash on, every 19 MiB argon2 block comes from a
/// malloc arena and stays there: 288 MB resident after 60 failed logins, where 22 MB is enough
/// (docs/benchmarks.md, "Memory that comes back"; decision 019). Fixing the thresholds where the
/// dynamic rule would leave them for everything smaller (16 MiB and 32 MiB) keeps glibc's
/// behaviour for the rest and returns the hash blocks. The variables are read only when a process
/// starts, and without unsafe code there is no `mallopt`: hence the `exec`, before any thread
/// exists. (Hash blocks below 16 MiB would need a lower threshold: see `passwords.rs`.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn pin_malloc_mmap_threshold() {
    use std::os::unix::process::CommandExt as _;
    const VAR: &str = "MALLOC_MMAP_THRESHOLD_";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(VAR, (16 << 20).to_string())
        .env("MALLOC_TRIM_THRESHOLD_", (32 << 20).to_string())
        .exec();
    eprintln!("chatbot: could not restart with {VAR} set ({err}); continuing with glibc's default");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn pin_malloc_mmap_threshold() {}
