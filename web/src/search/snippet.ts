// A search result's snippet (pure): the server's `{text, match}` pieces, tidied for one line of
// text. The pieces are rendered as text (matches in <mark>), never as HTML.
import type { SnippetPiece } from "../lib/conversationTypes";

/** Pieces with whitespace runs (line breaks included) as one space, ends trimmed, empty pieces
 *  dropped and neighbours of the same kind joined. */
export function snippetPieces(snippet: readonly SnippetPiece[] | null | undefined): SnippetPiece[] {
  const out: SnippetPiece[] = [];
  for (const piece of snippet ?? []) {
    const text = String(piece.text ?? "").replace(/\s+/g, " ");
    if (text === "") continue;
    const match = piece.match === true;
    const last = out[out.length - 1];
    if (last && last.match === match) last.text += text;
    else out.push({ text, match });
  }
  const first = out[0];
  if (first && !first.match) first.text = first.text.trimStart();
  const last = out[out.length - 1];
  if (last && !last.match) last.text = last.text.trimEnd();
  return out.filter((p) => p.text !== "");
}

/** The snippet as plain text (an accessible name, a title). */
export function snippetText(snippet: readonly SnippetPiece[] | null | undefined): string {
  return snippetPieces(snippet)
    .map((p) => p.text)
    .join("");
}
