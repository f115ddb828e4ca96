/**
 * `npm run check:pages`: every public and workspace page through three outside judges, on a stack
 * of its own (or CHECK_URL's): the Nu Html Checker (0 errors), axe-core in Chromium at 375 and
 * 1280 px (nothing serious or critical) and Lighthouse on the front and article pages (95 or more
 * in every category). Prints a table; exits 1 on any failure. See docs/pages.md.
 */
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_PATH, launchChromium } from '../tests/support/browser.js';
import { axeViolations, openTourPage, tourContext, WIDTHS } from './pages/browser.js';
import { fetchPage, startTour, type Tour } from './pages/tour.js';
import { nuErrors } from './pages/vnu.js';

const MIN_SCORE = 95;
const LIGHTHOUSE_PAGES = ['front', 'article'];
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

type Row = { page: string; nu: string; axe: string; lighthouse: string; ok: boolean };

const tour = await startTour();
const problems: string[] = [];
try {
  const rows = await check(tour);
  printTable(rows);
  for (const p of problems) console.log(`  ✗ ${p}`);
  console.log(
    problems.length
      ? `\n${problems.length} problem(s) on ${rows.filter((r) => !r.ok).length} page(s).`
      : `\nAll ${rows.length} pages pass.`,
  );
} finally {
  await tour.close();
}
process.exit(problems.length ? 1 : 0);

async function check(tour: Tour): Promise<Row[]> {
  const fetched = [];
  for (const page of tour.pages) {
    const { status, html } = await fetchPage(tour, page);
    if (status !== page.status)
      problems.push(`${page.name}: ${page.path} answered ${status}, not ${page.status}`);
    fetched.push({ name: page.name, html });
  }
  const nu = await nuErrors(fetched);
  const axe = await axeAll(tour);
  const scores = await lighthouseAll(tour);
  return tour.pages.map((page) => {
    const errors = nu.get(page.name) ?? [];
    for (const e of errors) problems.push(`${page.name}: Nu line ${e.lastLine}: ${e.message}`);
    const serious = axe.get(page.name) ?? [];
    problems.push(...serious.map((s) => `${page.name}: axe ${s}`));
    const score = scores.get(page.name);
    const low = score ? CATEGORIES.filter((c) => score[c] < MIN_SCORE) : [];
    for (const c of low) problems.push(`${page.name}: Lighthouse ${c} ${score![c]} < ${MIN_SCORE}`);
    return {
      page: page.name,
      nu: errors.length ? `${errors.length} errors` : 'valid',
      axe: serious.length ? `${serious.length} serious` : 'clean',
      lighthouse: score ? CATEGORIES.map((c) => score[c]).join(' / ') : '',
      ok: !errors.length && !serious.length && !low.length,
    };
  });
}

/** Serious and critical axe findings per page, at both widths; lesser ones are printed only. */
async function axeAll(tour: Tour): Promise<Map<string, string[]>> {
  const browser = await launchChromium();
  const found = new Map<string, string[]>();
  try {
    for (const viewport of WIDTHS) {
      const context = await tourContext(browser, tour, viewport);
      for (const target of tour.pages) {
        const { page } = await openTourPage(context, tour, target);
        for (const v of await axeViolations(page)) {
          const line = `${v.impact} ${v.id} at ${viewport.width} px: ${v.help} (${v.targets.join(', ')})`;
          if (v.impact === 'serious' || v.impact === 'critical')
            found.set(target.name, [...(found.get(target.name) ?? []), line]);
          else console.log(`  note: ${target.name}: axe ${line}`);
        }
        await page.close();
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return found;
}

/**
 * Lighthouse's four categories, 0 to 100: the median of LIGHTHOUSE_RUNS runs (3), as Lighthouse
 * advises, since one run's performance moves with whatever else the machine is doing. Mobile
 * emulation with simulated throttling by default; LIGHTHOUSE_PRESET=desktop for the desktop one.
 */
async function lighthouseAll(tour: Tour) {
  const scores = new Map<string, Record<(typeof CATEGORIES)[number], number>>();
  const chrome = await launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const desktop = process.env.LIGHTHOUSE_PRESET === 'desktop';
    const config = desktop
      ? (await import('lighthouse/core/config/desktop-config.js')).default
      : undefined;
    for (const target of tour.pages.filter((p) => LIGHTHOUSE_PAGES.includes(p.name))) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const result = await lighthouse(
          `${tour.baseUrl}${target.path}`,
          { port: chrome.port, logLevel: 'error', onlyCategories: [...CATEGORIES] },
          config,
        );
        if (!result) throw new Error(`Lighthouse returned nothing for ${target.path}`);
        runs.push(result.lhr);
      }
      // The run whose performance is the median stands for the page, all four categories from it.
      const lhr = runs.sort(
        (a, b) => (a.categories.performance?.score ?? 0) - (b.categories.performance?.score ?? 0),
      )[Math.floor(runs.length / 2)]!;
      // A run that failed (no paint, a page that did not load) scores 0: say why.
      if (lhr.runtimeError)
        problems.push(
          `${target.name}: Lighthouse ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`,
        );
      const { categories, audits } = lhr;
      const score = Object.fromEntries(
        CATEGORIES.map((c) => [c, Math.round((categories[c]?.score ?? 0) * 100)]),
      ) as Record<(typeof CATEGORIES)[number], number>;
      scores.set(target.name, score);
      console.log(
        `  Lighthouse ${target.name}: performance ${runs.map((r) => Math.round((r.categories.performance?.score ?? 0) * 100)).join(', ')} over ${RUNS} runs`,
      );
      // What cost points, so a score under the bar says why.
      for (const c of CATEGORIES)
        for (const ref of categories[c]?.auditRefs ?? []) {
          const audit = audits[ref.id];
          if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1)
            console.log(
              `  note: ${target.name}: Lighthouse ${c}: ${audit.title} (${audit.displayValue ?? audit.score})`,
            );
        }
    }
  } finally {
    chrome.kill();
  }
  return scores;
}

function printTable(rows: Row[]) {
  const head: Row = {
    page: 'page',
    nu: 'Nu',
    axe: 'axe',
    lighthouse: 'Lighthouse (perf / a11y / bp / seo)',
    ok: true,
  };
  const all = [head, ...rows];
  const width = (k: keyof Omit<Row, 'ok'>) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) =>
    `${r === head ? ' ' : r.ok ? '✓' : '✗'} ${r.page.padEnd(width('page'))}  ${r.nu.padEnd(width('nu'))}  ${r.axe.padEnd(width('axe'))}  ${r.lighthouse}`;
  console.log(`\n${all.map(line).join('\n')}\n`);
}
