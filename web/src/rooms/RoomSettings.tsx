// Room settings (route #/r/<id>/settings, lazy-loaded): name, system prompt, model and AI mode
// (saved with one PATCH of what changed), members, and leaving or deleting the room. Fields the
// caller may not change are shown read-only; the server's answer is the authority either way.
// Changes made elsewhere (`roomUpdated`) refresh the fields not being edited; members reload on
// every membership change.
import { useEffect, useEffectEvent, useId, useMemo, useState, type FormEvent } from "react";
import { api, ApiError } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT, type T } from "../lib/i18n";
import { roomPath } from "../lib/router";
import { applyRoomUpdate } from "../chat/rooms";
import { AI_MODES, type AiMode, type ModelInfo, type Room, type RoomUpdatedEvent, type User } from "../lib/types";
import { ArrowLeftIcon, CheckIcon } from "../ui/icons";
import { buttonDanger, buttonDangerOutline, buttonPrimary, buttonSecondary, card, inputClass } from "../ui/styles";
import { MembersSection } from "./MembersSection";
import {
  canDelete,
  canLeave,
  canManage,
  draftOf,
  errorField,
  isDirty,
  rebaseDraft,
  roomPatch,
  type DraftField,
  type RoomDraft,
} from "./settings";

interface Props {
  roomId: string;
  user: User | null;
  models: ModelInfo[];
  isOnline: (userId: string) => boolean;
  /** The latest `roomUpdated` for this room (changes made elsewhere), if any. */
  update?: RoomUpdatedEvent;
  /** Changes whenever another user joins or leaves the room: the member list reloads. */
  membersVersion: number;
  onRoomChanged: (room: Partial<Room> & { id: string }) => void;
  onMembersChanged: () => void;
  /** Leaves or deletes the room (and moves away from it); rejects when refused. */
  onLeave: (action: "leave" | "delete") => Promise<void>;
}

/** Render it with `key={roomId}`: the loaded room and its form belong to one room. */
export default function RoomSettings({ roomId, user, models, isOnline, update, membersVersion, onRoomChanged, onMembersChanged, onLeave }: Props) {
  const t = useT();
  // Always the server's current copy (the room list may be older): the form starts from it.
  const [loaded, setRoom] = useState<Room | null>(null);
  // With what changed since it loaded (an event older than the copy changes nothing).
  const room = useMemo(() => (loaded && update ? applyRoomUpdate(loaded, update) : loaded), [loaded, update]);
  const [loadError, setLoadError] = useState<string | null>(null);

  // Reads the current `t` without being an effect dependency: a language switch needs no reload.
  const onLoadFailed = useEffectEvent((err: unknown) => setLoadError(describeError(t, err)));
  useEffect(() => {
    let live = true;
    api.room(roomId).then(
      (r) => live && setRoom(r),
      (err) => live && onLoadFailed(err),
    );
    return () => {
      live = false;
    };
  }, [roomId]);

  return (
    <div className="min-h-0 flex-1 overflow-y-auto" data-testid="room-settings-page">
      <div className="mx-auto flex max-w-2xl flex-col gap-5 p-3 sm:p-6">
        <div className="flex items-center justify-between gap-2">
          <h2 className="text-xl font-bold">{t("roomSettings")}</h2>
          <a href={"#" + roomPath(roomId)} className="inline-flex items-center gap-1 rounded-md px-2 py-1 text-sm text-indigo-700 hover:bg-zinc-100 dark:text-indigo-300 dark:hover:bg-zinc-800">
            <ArrowLeftIcon />
            {t("backToChat")}
          </a>
        </div>
        {loadError && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {loadError}
          </p>
        )}
        {!room ? (
          !loadError && <p className="text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
        ) : (
          <>
            <SettingsForm
              key={room.id}
              room={room}
              user={user}
              models={models}
              onSaved={(saved) => {
                setRoom(saved);
                const { unreadCount: _u, lastReadSeq: _l, lastMessage: _m, ...settings } = saved;
                onRoomChanged(settings);
              }}
            />
            <MembersSection room={room} user={user} isOnline={isOnline} version={membersVersion} onChanged={onMembersChanged} />
            <LeaveOrDelete room={room} user={user} onLeave={onLeave} />
          </>
        )}
      </div>
    </div>
  );
}

function aiModeLabel(t: T, mode: AiMode): string {
  return mode === "always" ? t("aiMode_always") : mode === "mention" ? t("aiMode_mention") : t("aiMode_off");
}

