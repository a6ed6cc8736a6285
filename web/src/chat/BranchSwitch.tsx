import { useT } from "../lib/i18n";
import type { BranchInfo } from "./branches";

interface Props {
  branch: BranchInfo;
  onSelect: (questionId: string, answerId: string) => void;
}

/** `‹ 2/3 ›`: which of a question's answers is shown, and the way to the others. */
export function BranchSwitch({ branch, onSelect }: Props) {
  const t = useT();
  const { index, count, prevId, nextId, questionId } = branch;
  const button =
    "inline-flex h-7 w-7 items-center justify-center rounded text-base leading-none hover:bg-zinc-200 disabled:opacity-40 disabled:hover:bg-transparent dark:hover:bg-zinc-700";
  return (
    <span className="inline-flex items-center gap-0.5 text-xs text-zinc-600 dark:text-zinc-400" data-testid="branch-switch">
      <button
        type="button"
        data-testid="branch-prev"
        aria-label={t("branchPrev")}
        title={t("branchPrev")}
        disabled={!prevId}
        onClick={() => prevId && onSelect(questionId, prevId)}
        className={button}
      >
        <span aria-hidden="true">‹</span>
      </button>
      <span data-testid="branch-label" aria-hidden="true" className="min-w-[2.5rem] text-center tabular-nums">
        {index + 1}/{count}
      </span>
      <span className="sr-only">{t("branchOf", { k: index + 1, n: count })}</span>
      <button
        type="button"
        data-testid="branch-next"
        aria-label={t("branchNext")}
        title={t("branchNext")}
        disabled={!nextId}
        onClick={() => nextId && onSelect(questionId, nextId)}
        className={button}
      >
        <span aria-hidden="true">›</span>
      </button>
    </span>
  );
}
