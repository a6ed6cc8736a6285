// Signed-in state: a session exists while tokens are stored. When the tokens go (sign-out, or a
// refresh that failed), the socket closes and the app returns to sign-in.
import { useSyncExternalStore } from "react";
import { getAccessToken, getRefreshToken, onTokensChange } from "../lib/tokens";

function signedIn(): boolean {
  return Boolean(getAccessToken() || getRefreshToken());
}

export function useSignedIn(): boolean {
  return useSyncExternalStore(onTokensChange, signedIn, signedIn);
}
