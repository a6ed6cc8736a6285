import { useRef, useState, type ComponentProps } from "react";
import { useT } from "../lib/i18n";

/** A fenced code block with a copy button. */
export function CodeBlock(props: ComponentProps<"pre">) {
  const { children, ...rest } = props;
  const ref = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const t = useT();
  const copy = () => {
    const text = ref.current?.textContent ?? "";
    void navigator.clipboard?.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <div className="group relative my-2">
      <button
        type="button"
        onClick={copy}
        aria-label={t("copy")}
        className="absolute right-2 top-2 rounded border border-zinc-300 bg-white/90 px-2 py-0.5 text-xs text-zinc-700 hover:bg-zinc-100 dark:border-zinc-600 dark:bg-zinc-800/90 dark:text-zinc-200 dark:hover:bg-zinc-700"
      >
        {copied ? t("copied") : t("copy")}
      </button>
      <pre ref={ref} {...rest} className="overflow-x-auto rounded-md bg-zinc-100 p-3 pr-16 text-sm dark:bg-zinc-900">
        {children}
      </pre>
    </div>
  );
}
