// Theme and language preferences (persisted in localStorage, system/browser defaults).
import { createStore, useStore } from "./store";

export type Theme = "light" | "dark";
export type Lang = "en" | "ko";

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode */
  }
}

function systemTheme(): Theme {
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function initialTheme(): Theme | null {
  const t = typeof localStorage === "undefined" ? null : read("chatbot.theme");
  return t === "light" || t === "dark" ? t : null;
}

function initialLang(): Lang {
  const l = typeof localStorage === "undefined" ? null : read("chatbot.lang");
  if (l === "en" || l === "ko") return l;
  const nav = typeof navigator === "undefined" ? "en" : navigator.language;
  return nav.toLowerCase().startsWith("ko") ? "ko" : "en";
}

/** Chosen theme; null follows the system. */
export const themeStore = createStore<Theme | null>(initialTheme());
export const langStore = createStore<Lang>(initialLang());

export function effectiveTheme(): Theme {
  return themeStore.get() ?? systemTheme();
}

export function applyTheme(): void {
  if (typeof document === "undefined") return;
  const dark = effectiveTheme() === "dark";
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
}

export function toggleTheme(): void {
  const next: Theme = effectiveTheme() === "dark" ? "light" : "dark";
  themeStore.set(next);
  write("chatbot.theme", next);
  applyTheme();
}

/** Chooses a theme, or follows the system again (null). */
export function setTheme(theme: Theme | null): void {
  themeStore.set(theme);
  try {
    if (theme) localStorage.setItem("chatbot.theme", theme);
    else localStorage.removeItem("chatbot.theme");
  } catch {
    /* private mode */
  }
  applyTheme();
}

export function setLang(lang: Lang): void {
  langStore.set(lang);
  write("chatbot.lang", lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}

export function initPrefs(): void {
  applyTheme();
  document.documentElement.lang = langStore.get();
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (themeStore.get() === null) applyTheme();
  });
}

export function useTheme(): Theme {
  useStore(themeStore);
  return effectiveTheme();
}
