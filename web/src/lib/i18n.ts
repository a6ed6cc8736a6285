// UI strings in English and Korean.
import { langStore, type Lang } from "./prefs";
import { useStore } from "./store";

const en = {
  appName: "Chatbot",
  signIn: "Sign in",
  signUp: "Sign up",
  signOut: "Sign out",
  email: "Email",
  name: "Name",
  password: "Password",
  passwordHint: "At least 10 characters. A short sentence works well.",
  noAccount: "No account yet?",
  haveAccount: "Already have an account?",
  createAccount: "Create account",
  rooms: "Rooms",
  newRoom: "New room",
  roomName: "Room name",
  create: "Create",
  cancel: "Cancel",
  noMessages: "No messages yet. Say hello!",
  composerLabel: "Message",
  composerPlaceholder: "Write a message… (Enter to send, Shift+Enter for a new line)",
  send: "Send",
  stop: "Stop",
  regenerate: "Regenerate",
  retry: "Retry",
  copy: "Copy",
  copied: "Copied",
  newMessages: "New messages",
  connected: "Connected",
  connecting: "Connecting…",
  reconnecting: "Connection lost. Reconnecting…",
  offline: "Offline",
  sending: "Sending…",
  failed: "Not sent",
  streaming: "Writing…",
  stopped: "Stopped",
  errorStatus: "Failed",
  demoModel: "Demo model (offline, canned answers, not AI)",
  demoBadge: "demo",
  themeToggleDark: "Switch to dark theme",
  themeToggleLight: "Switch to light theme",
  language: "Language",
  openRooms: "Open room list",
  closeRooms: "Close room list",
  admin: "Admin",
  adminPlaceholder: "The admin console is coming soon.",
  back: "Back",
  selectRoom: "Select a room",
  you: "You",
  assistant: "Assistant",
  unread: "unread",
  typing: "is typing…",
  loading: "Loading…",
  err_rate_limited: "You are sending too fast. Try again in {s} s.",
  err_too_large: "The message is too long.",
  err_quota_exceeded: "The daily usage budget is used up. Try again tomorrow.",
  err_unavailable: "The service is busy. Try again in a moment.",
  err_generic: "Something went wrong: {m}",
  err_unauthorized: "Wrong email or password.",
  err_conflict: "An account with this email already exists.",
} as const;

export type StringKey = keyof typeof en;

const ko: Record<StringKey, string> = {
  appName: "챗봇",
  signIn: "로그인",
  signUp: "회원가입",
  signOut: "로그아웃",
  email: "이메일",
  name: "이름",
  password: "비밀번호",
  passwordHint: "10자 이상. 짧은 문장이 좋습니다.",
  noAccount: "계정이 없으신가요?",
  haveAccount: "이미 계정이 있으신가요?",
  createAccount: "계정 만들기",
  rooms: "대화방",
  newRoom: "새 대화방",
  roomName: "대화방 이름",
  create: "만들기",
  cancel: "취소",
  noMessages: "아직 메시지가 없습니다. 인사해 보세요!",
  composerLabel: "메시지",
  composerPlaceholder: "메시지 입력… (Enter 전송, Shift+Enter 줄바꿈)",
  send: "보내기",
  stop: "중지",
  regenerate: "다시 생성",
  retry: "다시 시도",
  copy: "복사",
  copied: "복사됨",
  newMessages: "새 메시지",
  connected: "연결됨",
  connecting: "연결 중…",
  reconnecting: "연결이 끊겼습니다. 다시 연결하는 중…",
  offline: "오프라인",
  sending: "보내는 중…",
  failed: "전송 실패",
  streaming: "작성 중…",
  stopped: "중지됨",
  errorStatus: "실패",
  demoModel: "데모 모델 (오프라인, 미리 준비된 답변, AI 아님)",
  demoBadge: "데모",
  themeToggleDark: "어두운 테마로 전환",
  themeToggleLight: "밝은 테마로 전환",
  language: "언어",
  openRooms: "대화방 목록 열기",
  closeRooms: "대화방 목록 닫기",
  admin: "관리자",
  adminPlaceholder: "관리자 콘솔은 준비 중입니다.",
  back: "뒤로",
  selectRoom: "대화방을 선택하세요",
  you: "나",
  assistant: "어시스턴트",
  unread: "읽지 않음",
  typing: "입력 중…",
  loading: "불러오는 중…",
  err_rate_limited: "너무 빠르게 보내고 있습니다. {s}초 후에 다시 시도하세요.",
  err_too_large: "메시지가 너무 깁니다.",
  err_quota_exceeded: "오늘의 사용 한도를 모두 사용했습니다. 내일 다시 시도하세요.",
  err_unavailable: "서비스가 혼잡합니다. 잠시 후 다시 시도하세요.",
  err_generic: "문제가 발생했습니다: {m}",
  err_unauthorized: "이메일 또는 비밀번호가 올바르지 않습니다.",
  err_conflict: "이미 이 이메일로 가입된 계정이 있습니다.",
};

const tables: Record<Lang, Record<StringKey, string>> = { en, ko };

export type T = (key: StringKey, vars?: Record<string, string | number>) => string;

export function translate(lang: Lang): T {
  return (key, vars) => {
    let s = tables[lang][key] ?? en[key];
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace("{" + k + "}", String(v));
    return s;
  };
}

export function useT(): T {
  return translate(useStore(langStore));
}

/** The inline text for an error code (rate_limited, too_large, quota_exceeded, unavailable, …). */
export function errorText(t: T, code: string, message?: string, retryAfter?: number): string {
  switch (code) {
    case "rate_limited":
      return t("err_rate_limited", { s: retryAfter ?? 1 });
    case "too_large":
      return t("err_too_large");
    case "quota_exceeded":
      return t("err_quota_exceeded");
    case "unavailable":
      return t("err_unavailable");
    default:
      return t("err_generic", { m: message ?? code });
  }
}
