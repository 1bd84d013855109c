import { describe, expect, it } from "vitest";
import { t } from "./i18n";

describe("t", () => {
  it("fills placeholders from the catalog message", () => {
    expect(t("editor.saved", { version: 4 })).toBe("Saved version 4");
  });
  it("returns the key for a missing message", () => {
    expect(t("editor.no_such_key")).toBe("editor.no_such_key");
    expect(t("editor")).toBe("editor");
  });
});
