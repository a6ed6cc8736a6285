// Downloads a room's history (`GET /api/rooms/:id/export`): fetched with the bearer token (a plain
// link could not send it) and saved from a Blob under the server's file name.
import { saveBlob } from "../admin/download";
import { conversationApi, type ExportFormat } from "../lib/conversationApi";
import { dispositionFilename, exportFilename } from "./exportFile";

export async function exportRoom(roomId: string, roomName: string, format: ExportFormat): Promise<void> {
  const { blob, disposition } = await conversationApi.exportRoom(roomId, format);
  saveBlob(blob, dispositionFilename(disposition) ?? exportFilename(roomName, format));
}
