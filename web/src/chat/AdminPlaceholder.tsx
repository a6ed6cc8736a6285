import { useT } from "../lib/i18n";

export function AdminPlaceholder() {
  const t = useT();
  return (
    <main className="mx-auto max-w-lg p-6">
      <h1 className="mb-4 text-2xl font-bold">{t("admin")}</h1>
      <p className="mb-6">{t("adminPlaceholder")}</p>
      <a href="#/" className="text-indigo-600 underline dark:text-indigo-400">
        {t("back")}
      </a>
    </main>
  );
}
