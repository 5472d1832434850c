import { afterAll, afterEach, beforeAll } from "vitest";
import { dayInZone } from "../../functions/core/kernel/dates.js";
import { setDay, startDayTwin, twin } from "./cases/context.js";
import { deployedDay } from "./cases/day.js";
import { feedsAndCorrections } from "./cases/feeds-admin.js";
import { importAndExportJobs } from "./cases/jobs.js";
import { reviewFindings } from "./cases/review-findings.js";
import { everyApiRoute } from "./cases/routes.js";
import { editionsSettle } from "./cases/settling.js";
import { watchingTheDailyJob } from "./cases/watching.js";
import { printReport } from "./report.js";

/**
 * The deployed-stack twin's cases, on one twin (one synth with bundling for the file), in order: a
 * whole deployed day, every API route, feeds and story corrections, the review's findings, editions settling, what watches
 * the daily job (its last case adds a list of more than one page), then import and export jobs. The cases live in ./cases.
 */

beforeAll(async () => {
  const started = await startDayTwin();
  // The edition is "today" where the newsroom is; stories go in for today and tomorrow, so a run that
  // straddles midnight in the zone still finds the day's stories.
  setDay(dayInZone(new Date(), started.model.functions.compose?.environment.DIGEST_TIME_ZONE ?? "UTC"));
  printReport("bundles", started);
}, 240_000);

afterEach(() => twin.assertNoAccessDenied());

afterAll(async () => {
  if (twin) printReport("grants", twin);
  await twin?.close();
});

deployedDay();
everyApiRoute();
feedsAndCorrections();
reviewFindings();
editionsSettle();
watchingTheDailyJob();
importAndExportJobs();
