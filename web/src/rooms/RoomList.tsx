import { useT } from "../lib/i18n";
import { roomPath } from "../lib/router";
import type { Room } from "../lib/types";

interface Props {
  rooms: Room[];
  currentRoom: string | null;
  onSelect: () => void;
}

function preview(r: Room): string {
  return r.preview ?? r.lastMessage?.content ?? "";
}

export function RoomList({ rooms, currentRoom, onSelect }: Props) {
  const t = useT();
  return (
    <ul className="flex flex-col gap-0.5 p-2">
      {rooms.map((r) => {
        const active = r.id === currentRoom;
        return (
          <li key={r.id}>
            <a
              href={"#" + roomPath(r.id)}
              data-testid="room-item"
              data-room-id={r.id}
              aria-current={active ? "page" : undefined}
              onClick={onSelect}
              className={
                "flex items-center gap-2 rounded-lg px-3 py-2 " +
                (active ? "bg-indigo-100 dark:bg-indigo-900/40" : "hover:bg-zinc-200 dark:hover:bg-zinc-800")
              }
            >
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium">{r.name}</span>
                <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">{preview(r)}</span>
              </span>
              {r.unreadCount > 0 && !active && (
                <span className="rounded-full bg-indigo-600 px-2 py-0.5 text-xs font-semibold text-white">
                  {r.unreadCount > 99 ? "99+" : r.unreadCount}
                  <span className="sr-only"> {t("unread")}</span>
                </span>
              )}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
