// Rooms: search, the numbers of each, a link to its conversation, delete (confirmed).
import { useState } from "react";
import { describeError } from "../lib/errors";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { buttonDanger, buttonDangerOutline, buttonSecondary } from "../ui/styles";
import { useDebounced, useRooms } from "./data";
import { SearchBox } from "./SearchBox";
import { formatDateTime, formatInt } from "./format";
import { useAdminT } from "./i18n";
import { threadPath } from "./routes";
import { link, muted, row, table, td, tdNum, th, thead, thNum } from "./styles";
import type { AdminRoom } from "./types";
import { ListState, MoreButton, PageHeading, TableRegion } from "./ui";

export function RoomsPage() {
  const t = useAdminT();
  const [search, setSearch] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const rooms = useRooms(useDebounced(search.trim()));
  const onDelete = async (room: AdminRoom) => {
    await rooms.remove(room.id);
    setNotice(t("adm_deleted", { name: room.name }));
  };
  return (
    <>
      <PageHeading title={t("adm_rooms")} />
      <SearchBox label={t("adm_searchRooms")} value={search} onChange={setSearch} />
      {notice && (
        <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300">
          {notice}
        </p>
      )}
      {rooms.items.length > 0 && (
        <TableRegion label={t("adm_rooms")}>
          <table className={table} data-testid="admin-rooms" aria-busy={rooms.loading}>
            <thead className={thead}>
              <tr>
                <th scope="col" className={th}>{t("name")}</th>
                <th scope="col" className={th}>{t("owner")}</th>
                <th scope="col" className={thNum}>{t("members")}</th>
                <th scope="col" className={thNum}>{t("adm_messages")}</th>
                <th scope="col" className={th}>{t("adm_lastActivity")}</th>
                <th scope="col" className={th}>{t("adm_actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rooms.items.map((r) => (
                <RoomRow key={r.id} room={r} onDelete={onDelete} />
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <ListState loading={rooms.loading} empty={rooms.items.length === 0} error={rooms.error} />
      <MoreButton hasMore={rooms.hasMore} loading={rooms.loadingMore} onMore={rooms.more} />
    </>
  );
}

function RoomRow({ room, onDelete }: { room: AdminRoom; onDelete: (room: AdminRoom) => Promise<void> }) {
  const t = useAdminT();
  const lang = useStore(langStore);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const del = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDelete(room);
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <tr data-testid="admin-room-row" data-room-id={room.id} className={row}>
      <td className={td + " font-medium"}>
        <a href={"#" + threadPath(room.id)} data-testid="admin-room-open" aria-label={t("adm_openRoom", { name: room.name })} className={link}>
          {room.name}
        </a>
      </td>
      <td className={td}>{room.ownerName ?? <span className={muted}>{t("adm_noOwner")}</span>}</td>
      <td className={tdNum}>{formatInt(room.members, lang)}</td>
      <td className={tdNum}>{formatInt(room.messages, lang)}</td>
      <td className={td + " whitespace-nowrap " + muted}>{formatDateTime(room.lastActivityAt, lang)}</td>
      <td className={td}>
        {room.id === "general" ? null : confirm ? (
          <span role="group" aria-label={t("adm_deleteRoomOf", { name: room.name })} className="flex flex-wrap items-center gap-2">
            <span className="text-sm font-medium">{t("areYouSure")}</span>
            <button type="button" disabled={busy} onClick={() => setConfirm(false)} className={buttonSecondary}>
              {t("cancel")}
            </button>
            <button type="button" data-testid="admin-room-delete-confirm" autoFocus disabled={busy} onClick={() => void del()} className={buttonDanger}>
              {t("confirmDelete")}
            </button>
          </span>
        ) : (
          <button type="button" data-testid="admin-room-delete" onClick={() => setConfirm(true)} aria-label={t("adm_deleteRoomOf", { name: room.name })} className={buttonDangerOutline}>
            {t("adm_delete")}
          </button>
        )}
        {error && (
          <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
