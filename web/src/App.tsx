import { lazy, Suspense, useEffect } from "react";
import { SignInPage } from "./auth/SignInPage";
import { SignUpPage } from "./auth/SignUpPage";
import { useSignedIn } from "./auth/session";
import { ChatPage, type ChatView } from "./chat/ChatPage";
import { dismissStickyNotice } from "./lib/notice";
import { navigate, useRoute, type Route } from "./lib/router";
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

  useEffect(() => {
    if (!signedIn && !authPage) navigate("/login");
    if (signedIn && authPage) navigate("/");
    // Signed in again: why the last session ended no longer matters.
    if (signedIn) dismissStickyNotice();
  }, [signedIn, authPage]);

  return (
    <>
      {page(signedIn, route)}
      <NoticeToast />
    </>
  );
}

function page(signedIn: boolean, route: Route) {
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
