//! Taking a conversation out: a room's whole history, page by page, with what each answer cost,
//! so the HTTP layer can stream an export of any length in constant memory.

use super::*;
use chatbot_store::MessageUsage;
use std::collections::HashMap;

/// Messages read per page of an export.
const EXPORT_PAGE: u32 = 500;

/// An export in progress: the room as it was when the export began, up to its last message then.
pub struct RoomExport {
    pub room: Room,
    /// The assistant's display name (answers' author in the export).
    pub assistant_name: String,
    /// The last `seq` exported: later messages are not part of this export.
    pub up_to: i64,
    store: Arc<dyn Store>,
}

/// One page: messages in `seq` order, and the usage of the answers among them.
pub struct ExportPage {
    pub messages: Vec<Message>,
    pub usage: HashMap<MessageId, MessageUsage>,
}

impl RoomService {
    /// Starts an export of a room the caller is a member of.
    pub async fn export(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<RoomExport> {
        self.membership(actor, room_id).await?;
        let room = self.room(room_id).await?;
        Ok(RoomExport {
            up_to: room.last_seq,
            room,
            assistant_name: self.answers.assistant_name().to_owned(),
            store: self.store.clone(),
        })
    }
}

impl RoomExport {
    /// The messages after `after` (at most one page); empty when the export is complete.
    pub async fn page(&self, after: i64) -> ServiceResult<ExportPage> {
        if after >= self.up_to {
            return Ok(ExportPage { messages: Vec::new(), usage: HashMap::new() });
        }
        let query = HistoryQuery { before: Some(self.up_to + 1), after: Some(after), limit: EXPORT_PAGE };
        let messages = self.store.list_messages(self.room.id, query).await?;
        let last = messages.last().map_or(self.up_to, |m| m.seq);
        let usage = self.store.usage_of_messages(self.room.id, after, last).await?;
        Ok(ExportPage { messages, usage: usage.into_iter().map(|u| (u.message_id, u)).collect() })
    }
}
