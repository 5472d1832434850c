/** Invented, realistic edition views for the template tests. */
import { type EditionView, PERSONAL_SLOTS, type StoryView } from "../../functions/core/kernel/types.js";

/** A lead with its picture, then three sections and seven stories; one without URL, one without byline; 5 left out. */
export function sampleView(): EditionView {
  return {
    brandName: "The Lakeside Morning",
    date: "2026-11-27",
    dateLabel: "Friday 27 November 2026",
    subject: "Tidal power lights up Wexmoor, and 7 more stories",
    preheader: "Tidal power trial, a new rail timetable & the council's budget vote — your Friday digest.",
    lead: {
      headline: "Tidal power trial lights up harbour town for a week",
      url: "https://lakeside-herald.example/science/2026/11/26/tidal-power-wexmoor",
      source: "Lakeside Herald",
      byline: "Ana Ortiz and Tom Reeve",
      excerpt:
        "The harbour town of Wexmoor ran entirely on tidal power for seven days, the first such trial in the region. Engineers said the turbines delivered more than expected during spring tides.",
      readMoreUrl: "https://lakeside-herald.example/science/2026/11/26/tidal-power-wexmoor",
      section: "Science",
      image: {
        url: "https://lakeside-herald.example/images/wexmoor-turbines.jpg",
        alt: "Tidal turbines in Wexmoor harbour at low tide",
        width: 1200,
        height: 675,
      },
    },
    sections: [
      {
        name: "Science",
        stories: [
          {
            headline: "Volunteers count a record 412 otters along the Brant",
            url: "https://riverlands-gazette.example/nature/otter-count-record",
            source: "Riverlands Gazette",
            byline: "",
            excerpt:
              "Volunteers walking the length of the river Brant counted 412 otters this autumn, almost twice the tally of five years ago, a rise the wildlife trust puts down to cleaner water.",
            readMoreUrl: "https://riverlands-gazette.example/nature/otter-count-record",
          },
          {
            headline: "Observatory opens its roof to schools on clear Thursdays",
            url: null,
            source: "Hillcrest Weekly",
            byline: "Priya Nandakumar",
            excerpt:
              "The Hillcrest observatory will open to school groups every clear Thursday evening from January, with a telescope booking system run by the pupils themselves.",
            readMoreUrl: "https://digest.example/stories/5f2c9a1e0b7d",
          },
        ],
      },
      {
        name: "Local & Council",
        stories: [
          {
            headline: 'Council passes budget after "long and difficult" night',
            url: "https://lakeside-herald.example/local/budget-vote?ref=home",
            source: "Lakeside Herald",
            byline: "Ben O'Connell",
            excerpt:
              "Councillors approved next year's budget at 1:40 a.m. after a nine-hour meeting, keeping library hours but raising parking charges in the town centre by 20 pence an hour.",
            readMoreUrl: "https://lakeside-herald.example/local/budget-vote?ref=home",
          },
          {
            headline: "New rail timetable adds a late train from the city",
            url: "https://riverlands-gazette.example/transport/late-train",
            source: "Riverlands Gazette",
            byline: "Maya Lindqvist",
            excerpt:
              "From 14 December a 23:45 service will run from Central to Wexmoor on weekdays, answering a petition signed by more than 3,000 commuters and shift workers.",
            readMoreUrl: "https://riverlands-gazette.example/transport/late-train",
          },
        ],
      },
      {
        name: "Culture",
        stories: [
          {
            headline: "Ferry-port warehouse becomes a 200-seat theatre",
            url: "https://hillcrest-weekly.example/arts/warehouse-theatre",
            source: "Hillcrest Weekly",
            byline: "Jonas Evers",
            excerpt:
              "The old ferry-port warehouse reopens on Saturday as a 200-seat theatre, with a programme of local plays, touring comedy and a winter season for children.",
            readMoreUrl: "https://hillcrest-weekly.example/arts/warehouse-theatre",
          },
          {
            headline: "Poet laureate's river cycle to be read aloud in full",
            url: "https://lakeside-herald.example/culture/river-cycle-reading",
            source: "Lakeside Herald",
            byline: "Chloé Dubois",
            excerpt:
              "All 48 poems of the river cycle will be read aloud on the embankment on Sunday, by readers aged 8 to 91, in a relay lasting from dawn until the last light.",
            readMoreUrl: "https://lakeside-herald.example/culture/river-cycle-reading",
          },
          {
            headline: "Record shop celebrates 50 years with a street party",
            url: "https://riverlands-gazette.example/culture/record-shop-50",
            source: "Riverlands Gazette",
            byline: "Sam Whitlow",
            excerpt:
              "Spindle Records, which opened on Mill Lane in 1976, will close the street on Saturday afternoon for live bands, a swap market and a cake shaped like a turntable.",
            readMoreUrl: "https://riverlands-gazette.example/culture/record-shop-50",
          },
        ],
      },
    ],
    leftOut: 5,
    moreUrl: "https://digest.example/archive/2026-11-27",
    archiveUrl: "https://digest.example/archive/2026-11-27",
    postalAddress: "The Lakeside Morning\n12 Quay Street\nWexmoor WX1 4AB\nUnited Kingdom",
    unsubscribeUrl: PERSONAL_SLOTS.unsubscribeUrl,
    preferencesUrl: PERSONAL_SLOTS.preferencesUrl,
    // The default config: the footer's tracking sentence is part of what the quality tests check.
    tracking: { opens: true, clicks: true },
  };
}

/** An edition with `count` stories spread over four sections, with ~300-character excerpts. */
export function largeView(count: number): EditionView {
  const names = ["World", "Business", "Science", "Culture"];
  const sections = names.map((name) => ({ name, stories: [] as StoryView[] }));
  for (let i = 0; i < count; i++) {
    const url = `https://news-${i % 7}.example/${names[i % 4]?.toLowerCase()}/2026/11/27/a-fairly-long-story-slug-number-${i}`;
    sections[i % 4]?.stories.push({
      headline: `Story ${i + 1}: regional grid operator agrees plan to double battery storage by 2030`,
      url,
      source: `News Source ${i % 7}`,
      byline: i % 3 === 0 ? "" : "Alexandra Featherstonehaugh and Bartholomew Quince",
      excerpt:
        "The regional grid operator has agreed a plan to double battery storage capacity by the end of the decade, a move engineers say will smooth out the evening peak. The first sites, on disused industrial land, could be running within eighteen months.",
      readMoreUrl: url,
    });
  }
  const [lead] = sections[0]?.stories.splice(0, 1) ?? [];
  const image = { url: "https://news-0.example/images/grid-battery.jpg", alt: "", width: 1600, height: 900 };
  return { ...sampleView(), lead: lead ? { ...lead, image } : null, sections, leftOut: 0, moreUrl: null };
}
