import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { conversationApi } from "../lib/conversationApi";
import type { SearchResult } from "../lib/conversationTypes";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { openAt } from "../lib/jump";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { formatMessageTime } from "../lib/time";
import { CloseIcon, SearchIcon } from "../ui/icons";
import { iconButton } from "../ui/styles";
import { useDismiss } from "../ui/usePopover";
import {
  canLoadMore,
  idleSearch,
  moreStarted,
  normalizeQuery,
  pageArrived,
  SEARCH_DEBOUNCE,
  SEARCH_PAGE,
  searchFailed,
  searchStarted,
  type SearchState,
} from "./search";
import { searchExpanded } from "./searchUi";
import { snippetPieces } from "./snippet";

/** The header's message search: results while typing (debounced; a newer query cancels the
 *  request of an older one), more on request, and a result opens its room at the message. On
 *  narrow screens the box opens over the header: from its own button (`mobileButton`), or from
 *  the room menu when a room is open (the header has no room for both buttons there). */
export function SearchBox({ mobileButton }: { mobileButton: boolean }) {
  const t = useT();
  const panelId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [state, setState] = useState<SearchState>(idleSearch);
  const [open, setOpen] = useState(false);
  const expanded = useStore(searchExpanded);
  const request = useRef(0);
  const inflight = useRef<AbortController | null>(null);

  const fetchPage = useCallback((query: string, before: string | null, id: number) => {
    inflight.current?.abort();
    const ctrl = new AbortController();
    inflight.current = ctrl;
    conversationApi.search({ q: query, before, limit: SEARCH_PAGE }, ctrl.signal).then(
      (page) => setState((s) => pageArrived(s, id, page)),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setState((s) => searchFailed(s, id, err));
      },
    );
  }, []);

  // Typing pauses: search for what is typed now.
  const query = normalizeQuery(text);
  useEffect(() => {
    if (query === null) return;
    const timer = setTimeout(() => {
      const id = ++request.current;
      setState((s) => searchStarted(s, query, id));
      fetchPage(query, null, id);
    }, SEARCH_DEBOUNCE);
    return () => clearTimeout(timer);
  }, [query, fetchPage]);

  useEffect(() => () => inflight.current?.abort(), []);
  // Opened over the header (by either button): type at once.
  useEffect(() => {
    if (expanded) inputRef.current?.focus();
  }, [expanded]);
  useEffect(() => () => searchExpanded.set(false), []);

  const close = useCallback(() => {
    setOpen(false);
    searchExpanded.set(false);
  }, []);
  useDismiss(open || expanded, ref, close);

  const onChange = (value: string) => {
    setText(value);
    setOpen(true);
    if (normalizeQuery(value) === null) {
      // Nothing to search for: no results, and no answer to an older query shows up later.
      inflight.current?.abort();
      request.current++;
      setState(idleSearch);
    }
  };

  const more = () => {
    if (!canLoadMore(state)) return;
    const id = ++request.current;
    setState((s) => moreStarted(s, id));
    fetchPage(state.query, state.nextBefore, id);
  };

  const choose = (r: SearchResult) => {
    close();
    inputRef.current?.blur();
    void openAt(r.roomId, r.messageId, r.seq);
  };

  // Keyboard: Enter opens the first result; the arrows move between the input and the results.
  const results = () => [...(ref.current?.querySelectorAll<HTMLButtonElement>('[data-testid="search-result"]') ?? [])];
  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const first = state.results[0];
    if (e.key === "Enter" && first && !e.nativeEvent.isComposing) {
      e.preventDefault();
      choose(first);
    } else if (e.key === "ArrowDown" && results()[0]) {
      e.preventDefault();
      results()[0]!.focus();
    }
  };
  const onPanelKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const list = results();
    const i = list.findIndex((b) => b === document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    const next = e.key === "ArrowDown" ? list[Math.min(i + 1, list.length - 1)] : i === 0 ? inputRef.current : list[i - 1];
    next?.focus();
  };

  const showPanel = open && state.status !== "idle";
  return (
    <div ref={ref} className="sm:relative">
      {mobileButton && (
        <button
          type="button"
          data-testid="search-open"
          aria-label={t("openSearch")}
          title={t("openSearch")}
          aria-expanded={expanded}
          onClick={() => {
            searchExpanded.set(true);
            setOpen(true);
          }}
          className={iconButton + " sm:hidden"}
        >
          <SearchIcon className="h-5 w-5" />
        </button>
      )}
      <div
        className={
          (expanded ? "fixed inset-x-0 top-0 z-40 flex h-12 items-center gap-1 bg-white px-2 dark:bg-zinc-950" : "hidden") +
          " sm:static sm:z-auto sm:flex sm:h-auto sm:bg-transparent sm:px-0 sm:dark:bg-transparent"
        }
      >
        <input
          ref={inputRef}
          type="search"
          data-testid="search-input"
          aria-label={t("searchLabel")}
          aria-controls={showPanel ? panelId : undefined}
          placeholder={t("searchPlaceholder")}
          value={text}
          maxLength={400}
          autoComplete="off"
          onChange={(e) => onChange(e.target.value)}
          onFocus={() => setOpen(true)}
          onKeyDown={onInputKey}
          className="h-9 min-w-0 flex-1 rounded-md border border-zinc-500 bg-white px-2.5 text-base placeholder:text-zinc-500 sm:w-44 sm:flex-none sm:text-sm md:w-60 dark:bg-zinc-900 dark:placeholder:text-zinc-400"
        />
        {expanded && (
          <button type="button" aria-label={t("closeSearch")} title={t("closeSearch")} onClick={close} className={iconButton + " sm:hidden"}>
            <CloseIcon className="h-5 w-5" />
          </button>
        )}
      </div>
      {showPanel && (
        <div
          id={panelId}
          role="region"
          aria-label={t("searchLabel")}
          data-testid="search-results"
          data-status={state.status}
          onKeyDown={onPanelKey}
          className="fixed inset-x-2 top-14 z-40 max-h-[70vh] overflow-y-auto rounded-xl border border-zinc-200 bg-white p-1 text-zinc-900 shadow-xl sm:absolute sm:inset-x-auto sm:top-full sm:right-0 sm:mt-1 sm:w-[28rem] dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
        >
          <Results state={state} onChoose={choose} onMore={more} />
        </div>
      )}
    </div>
  );
}

