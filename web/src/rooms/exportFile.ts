// A room export's file name (pure): the server's Content-Disposition, or the room's name.
import type { ExportFormat } from "../lib/conversationApi";

/** The file name a Content-Disposition header gives (`filename*=UTF-8''…` first, then
 *  `filename="…"`), without any path; null when it names none. */
export function dispositionFilename(header: string | null | undefined): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star?.[1]) {
    const value = star[1].trim().replace(/^"(.*)"$/, "$1");
    const encoded = value.replace(/^[\w-]*'[^']*'/, "");
    try {
      const name = baseName(decodeURIComponent(encoded));
      if (name) return name;
    } catch {
      /* malformed: try the plain form */
    }
  }
  const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header);
  if (plain) {
    const name = baseName(plain[2] !== undefined ? plain[2].replace(/\\(.)/g, "$1") : (plain[1] ?? "").trim());
    if (name) return name;
  }
  return null;
}

function baseName(name: string): string {
  return name.split(/[/\\]/).pop()!.trim();
}

/** A file name made of the room's name: characters file systems refuse become `_`. */
export function exportFilename(roomName: string, format: ExportFormat): string {
  const safe = Array.from(roomName, (c) => (c.charCodeAt(0) < 32 || '<>:"/\\|?*'.includes(c) ? "_" : c)).join("");
  const base = safe.trim().slice(0, 100) || "room";
  return `${base}.${format}`;
}
