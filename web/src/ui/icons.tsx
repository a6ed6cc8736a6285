// Small inline SVG icons. They draw with `currentColor` and need no font, so they render the
// same everywhere (emoji and symbol glyphs show as empty boxes where no font has them). All are
// decorative: the control around an icon carries the accessible name.
import type { ReactNode } from "react";

interface IconProps {
  /** Size and spacing (Tailwind classes); 1em square by default, to sit in a line of text. */
  className?: string;
}

function Icon({
  className = "h-[1em] w-[1em]",
  viewBox = "0 0 24 24",
  strokeWidth = 2,
  children,
}: IconProps & { viewBox?: string; strokeWidth?: number; children: ReactNode }) {
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      viewBox={viewBox}
      className={"shrink-0 " + className}
      fill="none"
      stroke="currentColor"
      strokeWidth={strokeWidth}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {children}
    </svg>
  );
}

/** Three bars: opens the room list. */
export function MenuIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M4 6h16M4 12h16M4 18h16" />
    </Icon>
  );
}

/** Sliders: the room's settings. */
export function SettingsIcon(props: IconProps) {
  return (
    <Icon {...props} viewBox="0 0 20 20" strokeWidth={1.6}>
      <path d="M3 5h8M15 5h2M3 10h2M9 10h8M3 15h10M17 15h0" />
      <circle cx="13" cy="5" r="2" />
      <circle cx="7" cy="10" r="2" />
      <circle cx="15" cy="15" r="2" />
    </Icon>
  );
}

export function SunIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2.5v2M12 19.5v2M2.5 12h2M19.5 12h2M5.3 5.3l1.4 1.4M17.3 17.3l1.4 1.4M5.3 18.7l1.4-1.4M17.3 6.7l1.4-1.4" />
    </Icon>
  );
}

export function MoonIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z" />
    </Icon>
  );
}

export function ArrowUpIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M12 19V5M6 11l6-6 6 6" />
    </Icon>
  );
}

export function ArrowDownIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M12 5v14M6 13l6 6 6-6" />
    </Icon>
  );
}

export function ArrowLeftIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M19 12H5M11 6l-6 6 6 6" />
    </Icon>
  );
}

/** A clockwise circular arrow: generate the answer again. */
export function RegenerateIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M20 12a8 8 0 1 1-2.34-5.66" />
      <path d="M17.66 2.34v4h-4" />
    </Icon>
  );
}

/** A filled square: stop the streaming answer. */
export function StopIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <rect x="6" y="6" width="12" height="12" rx="1.5" fill="currentColor" />
    </Icon>
  );
}

export function CheckIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M5 12.5l4.5 4.5L19 7.5" />
    </Icon>
  );
}

/** A cross: closes or dismisses. */
export function CloseIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <path d="M6 6l12 12M18 6L6 18" />
    </Icon>
  );
}

/** A text cursor (an answer that has not written anything yet). */
export function CursorIcon({ className = "h-[1em] w-[0.4em]" }: IconProps) {
  return (
    <Icon className={className} viewBox="0 0 6 16">
      <rect x="1.5" y="1" width="3" height="14" rx="0.5" fill="currentColor" stroke="none" />
    </Icon>
  );
}

/** Three dots: more actions. */
export function MoreIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <circle cx="5" cy="12" r="1.3" fill="currentColor" />
      <circle cx="12" cy="12" r="1.3" fill="currentColor" />
      <circle cx="19" cy="12" r="1.3" fill="currentColor" />
    </Icon>
  );
}

/** A magnifying glass: search. */
export function SearchIcon(props: IconProps) {
  return (
    <Icon {...props}>
      <circle cx="11" cy="11" r="6.5" />
      <path d="M16 16l4.5 4.5" />
    </Icon>
  );
}
