import { useCallback, useEffect, useId, useRef, useState } from "react";
import { conversationApi } from "../lib/conversationApi";
import type { Share } from "../lib/conversationTypes";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { formatMessageTime } from "../lib/time";
import { buttonDangerOutline, buttonPrimary, buttonSecondary, inputClass } from "../ui/styles";
import { copyText } from "./clipboard";
import { EXPIRY_OPTIONS, expiryHours, shareState, shareUrl, sortShares } from "./links";

interface Props {
  roomId: string;
  roomName: string;
  open: boolean;
  onClose: () => void;
}

/** A modal (native <dialog>) for a room's share links: make one (with an expiry), and copy or
 *  revoke the existing ones. */
export function ShareDialog({ roomId, roomName, open, onClose }: Props) {
  const t = useT();
  const titleId = useId();
  const expiryId = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [shares, setShares] = useState<Share[] | null>(null);
  const [expiry, setExpiry] = useState("never");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setShares(await conversationApi.shares(roomId));
    } catch (err) {
      setShares([]);
      setError(describeError(t, err));
    }
  }, [roomId, t]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setShares(null);
      setExpiry("never");
      void load();
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open, load]);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const share = await conversationApi.createShare(roomId, expiryHours(expiry));
      setShares((list) => [share, ...(list ?? []).filter((s) => s.id !== share.id)]);
    } catch (err) {
      setError(describeError(t, err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (share: Share) => {
    setError(null);
    try {
      await conversationApi.revokeShare(roomId, share.id);
      const revokedAt = new Date().toISOString();
      setShares((list) => (list ?? []).map((s) => (s.id === share.id ? { ...s, revokedAt } : s)));
    } catch (err) {
      setError(describeError(t, err));
    }
  };

  // eslint-disable-next-line react-hooks/purity -- which links have expired depends on the time the dialog is rendered
  const now = Date.now();
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      data-testid="share-dialog"
      className="m-auto w-[min(34rem,calc(100vw-1.5rem))] rounded-xl bg-white p-4 text-zinc-900 shadow-xl backdrop:bg-black/40 sm:p-5 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <div className="flex flex-col gap-4">
        <div>
          <h2 id={titleId} className="text-lg font-semibold">
            {t("shareTitle")}
          </h2>
          <p className="truncate text-sm text-zinc-600 dark:text-zinc-400">{roomName}</p>
        </div>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">{t("shareHint")}</p>
        <div className="flex flex-wrap items-end gap-2">
          <label htmlFor={expiryId} className="flex min-w-0 flex-1 flex-col gap-1 text-sm font-medium">
            {t("shareExpiry")}
            <select id={expiryId} data-testid="share-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)} className={inputClass()}>
              {EXPIRY_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {t(o.label)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" data-testid="share-create" disabled={busy} onClick={() => void create()} className={buttonPrimary}>
            {t("shareCreate")}
          </button>
        </div>
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        {shares === null ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
        ) : shares.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("shareNone")}</p>
        ) : (
          <ul className="flex max-h-[50vh] flex-col gap-2 overflow-y-auto">
            {sortShares(shares, now).map((s) => (
              <ShareItem key={s.id} share={s} now={now} onRevoke={() => void revoke(s)} />
            ))}
          </ul>
        )}
        <div className="flex justify-end">
          <button type="button" data-testid="share-close" onClick={onClose} className={buttonSecondary}>
            {t("close")}
          </button>
        </div>
      </div>
    </dialog>
  );
}

function ShareItem({ share, now, onRevoke }: { share: Share; now: number; onRevoke: () => void }) {
  const t = useT();
  const lang = useStore(langStore);
  const id = useId();
  const [copied, setCopied] = useState(false);
  const url = shareUrl(share, location.origin);
  const state = shareState(share, now);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    if (await copyText(url)) setCopied(true);
    else document.getElementById(id)?.focus();
  };

  return (
    <li
      data-testid="share-item"
      data-share-id={share.id}
      data-state={state}
      className="flex flex-col gap-1.5 rounded-lg border border-zinc-200 p-2.5 dark:border-zinc-700"
    >
      <label htmlFor={id} className="sr-only">
        {t("shareTitle")}
      </label>
      <input
        id={id}
        data-testid="share-url"
        readOnly
        value={url}
        onFocus={(e) => e.target.select()}
        className={inputClass(true) + " font-mono text-sm" + (state !== "active" ? " line-through" : "")}
      />
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
        <span>{t("shareCreatedAt", { d: formatMessageTime(share.createdAt, lang) })}</span>
        <span>
          {state === "revoked"
            ? t("shareRevoked")
            : state === "expired"
              ? t("shareExpired")
              : share.expiresAt
                ? t("shareExpiresAt", { d: formatMessageTime(share.expiresAt, lang) })
                : t("shareNoExpiry")}
        </span>
        {state === "active" && (
          <span className="ml-auto flex gap-2">
            <button type="button" data-testid="share-copy" onClick={() => void copy()} className={buttonSecondary}>
              <span aria-live="polite">{copied ? t("copied") : t("shareCopy")}</span>
            </button>
            <button type="button" data-testid="share-revoke" onClick={onRevoke} className={buttonDangerOutline}>
              {t("shareRevoke")}
            </button>
          </span>
        )}
      </div>
    </li>
  );
}
