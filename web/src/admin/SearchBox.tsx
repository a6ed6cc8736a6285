import { useId } from "react";
import { inputClass } from "../ui/styles";

/** The search box of the users and rooms pages (`admin-search`). */
export function SearchBox({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="flex max-w-md flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input id={id} type="search" data-testid="admin-search" value={value} onChange={(e) => onChange(e.target.value)} className={inputClass()} autoComplete="off" />
    </div>
  );
}
