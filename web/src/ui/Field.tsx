import { useId, type InputHTMLAttributes } from "react";

export function Field(props: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; testId: string }) {
  const { label, hint, testId, ...rest } = props;
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        data-testid={testId}
        aria-describedby={hint ? id + "-hint" : undefined}
        className="rounded-md border border-zinc-500 bg-white px-3 py-2 text-base placeholder:text-zinc-500 dark:bg-zinc-900 dark:placeholder:text-zinc-400"
        {...rest}
      />
      {hint && (
        <p id={id + "-hint"} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      )}
    </div>
  );
}
