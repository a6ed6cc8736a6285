//! A tolerant Server-Sent Events parser: feed it bytes as they arrive, take complete events out.
//!
//! Lines end at `\n` (a preceding `\r` is dropped); a blank line ends an event; `:` starts a
//! comment; several `data:` lines join with `\n`; a field without a colon has an empty value;
//! an event without an `event:` line has the default type. Bytes are split only at `\n`, which
//! never occurs inside a multi-byte UTF-8 character, so a network chunk boundary anywhere
//! (inside a `\r\n`, inside a Korean character or an emoji) is safe: text is decoded a whole line
//! at a time.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default type (`message`).
    pub event: Option<String>,
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    /// How much of `buffer` is known to hold no `\n` (so tiny chunks of a long line stay linear).
    scanned: usize,
    pending: Pending,
    lines: u64,
}

/// The fields of the event being read.
#[derive(Debug, Default)]
struct Pending {
    event: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Complete lines seen so far, comments and blank lines included: a sign of life.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Adds bytes; returns the events they completed, in order. Each line is read where it lies
    /// in the buffer, which sheds the lines read once at the end: a stream is read a token or a
    /// few at a time, so copying each line out first cost allocations per token.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        let (mut start, mut from) = (0, self.scanned);
        while let Some(offset) = self.buffer[from..].iter().position(|&b| b == b'\n') {
            let end = from + offset;
            self.lines += 1;
            let line = &self.buffer[start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Some(event) = self.pending.line(&String::from_utf8_lossy(line)) {
                events.push(event);
            }
            start = end + 1;
            from = start;
        }
        self.buffer.drain(..start);
        self.scanned = self.buffer.len();
        events
    }

    /// The event left unterminated when the stream ends (servers that omit the final blank line).
    pub fn finish(&mut self) -> Option<SseEvent> {
        self.scanned = 0;
        if !self.buffer.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
            if let Some(event) = self.pending.line(rest.trim_end_matches('\r')) {
                return Some(event);
            }
        }
        self.pending.dispatch()
    }
}

impl Pending {
    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => self.data.push(value.to_owned()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        let data = match self.data.len() {
            0 => return None,
            // The usual event, one `data:` line: its text as it is.
            1 => self.data.pop().unwrap_or_default(),
            _ => std::mem::take(&mut self.data).join("\n"),
        };
        Some(SseEvent { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_comments_and_multiline_data() {
        let mut p = SseParser::new();
        let events = p.feed(b": comment\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\ndata:x\n\n");
        assert_eq!(
            events,
            vec![
                SseEvent { event: Some("a".into()), data: "one\ntwo".into() },
                SseEvent { event: None, data: "x".into() },
            ]
        );
    }

    #[test]
    fn any_chunking_gives_the_same_events() {
        let text = "event: t\ndata: {\"text\":\"안녕하세요 세계\"}\n\n: ping\n\ndata: [DONE]\n\n".as_bytes();
        let whole = SseParser::new().feed(text);
        for size in 1..8 {
            let mut p = SseParser::new();
            let events: Vec<SseEvent> = text.chunks(size).flat_map(|c| p.feed(c)).collect();
            assert_eq!(events, whole, "chunk size {size}");
        }
    }

    #[test]
    fn crlf_split_across_chunks_and_events_without_type() {
        let text = b"data: {\"a\":1}\r\n\r\nevent: x\r\ndata\r\n\r\n";
        let mut p = SseParser::new();
        let events: Vec<SseEvent> = text.chunks(1).flat_map(|c| p.feed(c)).collect();
        assert_eq!(
            events,
            vec![
                SseEvent { event: None, data: "{\"a\":1}".into() },
                SseEvent { event: Some("x".into()), data: String::new() },
            ]
        );
        assert_eq!(p.lines(), 5);
    }

    #[test]
    fn comments_count_as_lines_but_dispatch_nothing() {
        let mut p = SseParser::new();
        assert!(p.feed(b": ping - 2026-11-27\n\n").is_empty());
        assert_eq!(p.lines(), 2);
    }

    #[test]
    fn a_final_event_without_blank_line_is_kept() {
        let mut p = SseParser::new();
        assert!(p.feed(b"data: last").is_empty());
        assert_eq!(p.finish().map(|e| e.data), Some("last".into()));
    }
}
