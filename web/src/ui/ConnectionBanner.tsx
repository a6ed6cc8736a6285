import type { ConnectionStatus } from "../chat/state";
import { useT } from "../lib/i18n";

/** Status dot for the header (data-status: idle | connecting | connected | reconnecting). */
export function ConnectionStatusBadge({ status }: { status: ConnectionStatus }) {
  const t = useT();
  const text = status === "connected" ? t("connected") : status === "reconnecting" ? t("offline") : t("connecting");
  const colour = status === "connected" ? "bg-emerald-500" : status === "reconnecting" ? "bg-amber-500" : "bg-zinc-400";
  return (
    <span data-testid="connection-status" data-status={status} role="status" className="flex items-center gap-1 text-xs">
      <span aria-hidden="true" className={"inline-block h-2 w-2 rounded-full " + colour} />
      <span className="sr-only sm:not-sr-only">{text}</span>
    </span>
  );
}

/** A banner while the connection is down (messages typed meanwhile are sent after it). */
export function ConnectionBanner({ status }: { status: ConnectionStatus }) {
  const t = useT();
  if (status !== "reconnecting") return null;
  return (
    <div role="alert" className="bg-amber-100 px-4 py-2 text-center text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
      {t("reconnecting")}
    </div>
  );
}
