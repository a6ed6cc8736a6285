import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import Markdown from "./Markdown";

const render = (text: string) => renderToString(createElement(Markdown, { text }));

describe("Markdown safety", () => {
  it("never renders raw HTML", () => {
    const html = render("<script>alert(1)</script><img src=x onerror=alert(1)>\n\nhello");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    // No element carries an event handler; the text may appear escaped (&lt;img … onerror=…&gt;).
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(html).toContain("hello");
  });

  it("inline HTML inside a paragraph stays inert", () => {
    const html = render("text <img src=x onerror=alert(1)> <b onclick=alert(1)>bold</b>");
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/<b[\s>]/i);
  });

  it("drops javascript: links", () => {
    const html = render("[click](javascript:alert(1))");
    expect(html).not.toMatch(/javascript:/i);
  });

  it("renders GFM and highlighted code with a copy button", () => {
    const html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst x = 1;\n```");
    expect(html).toContain("<table");
    expect(html).toContain("hljs");
    expect(html).toContain("Copy");
  });
});
