import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

async function start(): Promise<void> {
  // Dev-only fake backend; `import.meta.env.VITE_MOCK` is a build-time constant, so the
  // production build drops this branch and the mock module with it.
  if (import.meta.env.VITE_MOCK === "1") {
    const { installMock } = await import("./dev/mock");
    installMock();
  }
  const target = document.getElementById("app");
  if (target) mount(App, { target });
}

void start();
