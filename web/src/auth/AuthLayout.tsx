import type { ReactNode } from "react";
import { LangSwitch } from "../ui/LangSwitch";
import { ThemeToggle } from "../ui/ThemeToggle";

export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="flex min-h-full flex-col">
      <header className="flex justify-end gap-2 p-3">
        <LangSwitch />
        <ThemeToggle />
      </header>
      <main className="mx-auto w-full max-w-sm flex-1 px-4 py-8">
        <h1 className="mb-6 text-2xl font-bold">{title}</h1>
        {children}
      </main>
    </div>
  );
}
