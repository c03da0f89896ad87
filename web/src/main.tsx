import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { apiBaseUrl } from "./api/client";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  void apiBaseUrl().then((baseUrl) =>
    createRoot(root).render(
      <StrictMode>
        <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, "")}>
          <App baseUrl={baseUrl} />
        </BrowserRouter>
      </StrictMode>,
    ),
  );
}
