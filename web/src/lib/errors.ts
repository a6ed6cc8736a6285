// Server errors in the user's language. The server's `message` is English written for developers
// and logs, so the app never shows it: the sentence comes from the stable `code`, the input field
// the error names (`details.field`, camelCase as on the wire) and what the user was doing.
import { translate, type StringKey, type T } from "./i18n";
import type { Lang } from "./prefs";

/** What the user was doing: the same code means different things in different places (a
 *  `conflict` on sign-up is an email already taken; on adding a member, a full room). */
export type ErrorContext = "signIn" | "signUp" | "addMember" | "leaveRoom" | "send" | "answer";

export interface ErrorInfo {
  code: string;
  field?: string;
  retryAfter?: number;
}

/** What a validation error on each field asks the user to fix (the rules of crates/domain). */
const FIELD: Record<string, StringKey> = {
  email: "err_field_email",
  name: "err_field_name",
  password: "err_field_password",
  content: "err_field_content",
  clientId: "err_field_clientId",
  roomId: "err_field_roomId",
  userId: "err_field_userId",
  description: "err_field_description",
  systemPrompt: "err_field_systemPrompt",
  model: "err_field_model",
  aiMode: "err_field_aiMode",
  visibility: "err_field_visibility",
  limit: "err_field_limit",
};

/** How long to wait, rounded up to a unit a person reads at a glance. */
export function waitText(t: T, seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return t("wait_moment");
  const s = Math.ceil(seconds);
  if (s < 90) return s === 1 ? t("wait_second") : t("wait_seconds", { n: s });
  const m = Math.ceil(s / 60);
  return m < 90 ? t("wait_minutes", { n: m }) : t("wait_hours", { n: Math.ceil(s / 3600) });
}

/** Why an assistant answer failed (the message's `error`: ours or the model provider's code). */
function answerKey(code: string): StringKey {
  if (code === "quota_exceeded") return "err_quota_exceeded";
  if (/overloaded|rate_limit|unavailable/.test(code)) return "err_answer_busy";
  if (code === "incomplete" || code === "timeout" || code === "transport") return "err_answer_cut";
  return "err_answer_failed";
}

function fieldKey(code: string, field: string | undefined): StringKey | undefined {
  if (field === undefined) return undefined;
  // Too long: the field's own sentence says so, except for content, whose rule is "not empty".
  if (code === "too_large") return field === "content" ? "err_too_large" : FIELD[field];
  return FIELD[field];
}

/** The sentence for one error, in `t`'s language. */
export function errorSentence(t: T, info: ErrorInfo, context?: ErrorContext): string {
  const { code, retryAfter } = info;
  // Socket.IO acks name no field; a message that is too large can only be its content.
  const field = info.field ?? (context === "send" && code === "too_large" ? "content" : undefined);
  if (context === "answer") return t(answerKey(code));
  switch (code) {
    case "validation_failed":
    case "bad_request":
    case "too_large": {
      const key = fieldKey(code, field);
      if (key) return t(key);
      return t(code === "validation_failed" ? "err_validation" : code === "too_large" ? "err_too_large_generic" : "err_bad_request");
    }
    case "unauthorized":
      return context === "signIn" ? t("err_unauthorized") : t("sessionEnded");
    case "forbidden":
      return context === "signIn" ? t("err_deactivated") : t("err_forbidden");
    case "not_found":
      return context === "addMember" ? t("err_user_not_found") : t("err_not_found");
    case "conflict":
      if (context === "signUp") return t("err_conflict");
      if (context === "addMember") return t("err_room_full");
      if (context === "leaveRoom") return t("ownerCannotLeave");
      return t("err_conflict_generic");
    case "rate_limited": {
      const wait = waitText(t, retryAfter);
      if (context === "signIn") return t("err_rate_sign_in", { wait });
      if (context === "signUp") return t("err_rate_sign_up", { wait });
      return t(context === "send" ? "err_rate_limited" : "err_rate_generic", { wait });
    }
    case "method_not_allowed":
    case "unsupported_media_type":
      return t("err_app_outdated");
    case "quota_exceeded":
      return t("err_quota_exceeded");
    case "unavailable":
      return t("err_unavailable");
    case "internal":
      return t("err_internal");
    case "network":
      return t("err_network");
    case "timeout":
      return t("err_timeout");
    case "offline":
      return t("err_offline");
    default:
      // A body that was not ours (a proxy's 502 page): the server side is what failed.
      return /^http_5\d\d$/.test(code) ? t("err_unavailable") : t("err_generic");
  }
}

/** The user-facing sentence for a server error: `code` with `field` (`details.field`) and
 *  `retryAfter` (seconds, with `rate_limited`), in `lang`. */
export function serverErrorText(
  code: string,
  field: string | null | undefined,
  retryAfter: number | null | undefined,
  lang: Lang,
  context?: ErrorContext,
): string {
  return errorSentence(translate(lang), { code, ...(field ? { field } : {}), ...(retryAfter != null ? { retryAfter } : {}) }, context);
}

/** The code, field and wait of anything a request can fail with: an ApiError (REST), a failed
 *  Socket.IO ack's `error`, or a network failure (fetch rejects with a TypeError). */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof TypeError) return { code: "network" };
  const e = (typeof err === "object" && err !== null ? err : {}) as { code?: unknown; details?: unknown; retryAfter?: unknown };
  const details = (typeof e.details === "object" && e.details !== null ? e.details : {}) as { field?: unknown };
  return {
    code: typeof e.code === "string" ? e.code : "unknown",
    ...(typeof details.field === "string" ? { field: details.field } : {}),
    ...(typeof e.retryAfter === "number" && Number.isFinite(e.retryAfter) ? { retryAfter: e.retryAfter } : {}),
  };
}

/** The inline text for a failed request, in `t`'s language. */
export function describeError(t: T, err: unknown, context?: ErrorContext): string {
  return errorSentence(t, errorInfo(err), context);
}
