import { useEffect } from "react";
import { SignInPage } from "./auth/SignInPage";
import { SignUpPage } from "./auth/SignUpPage";
import { useSignedIn } from "./auth/session";
import { AdminPlaceholder } from "./chat/AdminPlaceholder";
import { ChatPage } from "./chat/ChatPage";
import { navigate, useRoute } from "./lib/router";

export function App() {
  const signedIn = useSignedIn();
  const route = useRoute();
  const authPage = route.name === "login" || route.name === "signup";

  useEffect(() => {
    if (!signedIn && !authPage) navigate("/login");
    if (signedIn && authPage) navigate("/");
  }, [signedIn, authPage]);

  if (!signedIn) return route.name === "signup" ? <SignUpPage /> : <SignInPage />;
  if (route.name === "admin") return <AdminPlaceholder />;
  return <ChatPage roomId={route.name === "chat" ? route.roomId : null} />;
}