function Results({ state, onChoose, onMore }: { state: SearchState; onChoose: (r: SearchResult) => void; onMore: () => void }) {
  const t = useT();
  const lang = useStore(langStore);
  const muted = "px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400";
  return (
    <>
      {state.results.length > 0 && (
        <ul className="flex flex-col">
          {state.results.map((r) => (
            <li key={r.messageId}>
              <button
                type="button"
                data-testid="search-result"
                data-room-id={r.roomId}
                data-message-id={r.messageId}
                onClick={() => onChoose(r)}
                className="flex w-full flex-col gap-0.5 rounded-lg px-3 py-2 text-left hover:bg-zinc-100 dark:hover:bg-zinc-800"
              >
                <span className="flex w-full min-w-0 items-baseline gap-1.5 text-xs text-zinc-600 dark:text-zinc-400">
                  <span className="truncate font-semibold text-zinc-800 dark:text-zinc-200">{r.roomName}</span>
                  <span aria-hidden="true">·</span>
                  <span className="truncate">{r.role === "assistant" ? t("assistant") : (r.userName ?? "")}</span>
                  <time dateTime={r.createdAt} className="ml-auto shrink-0">
                    {formatMessageTime(r.createdAt, lang)}
                  </time>
                </span>
                <span data-testid="search-snippet" className="line-clamp-2 text-sm wrap-anywhere">
                  {snippetPieces(r.snippet).map((p, i) =>
                    p.match ? (
                      <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-zinc-900 dark:bg-amber-300">
                        {p.text}
                      </mark>
                    ) : (
                      <span key={i}>{p.text}</span>
                    ),
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {state.status === "loading" && (
        <p role="status" className={muted}>
          {t("searching")}
        </p>
      )}
      {state.status === "done" && state.results.length === 0 && (
        <p role="status" data-testid="search-empty" className={muted}>
          {t("searchEmpty")}
        </p>
      )}
      {state.status === "error" && (
        <p role="alert" className="px-3 py-2 text-sm text-red-700 dark:text-red-400">
          {describeError(t, state.error)}
        </p>
      )}
      {(canLoadMore(state) || state.status === "more") && (
        <button
          type="button"
          data-testid="search-more"
          disabled={state.status === "more"}
          onClick={onMore}
          className="m-1 rounded-md border border-zinc-300 px-3 py-1 text-sm hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-600 dark:hover:bg-zinc-800"
        >
          {state.status === "more" ? t("loading") : t("searchMore")}
        </button>
      )}
    </>
  );
}
