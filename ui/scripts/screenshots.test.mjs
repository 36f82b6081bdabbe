// The README's screenshots must show the UI as it is: they carry the fingerprint of the UI
// source they were taken from, and a UI change without fresh screenshots fails here.
// Fix: run `.ci/screenshots` (the end-to-end run of the real window) and commit docs/screenshots.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stampFile, uiHash } from "./ui-hash.mjs";

describe("README screenshots", () => {
  it("were taken of the current UI", () => {
    expect(existsSync(stampFile), `${stampFile} is missing: run .ci/screenshots`).toBe(true);
    const stamped = readFileSync(stampFile, "utf8").trim();
    expect(stamped, "the UI changed since docs/screenshots were taken: run .ci/screenshots and commit them").toBe(uiHash());
  });
});
