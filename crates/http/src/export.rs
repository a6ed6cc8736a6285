//! How an export reads: a room's history as Markdown or JSON, written page by page (the route
//! streams each piece as it is ready), so an export of any length takes constant memory.
//! The JSON is one document: `{room, exportedAt, messages: [...]}` (docs/conversations.md).

use chatbot_domain::{Message, MessageRole, MessageStatus, Room};
use chatbot_service::{ExportPage, RoomExport};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The formats `?format=` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
}

impl ExportFormat {
    pub fn parse(text: Option<&str>) -> Option<Self> {
        match text.unwrap_or("json") {
            "json" => Some(Self::Json),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Json => "json",
        }
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// `2026-12-06 13:05 UTC`: what a reader of the Markdown wants to see.
fn readable(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.format(&format).unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoomHead<'a> {
    id: String,
    name: &'a str,
    description: Option<&'a str>,
    model: Option<&'a str>,
    system_prompt: Option<&'a str>,
    created_at: String,
}

#[derive(Serialize)]
struct Author<'a> {
    id: String,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageLine {
    input_tokens: i64,
    output_tokens: i64,
    cache_read_tokens: i64,
    cache_creation_tokens: i64,
    /// Micro-dollars.
    cost: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportedMessage<'a> {
    id: String,
    seq: i64,
    role: MessageRole,
    author: Option<Author<'a>>,
    content: &'a str,
    status: MessageStatus,
    model: Option<&'a str>,
    reply_to: Option<String>,
    created_at: String,
    edited_at: Option<String>,
    deleted: bool,
    usage: Option<UsageLine>,
}

/// What comes before the first message.
pub fn head(format: ExportFormat, export: &RoomExport, now: OffsetDateTime) -> String {
    let room: &Room = &export.room;
    match format {
        ExportFormat::Json => {
            let head = RoomHead {
                id: room.id.to_string(),
                name: &room.name,
                description: room.description.as_deref(),
                model: room.model.as_deref(),
                system_prompt: room.system_prompt.as_deref(),
                created_at: rfc3339(room.created_at),
            };
            let room = serde_json::to_string(&head).unwrap_or_else(|_| "null".into());
            let exported = serde_json::to_string(&rfc3339(now)).unwrap_or_else(|_| "null".into());
            format!("{{\"room\":{room},\"exportedAt\":{exported},\"messages\":[")
        }
        ExportFormat::Markdown => {
            let mut out = format!("# {}\n\n", one_line(&room.name));
            if let Some(description) = room.description.as_deref().filter(|d| !d.is_empty()) {
                out.push_str(&format!("{}\n\n", one_line(description)));
            }
            out.push_str(&format!("_Exported {}._\n", readable(now)));
            out
        }
    }
}

/// One page of messages; `first` when nothing was written before it (JSON needs no comma then).
pub fn page(format: ExportFormat, export: &RoomExport, page: &ExportPage, first: bool) -> String {
    let mut out = String::new();
    for (i, message) in page.messages.iter().enumerate() {
        let usage = page.usage.get(&message.id).map(|u| UsageLine {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_tokens,
            cache_creation_tokens: u.cache_creation_tokens,
            cost: u.cost,
        });
        match format {
            ExportFormat::Json => {
                if !(first && i == 0) {
                    out.push(',');
                }
                let entry = ExportedMessage {
                    id: message.id.to_string(),
                    seq: message.seq,
                    role: message.role,
                    author: message.user_id.map(|id| Author {
                        id: id.to_string(),
                        name: message.user_name.as_deref().unwrap_or(""),
                    }),
                    content: &message.content,
                    status: message.status,
                    model: message.model.as_deref(),
                    reply_to: message.reply_to.map(|id| id.to_string()),
                    created_at: rfc3339(message.created_at),
                    edited_at: message.edited_at.map(rfc3339),
                    deleted: message.deleted_at.is_some(),
                    usage,
                };
                out.push_str(&serde_json::to_string(&entry).unwrap_or_else(|_| "null".into()));
            }
            ExportFormat::Markdown => markdown_message(&mut out, export, message, usage.as_ref()),
        }
    }
    out
}

/// What comes after the last message.
pub fn tail(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Json => "]}\n",
        ExportFormat::Markdown => "",
    }
}

fn markdown_message(out: &mut String, export: &RoomExport, message: &Message, usage: Option<&UsageLine>) {
    let author = match message.role {
        MessageRole::Assistant => match &message.model {
            Some(model) => format!("{} ({model})", export.assistant_name),
            None => export.assistant_name.clone(),
        },
        MessageRole::System => "System".to_owned(),
        MessageRole::User => message.user_name.clone().unwrap_or_else(|| "(unknown)".into()),
    };
    let edited = if message.edited_at.is_some() { " · edited" } else { "" };
    out.push_str(&format!(
        "\n---\n\n### {} · {}{edited}\n\n",
        one_line(&author),
        readable(message.created_at)
    ));
    if message.deleted_at.is_some() {
        out.push_str("_(deleted)_\n");
        return;
    }
    out.push_str(message.content.trim_end());
    out.push('\n');
    if !matches!(message.status, MessageStatus::Complete) {
        out.push_str(&format!("\n_({})_\n", message.status.as_str()));
    }
    if let Some(u) = usage {
        out.push_str(&format!(
            "\n_{} input · {} output tokens · ${:.6}_\n",
            u.input_tokens,
            u.output_tokens,
            u.cost as f64 / 1_000_000.0
        ));
    }
}

/// A heading must stay on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Content-Disposition` for the download: the room's name made safe for a file name, with the
/// full name in UTF-8 (`filename*`) for browsers that read it.
pub fn disposition(room_name: &str, format: ExportFormat) -> String {
    let ascii: String = room_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let ascii = if ascii.trim_matches('_').is_empty() { "conversation".to_owned() } else { ascii };
    let encoded: String = room_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let ext = format.extension();
    format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_with_json_the_default() {
        assert_eq!(ExportFormat::parse(None), Some(ExportFormat::Json));
        assert_eq!(ExportFormat::parse(Some("md")), Some(ExportFormat::Markdown));
        assert_eq!(ExportFormat::parse(Some("pdf")), None);
    }

    #[test]
    fn file_names_are_safe_and_keep_the_real_name_encoded() {
        let d = disposition("팀 회의 \"notes\"", ExportFormat::Markdown);
        assert!(d.starts_with("attachment; filename=\"_"), "{d}");
        assert!(!d[..d.find(';').unwrap_or(0) + 30].contains("\"notes"), "{d}");
        assert!(d.contains("filename*=UTF-8''%ED%8C%80%20"), "{d}");
        assert!(disposition("???", ExportFormat::Json).contains("filename=\"conversation.json\""));
    }

    #[test]
    fn headings_stay_on_one_line() {
        assert_eq!(one_line("a\n# b  c"), "a # b c");
    }
}
