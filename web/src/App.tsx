import { lazy, Suspense, useEffect } from "react";
import { SignInPage } from "./auth/SignInPage";
import { SignUpPage } from "./auth/SignUpPage";
import { useSignedIn } from "./auth/session";
import { ChatPage, type ChatView } from "./chat/ChatPage";
import { dismissStickyNotice } from "./lib/notice";
import { clearReturnTo, peekReturnTo } from "./lib/returnTo";
import { navigate, useRoute, type Route } from "./lib/router";
import { SharePage } from "./share/SharePage";
import { NoticeToast } from "./ui/NoticeToast";

// The admin console is for a few accounts: its own chunk, loaded when an admin page is opened.
const AdminApp = lazy(() => import("./admin/AdminApp"));

/** What the signed-in screen shows for a route (one ChatPage for all: the socket stays up). */
function chatView(route: Route): { roomId: string | null; view: ChatView } {
  switch (route.name) {
    case "roomSettings":
      return { roomId: route.roomId, view: "settings" };
    case "account":
      return { roomId: null, view: "account" };
    case "chat":
      return { roomId: route.roomId, view: "chat" };
    default:
      return { roomId: null, view: "chat" };
  }
}

export function App() {
  const signedIn = useSignedIn();
  const route = useRoute();
  const authPage = route.name === "login" || route.name === "signup";
  // A share link's page decides itself whether it needs a signed-in reader (the server says so).
  const open = route.name === "share";

  useEffect(() => {
    if (!signedIn && !authPage && !open) navigate("/login");
    // Back to the page that sent the user to sign in, if one did.
    if (signedIn && authPage) navigate(peekReturnTo() ?? "/");
    if (signedIn && !authPage) clearReturnTo();
    // Signed in again: why the last session ended no longer matters.
    if (signedIn) dismissStickyNotice();
  }, [signedIn, authPage, open]);

  return (
    <>
      {page(signedIn, route)}
      <NoticeToast />
    </>
  );
}

function page(signedIn: boolean, route: Route) {
  if (route.name === "share") return <SharePage key={route.token} token={route.token} />;
  if (!signedIn) return route.name === "signup" ? <SignUpPage /> : <SignInPage />;
  if (route.name === "admin")
    return (
      <Suspense fallback={null}>
        <AdminApp page={route.page} roomId={route.roomId} />
      </Suspense>
    );
  const { roomId, view } = chatView(route);
  return <ChatPage roomId={roomId} view={view} />;
}
