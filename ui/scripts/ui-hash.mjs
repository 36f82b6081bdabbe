// The fingerprint of the UI a screenshot shows: sha256 over the UI's source files (Svelte,
// TypeScript, CSS; tests and dev-only mocks left out), in path order. `.ci/screenshots` stamps
// docs/screenshots with it; screenshots.test.mjs fails when the UI changed since.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const uiDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const stampFile = join(uiDir, "..", "docs", "screenshots", "ui-source.sha256");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "dev" ? [] : files(path);
    return /\.(svelte|ts|css)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && e.name !== "testdata.ts" ? [path] : [];
  });
}

export function uiHash() {
  const hash = createHash("sha256");
  for (const path of files(join(uiDir, "src")).sort()) {
    // Line endings normalised, so a checkout with CRLF gives the same fingerprint.
    hash.update(relative(uiDir, path).split("\\").join("/") + "\0");
    hash.update(readFileSync(path, "utf8").replace(/\r\n/g, "\n") + "\0");
  }
  return hash.digest("hex");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(uiHash());
}
