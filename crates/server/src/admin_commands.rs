//! The admin console's operations from the shell: `chatbot usage` and `chatbot user budget`. The
//! operator at the shell is trusted as an admin (they hold the database credentials anyway);
//! changes are audited without an actor.

use crate::Services;
use crate::cli::Budget;
use anyhow::Context;
use chatbot_domain::UsageGroup;
use chatbot_service::{BudgetChange, day_text};
use time::{Date, Duration, OffsetDateTime};

fn day(text: Option<String>, flag: &str) -> anyhow::Result<Option<Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.map(|t| Date::parse(&t, &format).with_context(|| format!("{flag} must be a day, YYYY-MM-DD: `{t}`")))
        .transpose()
}

/// Prints the usage report as a table, or as the API's CSV.
pub async fn usage(
    services: &Services,
    group_by: &str,
    from: Option<String>,
    to: Option<String>,
    csv: bool,
) -> anyhow::Result<()> {
    let group = match group_by {
        "user" => UsageGroup::User,
        "room" => UsageGroup::Room,
        "model" => UsageGroup::Model,
        _ => UsageGroup::Day,
    };
    let to = day(to, "--to")?.unwrap_or_else(|| OffsetDateTime::now_utc().date());
    let from = day(from, "--from")?.unwrap_or(to - Duration::days(29));
    let (lines, totals) = services.state.admin.usage(None, group, from, to).await?;
    if csv {
        print!("{}", chatbot_http::csv::usage(&lines));
        return Ok(());
    }
    println!("usage by {group_by}, {} to {} (UTC days)", day_text(from), day_text(to));
    println!("{:<44}  {:>8}  {:>12}  {:>12}  {:>12}", "", "answers", "input", "output", "cost ($)");
    let dollars = |micros: i64| format!("{:.6}", micros as f64 / 1_000_000.0);
    for line in &lines {
        let s = &line.sums;
        let label: String = line.label.chars().take(44).collect();
        println!(
            "{label:<44}  {:>8}  {:>12}  {:>12}  {:>12}",
            s.answers,
            s.input_tokens,
            s.output_tokens,
            dollars(s.cost)
        );
    }
    println!(
        "{:<44}  {:>8}  {:>12}  {:>12}  {:>12}",
        "total",
        totals.answers,
        totals.input_tokens,
        totals.output_tokens,
        dollars(totals.cost)
    );
    Ok(())
}

/// Sets (or returns to default) an account's daily budgets.
pub async fn budget(
    services: &Services,
    email: &str,
    tokens: Option<Budget>,
    cost: Option<Budget>,
) -> anyhow::Result<()> {
    if tokens.is_none() && cost.is_none() {
        anyhow::bail!("give --tokens and/or --cost (a number, or `default`)");
    }
    let amount = |b: Option<Budget>| {
        b.map(|b| match b {
            Budget::Amount(n) => Some(n),
            Budget::Default => None,
        })
    };
    let user = services.state.accounts.user_by_email(email).await?;
    let change = BudgetChange { tokens: amount(tokens), cost: amount(cost) };
    let user = services.state.admin.set_budget(None, user.id, change).await?;
    let show = |b: Option<i64>| b.map_or_else(|| "server default".to_owned(), |n| n.to_string());
    println!(
        "{} <{}>: daily tokens {}, daily cost (micro-dollars) {}",
        user.name,
        user.email,
        show(user.daily_token_budget),
        show(user.daily_cost_budget)
    );
    Ok(())
}
