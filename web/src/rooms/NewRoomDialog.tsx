import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { buttonPrimary, buttonSecondary } from "../ui/styles";

interface Props {
  open: boolean;
  onClose: () => void;
  onCreate: (name: string) => Promise<void>;
}

/** A modal (native <dialog>: focus is trapped, Esc closes) asking for the new room's name. */
export function NewRoomDialog({ open, onClose, onCreate }: Props) {
  const t = useT();
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setName("");
      setError(null);
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onCreate(name.trim());
      onClose();
    } catch (err) {
      setError(describeError(t, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={id}
      onClose={onClose}
      className="m-auto w-[min(24rem,calc(100vw-2rem))] rounded-xl bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
        <h2 id={id} className="text-lg font-semibold">
          {t("newRoom")}
        </h2>
        <label className="flex flex-col gap-1 text-sm font-medium">
          {t("roomName")}
          <input
            data-testid="room-name"
            autoFocus
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            className="rounded-md border border-zinc-500 bg-white px-3 py-2 text-base font-normal placeholder:text-zinc-500 dark:bg-zinc-950 dark:placeholder:text-zinc-400"
          />
        </label>
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className={buttonSecondary}>
            {t("cancel")}
          </button>
          <button type="submit" data-testid="room-create" disabled={busy || !name.trim()} className={buttonPrimary}>
            {t("create")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
