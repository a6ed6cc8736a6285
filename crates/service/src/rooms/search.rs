//! Finding an old message: full-text search over the caller's own rooms, best match first, with
//! snippets that mark the matched terms (docs/conversations.md, "Search").

use super::*;
use chatbot_domain::ValidationError;
use chatbot_store::{SearchHit, SearchQuery};

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms a query may hold (each one narrows the search; more adds cost, not precision).
const MAX_TERMS: usize = 10;
/// Characters of context a snippet keeps before its first match (and about twice that after).
const SNIPPET_LEAD: usize = 60;
const SNIPPET_CHARS: usize = 200;

/// One piece of a snippet: matched text or the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPiece {
    pub text: String,
    pub matched: bool,
}

/// A search result.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub hit: SearchHit,
    pub snippet: Vec<SnippetPiece>,
}

/// A page of results and the cursor of the next one (`None`: this is the last).
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub results: Vec<SearchResult>,
    pub next: Option<String>,
}

/// Matches ranked together: the newest this many, then the next as many, and so on. Ranking
/// every match of a common word would cost time in proportion to the history (seen: 0.1–2 s at
/// 1,000,000 messages); ranking the newest window keeps a search within milliseconds, and in a
/// chat recent matches are the likelier ones. See docs/decisions/021-search-ranked-by-window.md.
pub const RANK_WINDOW: u32 = 200;

impl RoomService {
    /// Searches the caller's rooms (or one of them) for messages holding every term of `text`,
    /// best first within each window of the newest [`RANK_WINDOW`] matches. `cursor` is a
    /// previous page's `next`; `limit` at most [`RANK_WINDOW`].
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        room_id: Option<RoomId>,
        cursor: Option<&str>,
        limit: u32,
    ) -> ServiceResult<SearchPage> {
        let terms = search_terms(text)?;
        let position = match cursor {
            None => 0,
            Some(cursor) => cursor
                .parse::<u32>()
                .map_err(|_| ValidationError::new("before", "not a cursor this search returned"))?,
        };
        if let Some(room_id) = room_id {
            self.membership(actor, room_id).await?;
        }
        let limit = limit.clamp(1, RANK_WINDOW);
        let window = position / RANK_WINDOW * RANK_WINDOW;
        let query = SearchQuery {
            user_id: actor.id(),
            terms: terms.clone(),
            room_id,
            offset: window,
            limit: RANK_WINDOW,
        };
        let mut hits = self.store.search_messages(&query).await?;
        let in_window = hits.len();
        // Best first; among equals, newest first (the order they came in: the sort is stable).
        hits.sort_by(|a, b| b.rank.total_cmp(&a.rank));
        let skip = (position - window) as usize;
        let page: Vec<SearchHit> = hits.into_iter().skip(skip).take(limit as usize).collect();
        let consumed = skip + page.len();
        let next = if consumed < in_window {
            Some(window as usize + consumed)
        } else if in_window == RANK_WINDOW as usize {
            Some(window as usize + in_window)
        } else {
            None
        };
        let results = page
            .into_iter()
            .map(|hit| SearchResult { snippet: snippet(&hit.message.content, &terms), hit })
            .collect();
        Ok(SearchPage { results, next: next.map(|n| n.to_string()) })
    }
}

/// The terms of a query: runs of letters and digits, lowercased; at least one, at most
/// [`MAX_TERMS`] (the rest are ignored), from a query of at most [`MAX_QUERY_CHARS`].
pub fn search_terms(text: &str) -> Result<Vec<String>, ValidationError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ValidationError::too_large("q", format!("at most {MAX_QUERY_CHARS} characters")));
    }
    let mut terms: Vec<String> = Vec::new();
    for term in text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        let term = term.to_lowercase();
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    if terms.is_empty() {
        return Err(ValidationError::new("q", "give at least one word to search for"));
    }
    terms.truncate(MAX_TERMS);
    Ok(terms)
}

/// The part of `content` around its first match, cut into pieces with every occurrence of a term
/// marked. Matching ignores case; a text without any occurrence (a prefix match the index found
/// in a form this does not see) gives its beginning, unmarked.
pub fn snippet(content: &str, terms: &[String]) -> Vec<SnippetPiece> {
    let chars: Vec<char> = content.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let term_chars: Vec<Vec<char>> = terms.iter().map(|t| t.chars().collect()).collect();
    // Which characters are inside a match.
    let mut marked = vec![false; chars.len()];
    for term in term_chars.iter().filter(|t| !t.is_empty()) {
        let mut i = 0;
        while i + term.len() <= lower.len() {
            if lower[i..i + term.len()] == term[..] {
                marked[i..i + term.len()].iter_mut().for_each(|m| *m = true);
                i += term.len();
            } else {
                i += 1;
            }
        }
    }
    let first = marked.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(SNIPPET_LEAD);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut pieces: Vec<SnippetPiece> = Vec::new();
    if start > 0 {
        pieces.push(SnippetPiece { text: "…".into(), matched: false });
    }
    for i in start..end {
        let c = if chars[i].is_whitespace() { ' ' } else { chars[i] };
        match pieces.last_mut() {
            Some(last) if last.matched == marked[i] && !(i == start && start > 0) => last.text.push(c),
            _ => pieces.push(SnippetPiece { text: c.to_string(), matched: marked[i] }),
        }
    }
    if end < chars.len() {
        match pieces.last_mut() {
            Some(last) if !last.matched => last.text.push('…'),
            _ => pieces.push(SnippetPiece { text: "…".into(), matched: false }),
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(pieces: &[SnippetPiece]) -> String {
        pieces.iter().map(|p| if p.matched { format!("[{}]", p.text) } else { p.text.clone() }).collect()
    }

    #[test]
    fn terms_are_words_lowercased_and_deduplicated() {
        assert_eq!(search_terms("Hello, hello WORLD! 안녕").unwrap(), ["hello", "world", "안녕"]);
        assert_eq!(search_terms("a\"b OR c*").unwrap(), ["a", "b", "or", "c"], "no query syntax survives");
        assert_eq!(search_terms(" ?! ").unwrap_err().field, "q");
        assert!(search_terms(&"x".repeat(201)).unwrap_err().too_large);
        assert_eq!(search_terms(&"w ".repeat(30)).unwrap().len(), 1);
    }

    #[test]
    fn snippets_mark_every_occurrence_ignoring_case() {
        let terms = vec!["rust".to_owned(), "안녕".to_owned()];
        assert_eq!(
            shown(&snippet("I like Rust. 안녕하세요, rust!", &terms)),
            "I like [Rust]. [안녕]하세요, [rust]!"
        );
        assert_eq!(shown(&snippet("nothing here", &terms)), "nothing here");
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{} needle {}", "a ".repeat(200), "b ".repeat(200));
        let pieces = snippet(&text, &["needle".to_owned()]);
        let text = shown(&pieces);
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.contains("[needle]"));
        assert!(text.chars().count() <= SNIPPET_CHARS + 4, "{}", text.chars().count());
        assert_eq!(pieces.iter().filter(|p| p.matched).count(), 1);
    }
}
