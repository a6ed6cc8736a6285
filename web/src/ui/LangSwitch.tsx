import { useT } from "../lib/i18n";
import { langStore, setLang, type Lang } from "../lib/prefs";
import { useStore } from "../lib/store";

export function LangSwitch() {
  const lang = useStore(langStore);
  const t = useT();
  return (
    <select
      aria-label={t("language")}
      value={lang}
      onChange={(e) => setLang(e.target.value as Lang)}
      className="rounded-md border border-zinc-500 bg-transparent px-1 py-1 text-sm"
    >
      <option value="en">English</option>
      <option value="ko">한국어</option>
    </select>
  );
}
