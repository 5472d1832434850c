/**
 * Deterministic, realistic bench data: a digest config, story drafts finalised the way `digest stories
 * import` does it, and subscribers. Nothing here touches the network or the disk.
 */
import { randomBytes } from "node:crypto";
import { type EditionStory, toEditionStory } from "../functions/core/edition/edition.js";
import { type DigestConfig, parseConfig } from "../functions/core/kernel/config.js";
import type { Story } from "../functions/core/kernel/types.js";
import { finaliseStory } from "../functions/core/stories/stories.js";
import type { Subscriber } from "../functions/core/subscribers/subscribers.js";
import type { SigningKey } from "../functions/core/subscribers/tokens.js";
import { mulberry32 } from "../functions/local/prng.js";

export const BENCH_DAY = "2026-11-27";
export const SECTIONS = ["World", "Business", "Science", "Culture", "Sport"] as const;

export function benchConfig(overrides: Record<string, unknown> = {}): DigestConfig {
  return parseConfig(
    {
      brandName: "The Lakeside Morning",
      senderAddress: "digest@lakeside-morning.example",
      replyTo: "editors@lakeside-morning.example",
      publicBaseUrl: "https://digest.lakeside-morning.example",
      postalAddress: "The Lakeside Morning\n12 Quay Street\nWexmoor WX1 4AB\nUnited Kingdom",
      unsubscribeMailto: "unsubscribe@lakeside-morning.example",
      sections: [...SECTIONS],
      subject: "{brand}, {date}: {top}",
      preheader: "{count} stories today: {headlines}",
      ...overrides,
    },
    {},
  );
}

export function benchKeys(): SigningKey[] {
  return [{ id: "k1", secret: randomBytes(32) }];
}

const SUBJECTS = [
  "regional grid operator",
  "harbour town council",
  "city library trust",
  "university research team",
  "rail operator",
  "volunteer rescue crew",
  "independent bookshop",
  "national weather service",
  "local football club",
  "water utility",
];
const VERBS = [
  "agrees plan to double",
  "unveils proposal to cut",
  "wins funding to expand",
  "faces questions over",
  "delays decision on",
  "celebrates record year for",
];
const OBJECTS = [
  "battery storage by 2030",
  "waiting times at the harbour clinic",
  "late-night services from the city",
  "its winter programme for children",
  "flood defences along the Brant",
  "the old ferry-port warehouse",
  "rooftop solar on public buildings",
];
const SENTENCES = [
  "Engineers said the first sites, on disused industrial land, could be running within eighteen months.",
  "The decision followed a nine-hour meeting that ended shortly before two in the morning.",
  "Residents who spoke at the public hearing were broadly in favour, though some raised concerns about noise.",
  "A spokesperson said the figures would be published in full once the auditors had finished their review.",
  "Similar schemes elsewhere in the region have cut costs by about a fifth in their first two years.",
  "Opposition councillors called the timetable ambitious but said they would not stand in its way.",
  "The trust expects to announce the first partners early next year, after a short consultation.",
  "Volunteers will be trained over the winter, with the first sessions starting in the new year.",
];
const SOURCES = [
  ["Lakeside Herald", "lakeside-herald.example"],
  ["Riverlands Gazette", "riverlands-gazette.example"],
  ["Hillcrest Weekly", "hillcrest-weekly.example"],
  ["Wexmoor Courier", "wexmoor-courier.example"],
  ["The Quay Post", "quay-post.example"],
] as const;
const BYLINES = [
  "Ana Ortiz and Tom Reeve",
  "Priya Nandakumar",
  "",
  "Ben O'Connell",
  "Chloé Dubois",
  "Maya Lindqvist",
];

const pick = <T>(list: readonly T[], r: () => number): T => list[Math.floor(r() * list.length)] as T;

/** `count` finalised stories of BENCH_DAY over SECTIONS, ~300-character excerpts, one in nine without URL. */
export function benchStories(count: number, seed = 1): Story[] {
  const r = mulberry32(seed);
  const stories: Story[] = [];
  for (let i = 0; i < count; i++) {
    const [source, host] = pick(SOURCES, r);
    const section = SECTIONS[i % SECTIONS.length] as string;
    const headline = `${pick(SUBJECTS, r)} ${pick(VERBS, r)} ${pick(OBJECTS, r)} (${i + 1})`.replace(
      /^./,
      (c) => c.toUpperCase(),
    );
    const slug = headline
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");
    const body = Array.from({ length: 6 }, () => pick(SENTENCES, r)).join(" ");
    const minute = String(59 - (i % 60)).padStart(2, "0");
    const hour = String(6 + (i % 12)).padStart(2, "0");
    const result = finaliseStory(
      {
        headline,
        url:
          i % 9 === 4
            ? null
            : `https://www.${host}/${section.toLowerCase()}/2026/11/27/${slug}?utm_source=rss`,
        source,
        section,
        byline: pick(BYLINES, r),
        publishedAt: `${BENCH_DAY}T${hour}:${minute}:00Z`,
        body: `${body}\n\n${pick(SENTENCES, r)}`,
      },
      { defaults: {}, timeZone: "UTC", now: new Date(`${BENCH_DAY}T12:00:00Z`) },
    );
    if ("error" in result) throw new Error(`bench story ${i}: ${result.error}`);
    stories.push({ ...result.story, editionId: null });
  }
  return stories;
}

export const benchEditionStories = (count: number): EditionStory[] => benchStories(count).map(toEditionStory);

const FIRST = ["Alice", "Bram", "Chiara", "Dev", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas"];
const LAST = ["Okafor", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Petrov", "Quince", "Rossi"];

/**
 * `count` active subscribers with distinct addresses; one in five chose a subset of sections (so the
 * send renders a few variants), one in seven has no display name.
 */
export function benchSubscribers(count: number, seed = 7): Subscriber[] {
  return [...benchSubscriberStream(count, seed)];
}

/** The same subscribers as `benchSubscribers`, one at a time (a large N never sits in memory at once). */
export function* benchSubscriberStream(count: number, seed = 7): Generator<Subscriber> {
  const r = mulberry32(seed);
  const at = `${BENCH_DAY}T00:00:00.000Z`;
  const subsets = [["World", "Business"], ["Science"], ["Culture", "Sport", "World"]];
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST, r);
    const last = pick(LAST, r);
    yield {
      id: `sub${String(i).padStart(7, "0")}${Math.floor(r() * 1e6).toString(36)}`,
      email: `${first}.${last}.${i}@mail${i % 13}.example`.toLowerCase().replace(/'/g, ""),
      name: i % 7 === 3 ? null : `${first} ${last}`,
      status: "active",
      sections: i % 5 === 2 ? [...(subsets[i % subsets.length] as string[])] : [],
      timezone: null,
      createdAt: at,
      confirmedAt: at,
      updatedAt: at,
      consent: { method: "import", at, source: "bench" },
    };
  }
}
