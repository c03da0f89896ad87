import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served at /panel/ beside the API: by the local gateway (make run) and by CloudFront deployed.
// `npm run dev` proxies the API to a running `make run`.
const api = process.env.SHOPHUB_API ?? "http://127.0.0.1:3000";
const apiPaths = ["/accounts", "/hub", "/orders", "/products", "/stock", "/logs", "/health"];

export default defineConfig({
  base: "/panel/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, api])) },
});
