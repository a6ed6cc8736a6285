// The members of a room with who is online, adding by email and removing (owner or admin).
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import type { Member, Room, User } from "../lib/types";
import { buttonPrimary, buttonSecondary, card, inputClass } from "../ui/styles";
import { canManage, mergeMembers, sortMembers } from "./settings";

const PAGE = 100;

interface Props {
  room: Room;
  user: User | null;
  isOnline: (userId: string) => boolean;
  /** Changes whenever someone else joins or leaves the room (`memberAdded`/`memberRemoved`):
   *  the list reloads. */
  version: number;
  /** Membership changed here (the chat re-joins the room for fresh members and presence). */
  onChanged: () => void;
}

export function MembersSection({ room, user, isOnline, version, onChanged }: Props) {
  const t = useT();
  const id = useId();
  const manager = canManage(room, user);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);

  /** Loads the first page again (after a change), or the next one. Only the latest load
   *  applies: an answer overtaken by a change (and its reload) is dropped. */
  const loads = useRef(0);
  const load = useCallback(
    async (after?: string) => {
      const seq = ++loads.current;
      try {
        const page = await api.members(room.id, { after, limit: PAGE });
        if (seq !== loads.current) return;
        setMembers((list) => (after && list ? mergeMembers(list, page) : page));
        setMore(page.length === PAGE);
      } catch (err) {
        if (seq === loads.current) setError(describeError(t, err));
      }
    },
    [room.id, t],
  );

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- load() sets state only after its await, never synchronously (a known false positive of the rule: React issue #34905)
    void load();
  }, [load, version]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    if (!address || busy) return;
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      const { member, created } = await api.addMember(room.id, address);
      setEmail("");
      await load();
      setNotice(t(created ? "memberAdded" : "alreadyMember", { name: member.name }));
      onChanged();
    } catch (err) {
      setError(describeError(t, err, "addMember"));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (m: Member) => {
    setError(null);
    setNotice(null);
    try {
      await api.removeMember(room.id, m.userId);
      loads.current++; // whatever list is on its way predates the removal
      setMembers((list) => list?.filter((x) => x.userId !== m.userId) ?? null);
      onChanged();
    } catch (err) {
      setError(describeError(t, err));
    }
  };

  const sorted = members ? sortMembers(members, user?.id ?? null) : [];
  const count = members && !more ? members.length : (room.memberCount ?? members?.length ?? 0);

  return (
    <section className={card + " flex flex-col gap-4"} aria-labelledby={id}>
      <h3 id={id} className="font-semibold">
        {t("members")} <span className="font-normal text-zinc-600 dark:text-zinc-400">({count})</span>
      </h3>
      {manager && (
        <form onSubmit={(e) => void add(e)} className="flex flex-col gap-1" noValidate>
          <label htmlFor={id + "-email"} className="text-sm font-medium">
            {t("addMemberEmail")}
          </label>
          <div className="flex gap-2">
            <input
              id={id + "-email"}
              data-testid="member-add-email"
              type="email"
              autoComplete="off"
              inputMode="email"
              placeholder="name@example.com"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              className={inputClass() + " min-w-0 flex-1"}
            />
            <button type="submit" data-testid="member-add" disabled={busy || email.trim() === ""} className={buttonPrimary + " shrink-0"}>
              {t("addMember")}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite" className="empty:hidden">
        {notice && (
          <p data-testid="member-notice" className="text-sm text-emerald-700 dark:text-emerald-400">
            {notice}
          </p>
        )}
      </div>
      {error && (
        <p role="alert" data-testid="member-error" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {members === null ? (
        !error && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
      ) : (
        <ul className="flex flex-col divide-y divide-zinc-200/80 dark:divide-zinc-800" data-testid="member-list">
          {sorted.map((m) => {
            const online = isOnline(m.userId);
            const self = m.userId === user?.id;
            return (
              <li key={m.userId} data-testid="member-item" data-user-id={m.userId} data-online={online} className="flex items-center gap-3 py-2">
                <span className="relative shrink-0" aria-hidden="true">
                  <span className="flex h-8 w-8 items-center justify-center rounded-full bg-zinc-200 text-sm font-semibold text-zinc-700 dark:bg-zinc-700 dark:text-zinc-100">
                    {(m.name.trim()[0] ?? "?").toUpperCase()}
                  </span>
                  <span
                    className={
                      "absolute -right-0.5 -bottom-0.5 h-3 w-3 rounded-full border-2 border-white dark:border-zinc-900 " +
                      (online ? "bg-emerald-500" : "bg-zinc-400 dark:bg-zinc-500")
                    }
                  />
                </span>
                <span className="min-w-0 flex-1">
                  <span className="block truncate font-medium">
                    {m.name}
                    {self && <span className="font-normal text-zinc-600 dark:text-zinc-400"> ({t("you")})</span>}
                  </span>
                  <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
                    {m.email ? m.email + " · " : ""}
                    {online ? t("online") : t("offline")}
                  </span>
                </span>
                {m.role === "owner" && (
                  <span className="shrink-0 rounded-full bg-indigo-100 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-900/50 dark:text-indigo-200">
                    {t("owner")}
                  </span>
                )}
                {manager && !self && m.role !== "owner" && (
                  <button
                    type="button"
                    data-testid="member-remove"
                    onClick={() => void remove(m)}
                    aria-label={t("removeMemberLabel", { name: m.name })}
                    className={buttonSecondary + " shrink-0"}
                  >
                    {t("removeMember")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {more && members && (
        <div>
          <button type="button" onClick={() => void load(members[members.length - 1]?.userId)} className={buttonSecondary}>
            {t("showMore")}
          </button>
        </div>
      )}
    </section>
  );
}
