import { describe, expect, it } from "vitest";
import { makeExcerpt, splitSentences } from "../../functions/core/stories/excerpt.js";

const words = (n: number, word = "harbour"): string => Array.from({ length: n }, () => word).join(" ");

describe("makeExcerpt", () => {
  it("returns an empty string for an empty body", () => {
    expect(makeExcerpt("")).toBe("");
    expect(makeExcerpt(" \n\n \t")).toBe("");
  });

  it("takes whole sentences of the first paragraph while they fit", () => {
    const body = "First sentence here. Second one is here too. Third sentence ends it.\n\nNext paragraph.";
    expect(makeExcerpt(body)).toBe("First sentence here. Second one is here too. Third sentence ends it.");
    expect(makeExcerpt(body, 45)).toBe("First sentence here. Second one is here too.");
    expect(makeExcerpt(body, 44)).toBe("First sentence here. Second one is here too.");
    expect(makeExcerpt(body, 43)).toBe("First sentence here.");
  });

  it("never exceeds 300 characters by default and ends at a sentence boundary", () => {
    const sentence = `The council met on Tuesday to discuss ${words(8)}.`;
    const body = Array.from({ length: 12 }, () => sentence).join(" ");
    const excerpt = makeExcerpt(body);
    expect(excerpt.length).toBeLessThanOrEqual(300);
    expect(excerpt.endsWith(".")).toBe(true);
    expect(body.startsWith(excerpt)).toBe(true);
    expect(excerpt.length).toBeGreaterThan(300 - sentence.length - 1);
  });

  it("cuts a first sentence longer than the limit at a word boundary with an ellipsis", () => {
    const sentence = `${Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ")}.`;
    const excerpt = makeExcerpt(sentence);
    expect(excerpt.length).toBeLessThanOrEqual(300);
    expect(excerpt.endsWith("…")).toBe(true);
    const kept = excerpt.slice(0, -1).split(" ");
    // every kept word is a whole word of the sentence, in order
    expect(kept).toEqual(sentence.split(" ").slice(0, kept.length));
    const small = makeExcerpt("Tidal power lights up the harbour town of Wexmoor for a week.", 30);
    expect(small).toBe("Tidal power lights up the…");
    expect(small.length).toBeLessThanOrEqual(30);
  });

  it("does not end a sentence after common abbreviations or initials", () => {
    expect(splitSentences("Dr. Smith went to St. Paul on Monday. He said no.")).toEqual([
      "Dr. Smith went to St. Paul on Monday.",
      "He said no.",
    ]);
    expect(splitSentences("J. K. Rowling spoke. Mr. Jones replied.")).toEqual([
      "J. K. Rowling spoke.",
      "Mr. Jones replied.",
    ]);
    const body = "Dr. Ana Ortiz led the trial. It ran for a week.";
    expect(makeExcerpt(body, 30)).toBe("Dr. Ana Ortiz led the trial.");
  });

  it("skips a lead paragraph that is not prose and has no newlines in the result", () => {
    const body = "Photograph: Lee Chan\n\nThe ferry\nleft on time. It arrived late.\n\nMore text.";
    expect(makeExcerpt(body)).toBe("The ferry left on time. It arrived late.");
  });

  it("keeps closing quotes with their sentence", () => {
    expect(makeExcerpt("“We will rebuild.” The mayor left the stage.", 20)).toBe("“We will rebuild.”");
  });
});