function SettingsForm({ room, user, models, onSaved }: { room: Room; user: User | null; models: ModelInfo[]; onSaved: (room: Room) => void }) {
  const t = useT();
  const id = useId();
  const editable = canManage(room, user);
  const [draft, setDraft] = useState<RoomDraft>(() => draftOf(room));
  // The room the draft was made from: when a newer copy comes (saved here or changed elsewhere),
  // fields the user has not edited take its values; edits in progress stay.
  const [base, setBase] = useState(room);
  if (base !== room) {
    setBase(room);
    setDraft((d) => rebaseDraft(base, room, d));
  }
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<{ text: string; field: DraftField | null } | null>(null);
  const dirty = isDirty(room, draft);

  const set = <K extends DraftField>(key: K, value: RoomDraft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaved(false);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editable || !dirty || saving) return;
    setSaving(true);
    setError(null);
    try {
      const updated = await api.updateRoom(room.id, roomPatch(room, draft));
      setDraft(draftOf(updated));
      setSaved(true);
      onSaved(updated);
    } catch (err) {
      setError({ text: describeError(t, err), field: err instanceof ApiError ? errorField(err.details) : null });
    } finally {
      setSaving(false);
    }
  };

  const defaultModel = models.find((m) => m.default) ?? models[0];
  const known = new Set(models.map((m) => m.id));
  const invalid = (field: DraftField) => (error?.field === field ? true : undefined);
  const describedBy = (field: DraftField, hint?: string) =>
    [hint, error?.field === field ? id + "-error" : undefined].filter(Boolean).join(" ") || undefined;

  return (
    <form onSubmit={(e) => void submit(e)} className={card + " flex flex-col gap-4"} aria-labelledby={id + "-title"} noValidate>
      <h3 id={id + "-title"} className="font-semibold">
        {t("settingsGeneral")}
      </h3>
      {!editable && (
        <p data-testid="settings-readonly" className="rounded-md bg-zinc-100 px-3 py-2 text-sm text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
          {t("readOnlySettings")}
        </p>
      )}
      <div className="flex flex-col gap-1">
        <label htmlFor={id + "-name"} className="text-sm font-medium">
          {t("roomName")}
        </label>
        <input
          id={id + "-name"}
          data-testid="settings-name"
          required
          maxLength={100}
          readOnly={!editable}
          value={draft.name}
          onChange={(e) => set("name", e.target.value)}
          aria-invalid={invalid("name")}
          aria-describedby={describedBy("name")}
          className={inputClass(!editable)}
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={id + "-prompt"} className="text-sm font-medium">
          {t("systemPrompt")}
        </label>
        <textarea
          id={id + "-prompt"}
          data-testid="settings-system-prompt"
          rows={5}
          maxLength={20000}
          readOnly={!editable}
          value={draft.systemPrompt}
          onChange={(e) => set("systemPrompt", e.target.value)}
          aria-invalid={invalid("systemPrompt")}
          aria-describedby={describedBy("systemPrompt", id + "-prompt-hint")}
          className={inputClass(!editable) + " min-h-[6rem] resize-y"}
        />
        <p id={id + "-prompt-hint"} className="text-xs text-zinc-600 dark:text-zinc-400">
          {t("systemPromptHint")}
        </p>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor={id + "-model"} className="text-sm font-medium">
            {t("model")}
          </label>
          <select
            id={id + "-model"}
            data-testid="settings-model"
            disabled={!editable}
            value={draft.model}
            onChange={(e) => set("model", e.target.value)}
            aria-invalid={invalid("model")}
            aria-describedby={describedBy("model")}
            className={inputClass(!editable)}
          >
            <option value="">{t("modelDefault", { m: defaultModel?.label ?? "—" })}</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
            {draft.model && !known.has(draft.model) && <option value={draft.model}>{draft.model}</option>}
          </select>
        </div>
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor={id + "-ai"} className="text-sm font-medium">
            {t("aiMode")}
          </label>
          <select
            id={id + "-ai"}
            data-testid="settings-ai-mode"
            disabled={!editable}
            value={draft.aiMode}
            onChange={(e) => set("aiMode", e.target.value as AiMode)}
            aria-invalid={invalid("aiMode")}
            className={inputClass(!editable)}
          >
            {AI_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {aiModeLabel(t, mode)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && (
        <p id={id + "-error"} role="alert" data-testid="settings-error" className="text-sm text-red-700 dark:text-red-400">
          {error.text}
        </p>
      )}
      {editable && (
        <div className="flex items-center justify-end gap-3">
          <span role="status" data-testid="settings-status" className="inline-flex items-center gap-1 text-sm text-emerald-700 dark:text-emerald-400">
            {saved && !dirty && (
              <>
                <CheckIcon />
                {t("saved")}
              </>
            )}
          </span>
          <button type="submit" data-testid="settings-save" disabled={!dirty || saving} className={buttonPrimary}>
            {saving ? t("saving") : t("save")}
          </button>
        </div>
      )}
    </form>
  );
}

function LeaveOrDelete({ room, user, onLeave }: { room: Room; user: User | null; onLeave: (action: "leave" | "delete") => Promise<void> }) {
  const t = useT();
  const id = useId();
  const [confirm, setConfirm] = useState<"leave" | "delete" | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const leave = canLeave(room) && user !== null;
  const del = canDelete(room, user);

  const run = async (action: "leave" | "delete") => {
    setBusy(true);
    setError(null);
    try {
      await onLeave(action);
    } catch (err) {
      setError(describeError(t, err, action === "leave" ? "leaveRoom" : undefined));
      setBusy(false);
    }
  };

  const section = (action: "leave" | "delete", title: string, hint: string, confirmText: string) => (
    <div className="flex flex-col gap-2">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{hint}</p>
      {confirm === action ? (
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label={title}>
          <span className="text-sm font-medium">{t("areYouSure")}</span>
          <button type="button" onClick={() => setConfirm(null)} disabled={busy} className={buttonSecondary}>
            {t("cancel")}
          </button>
          <button type="button" data-testid={"room-" + action + "-confirm"} autoFocus onClick={() => void run(action)} disabled={busy} className={buttonDanger}>
            {confirmText}
          </button>
        </div>
      ) : (
        <div>
          <button type="button" data-testid={"room-" + action} onClick={() => setConfirm(action)} className={buttonDangerOutline}>
            {title}
          </button>
        </div>
      )}
    </div>
  );

  return (
    <section className={card + " flex flex-col gap-4"} aria-labelledby={id}>
      <h3 id={id} className="font-semibold">
        {t("leaveOrDelete")}
      </h3>
      {leave && section("leave", t("leaveRoom"), t("leaveRoomHint"), t("confirmLeave"))}
      {room.myRole === "owner" && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("ownerCannotLeave")}</p>}
      {del && section("delete", t("deleteRoom"), t("deleteRoomHint"), t("confirmDelete"))}
      {room.id === "general" && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("generalCannotDelete")}</p>}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </section>
  );
}
