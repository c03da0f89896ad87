import { createContext, useContext } from "react";
import type { Client } from "./api/client";

export interface AppState {
  api: Client;
  signOut: (notice?: "signIn.expired" | "signIn.signedOut") => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside <App>");
  return state;
}
