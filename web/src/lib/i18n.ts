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
  typingOne: "{a} is typing…",
  typingTwo: "{a} and {b} are typing…",
  typingMany: "{n} people are typing…",
  loading: "Loading…",
  loadOlder: "Load earlier messages",
  loadingOlder: "Loading earlier messages…",
  historyStart: "This is the start of the conversation.",
  account: "Account",
  accountOf: "Account: {name}",
  roomSettings: "Room settings",
  backToChat: "Back to chat",
  onlineCount: "{n} online",
  membersCount: "{n} members",
  online: "Online",
  settingsGeneral: "General",
  systemPrompt: "System prompt",
  systemPromptHint: "Instructions the assistant follows in this room.",
  model: "Model",
  modelDefault: "Server default ({m})",
  aiMode: "The assistant answers",
  aiMode_always: "Every message",
  aiMode_mention: "Only when mentioned (@ai)",
  aiMode_off: "Never (off)",
  save: "Save",
  saving: "Saving…",
  saved: "Saved",
  readOnlySettings: "Only the room's owner can change these settings.",
  members: "Members",
  addMemberEmail: "Add a member by email",
  addMember: "Add",
  memberAdded: "{name} was added.",
  alreadyMember: "{name} is already a member.",
  removeMember: "Remove",
  removeMemberLabel: "Remove {name} from the room",
  owner: "Owner",
  showMore: "Show more",
  leaveOrDelete: "Leave or delete",
  leaveRoom: "Leave room",
  leaveRoomHint: "You stop receiving this room's messages. A manager can add you again.",
  deleteRoom: "Delete room",
  deleteRoomHint: "Deletes the room and its whole history for every member. This cannot be undone.",
  ownerCannotLeave: "As the owner you cannot leave the room; delete it instead.",
  generalCannotDelete: "The general room cannot be deleted.",
  areYouSure: "Are you sure?",
  confirmLeave: "Yes, leave",
  confirmDelete: "Yes, delete for everyone",
  profile: "Profile",
  role: "Role",
  role_admin: "Administrator",
  role_user: "User",
  sessions: "Signed-in devices",
  sessionsHint: "Sign out the devices you no longer use. They return to the sign-in page.",
  thisDevice: "This device",
  signedInAt: "Signed in {d}",
  lastActive: "Last active {d}",
  signOutDeviceLabel: "Sign out {device}",
  signOutThisDevice: "Sign out of this device",
  signOutOthers: "Sign out all other devices",
  noOtherSessions: "No other device is signed in.",
  unknownDevice: "Unknown device",
  deviceOn: "{b} on {os}",
  preferences: "Preferences",
  theme: "Theme",
  themeLight: "Light",
  themeDark: "Dark",
  themeSystem: "System",
  dismiss: "Dismiss",
  roomRemovedNotice: "You are no longer a member of “{name}”.",
  roomDeletedNotice: "“{name}” was deleted.",
  signedOutElsewhere: "You were signed out from another device.",
  sessionEnded: "Your session has ended. Please sign in again.",
  err_forbidden: "You are not allowed to do this.",
  err_not_found: "Not found. It may have been deleted.",
  err_user_not_found: "No account uses this email address.",
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
  typingOne: "{a} 님이 입력 중…",
  typingTwo: "{a}, {b} 님이 입력 중…",
  typingMany: "{n}명이 입력 중…",
  loading: "불러오는 중…",
  loadOlder: "이전 메시지 불러오기",
  loadingOlder: "이전 메시지를 불러오는 중…",
  historyStart: "대화의 처음입니다.",
  account: "계정",
  accountOf: "계정: {name}",
  roomSettings: "대화방 설정",
  backToChat: "대화로 돌아가기",
  onlineCount: "{n}명 접속 중",
  membersCount: "멤버 {n}명",
  online: "접속 중",
  settingsGeneral: "일반",
  systemPrompt: "시스템 프롬프트",
  systemPromptHint: "이 대화방에서 어시스턴트가 따르는 지침입니다.",
  model: "모델",
  modelDefault: "서버 기본값 ({m})",
  aiMode: "어시스턴트 응답",
  aiMode_always: "모든 메시지에 응답",
  aiMode_mention: "언급할 때만 (@ai)",
  aiMode_off: "응답하지 않음 (끄기)",
  save: "저장",
  saving: "저장 중…",
  saved: "저장했습니다",
  readOnlySettings: "이 설정은 대화방 소유자만 바꿀 수 있습니다.",
  members: "멤버",
  addMemberEmail: "이메일로 멤버 추가",
  addMember: "추가",
  memberAdded: "{name} 님을 추가했습니다.",
  alreadyMember: "{name} 님은 이미 멤버입니다.",
  removeMember: "내보내기",
  removeMemberLabel: "{name} 님을 대화방에서 내보내기",
  owner: "소유자",
  showMore: "더 보기",
  leaveOrDelete: "나가기 및 삭제",
  leaveRoom: "대화방 나가기",
  leaveRoomHint: "이 대화방의 메시지를 더 이상 받지 않습니다. 관리자가 다시 추가할 수 있습니다.",
  deleteRoom: "대화방 삭제",
  deleteRoomHint: "모든 멤버에게서 대화방과 전체 기록을 삭제합니다. 되돌릴 수 없습니다.",
  ownerCannotLeave: "소유자는 대화방을 나갈 수 없습니다. 대신 삭제하세요.",
  generalCannotDelete: "general 대화방은 삭제할 수 없습니다.",
  areYouSure: "정말 진행할까요?",
  confirmLeave: "네, 나가기",
  confirmDelete: "네, 모두에게서 삭제",
  profile: "프로필",
  role: "역할",
  role_admin: "관리자",
  role_user: "사용자",
  sessions: "로그인된 기기",
  sessionsHint: "더 이상 쓰지 않는 기기는 로그아웃하세요. 해당 기기는 로그인 화면으로 돌아갑니다.",
  thisDevice: "이 기기",
  signedInAt: "{d} 로그인",
  lastActive: "마지막 활동 {d}",
  signOutDeviceLabel: "{device} 로그아웃",
  signOutThisDevice: "이 기기에서 로그아웃",
  signOutOthers: "다른 모든 기기 로그아웃",
  noOtherSessions: "다른 기기에서는 로그인되어 있지 않습니다.",
  unknownDevice: "알 수 없는 기기",
  deviceOn: "{os}의 {b}",
  preferences: "환경 설정",
  theme: "테마",
  themeLight: "밝게",
  themeDark: "어둡게",
  themeSystem: "시스템 설정",
  dismiss: "닫기",
  roomRemovedNotice: "더 이상 “{name}” 대화방의 멤버가 아닙니다.",
  roomDeletedNotice: "“{name}” 대화방이 삭제되었습니다.",
  signedOutElsewhere: "다른 기기에서 로그아웃되었습니다.",
  sessionEnded: "세션이 종료되었습니다. 다시 로그인하세요.",
  err_forbidden: "이 작업을 할 권한이 없습니다.",
  err_not_found: "찾을 수 없습니다. 삭제되었을 수 있습니다.",
  err_user_not_found: "이 이메일 주소를 쓰는 계정이 없습니다.",
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
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll("{" + k + "}", String(v));
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
    case "forbidden":
      return t("err_forbidden");
    case "not_found":
      return t("err_not_found");
    default:
      return t("err_generic", { m: message ?? code });
  }
}

/** The inline text for a failed request (an ApiError, or a network failure). Validation errors
 *  carry the server's own explanation of what to fix. */
export function describeError(t: T, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; retryAfter?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "network";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (code === "validation_failed") return message;
  return errorText(t, code, message, typeof e?.retryAfter === "number" ? e.retryAfter : undefined);
}

/** "Alice is typing…", "Alice and Bob are typing…", "3 people are typing…". */
export function typingText(t: T, names: readonly string[]): string {
  const [a = "", b = ""] = names;
  if (names.length === 1) return t("typingOne", { a });
  if (names.length === 2) return t("typingTwo", { a, b });
  return t("typingMany", { n: names.length });
}
