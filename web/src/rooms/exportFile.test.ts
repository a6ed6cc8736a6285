import { describe, expect, it } from "vitest";
import { dispositionFilename, exportFilename } from "./exportFile";

describe("export file names", () => {
  it("reads the server's file name", () => {
    expect(dispositionFilename('attachment; filename="Team notes.md"')).toBe("Team notes.md");
    expect(dispositionFilename("attachment; filename=notes.json")).toBe("notes.json");
    expect(dispositionFilename(`attachment; filename="room.md"; filename*=UTF-8''%ED%8C%80%20%EB%85%B8%ED%8A%B8.md`)).toBe("팀 노트.md");
    expect(dispositionFilename('attachment; filename="a \\"b\\".md"')).toBe('a "b".md');
    expect(dispositionFilename('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(dispositionFilename("attachment")).toBeNull();
    expect(dispositionFilename(null)).toBeNull();
  });

  it("falls back to the room's name", () => {
    expect(exportFilename("팀 노트", "md")).toBe("팀 노트.md");
    expect(exportFilename('a/b:c*"d"', "json")).toBe("a_b_c__d_.json");
    expect(exportFilename("   ", "json")).toBe("room.json");
  });
});
