// A minimal external store for useSyncExternalStore.
import { useSyncExternalStore } from "react";

/** Function-valued properties rather than methods: none uses `this`, so `store.get` and
 *  `store.subscribe` can be handed to useSyncExternalStore as they are. */
export interface Store<T> {
  get: () => T;
  set: (update: T | ((prev: T) => T)) => void;
  subscribe: (l: () => void) => () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(update) {
      const next = typeof update === "function" ? (update as (p: T) => T)(state) : update;
      if (Object.is(next, state)) return;
      state = next;
      listeners.forEach((l) => l());
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
