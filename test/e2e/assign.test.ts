// The playground's assignment mode in a real browser (Debian's Chromium through playwright-core),
// against the built site: the kernel compiled and graded in the page scores what `genie grade`
// scores, for the skeleton and for the solved file; work survives a reload; the downloaded tree
// grades the same with the CLI; a kernel that hangs costs each check its time only.
// One page, one compile per state (the compiler's worker is kept; an unchanged tree is not
// compiled again), reloaded only once nothing is left to compile. The CLI's gradings run in child processes while the page works, and are
// awaited where a test compares with them.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../tools/playground/serve";
import type { GradeReport } from "../../tools/assign/score";
import { genie, root, useCli } from "../cli-run";
import { cliGrade, verdict } from "./grading";

useCli();
const SHOTS = "build/e2e";
const tmp = mkdtempSync(join(tmpdir(), "genie-assign-e2e-"));
let server: Server, url: string, browser: Browser, page: Page;
const problems: string[] = [];
/** Wall-clock seconds of the steps, written to build/e2e/assign-times.json. */
const times: Record<string, number> = {};

/** gradeInPage: click Grade and wait for the report (compiling first if the tree changed). */
async function gradeInPage(step: string): Promise<GradeReport> {
  const t0 = performance.now();
  await page.click("#grade");
  await page.waitForSelector("#total", { timeout: 120_000 });
  times[step] = (performance.now() - t0) / 1000;
  return page.evaluate(() => (window as any).genieAssign.report.value);
}

const setFile = (text: string) => page.evaluate((t) => { const v = (window as any).genieAssign.view(); v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } }); }, text);
const editorText = () => page.evaluate(() => (window as any).genieAssign.view().state.doc.toString() as string);

/** The page, with a time limit of 3 s per check (a check of pagetable's takes a fraction of a
 *  second; the hanging kernel below costs 2 x 3 s). */
const PAGE = "?timeout=3#pagetable";

/** open: load the page at assign.html + rest (again: a reload). */
async function open(rest = PAGE): Promise<void> {
  if (page.url() === `${url}assign.html${rest}`) await page.reload();
  else await page.goto(`${url}assign.html${rest}`);
  await page.waitForSelector("#assign-editor .cm-content");
}

/** What genie grade says of the skeleton genie assign writes, of the solved (the repository's)
 *  tree, and of the tree the page downloads. */
let skeleton: Promise<GradeReport>, solved: Promise<GradeReport>, downloaded: Promise<GradeReport>;
const stub = () => JSON.parse(readFileSync("build/playground/assign/index.json", "utf8")).assignments.find((a: { name: string }) => a.name === "pagetable").files["vm/pmap.ts"] as string;

beforeAll(async () => {
  if (!existsSync("build/playground/assign.html")) throw new Error("build/playground is missing: run npm run build first");
  mkdirSync(SHOTS, { recursive: true });
  expect(genie("assign", "pagetable", "--out", join(tmp, "skeleton")).status).toBe(0);
  skeleton = cliGrade(join(tmp, "skeleton"));
  solved = cliGrade();
  // (A rejection is reported by the test that awaits it, not as an unhandled one.)
  skeleton.catch(() => {});
  solved.catch(() => {});
  ({ server, url } = await serve("build/playground"));
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  await open();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
  if (Object.keys(times).length) writeFileSync(`${SHOTS}/assign-times.json`, JSON.stringify(times, null, 2) + "\n");
});

describe("assignment mode", () => {
  it("shows the handout's summary and the stubbed file, and grades the skeleton as genie grade does", async () => {
    expect(await page.textContent(".handout h2")).toMatch(/Assignment 1 — Page tables/);
    expect(await page.textContent(".handout")).toMatch(/What to build/);
    expect(await page.$$eval(".files nav button", (bs) => bs.map((b) => b.getAttribute("data-file")))).toEqual(["vm/pmap.ts"]);
    expect(await editorText()).toBe(stub());
    const t0 = performance.now();
    await page.click("#compile");
    await page.waitForFunction(() => /compiled in/.test(document.querySelector("#message")?.textContent ?? ""), null, { timeout: 120_000 });
    times["compile the skeleton (compiler loading included)"] = (performance.now() - t0) / 1000;
    const r = await gradeInPage("grade the skeleton (compiled already)");
    const cli = await skeleton;
    expect(cli.score).toBeLessThan(cli.max);
    expect(verdict(r)).toEqual(verdict(cli));
    const rows = await page.$$eval("#score tbody tr", (trs) => trs.map((tr) => [tr.getAttribute("data-check"), tr.querySelector(".status")!.textContent]));
    expect(rows).toEqual(cli.checks.map((c) => [c.id, "failed"]));
    expect(await page.textContent("#total")).toContain(`total: ${cli.score}/${cli.max}`);
  });

  it("the solved file's content scores full marks, as genie grade scores the repository", async () => {
    await setFile(readFileSync(join(root, "vm/pmap.ts"), "utf8"));
    const r = await gradeInPage("compile and grade the solved file");
    const cli = await solved;
    expect(cli.score).toBe(cli.max);
    expect(verdict(r)).toEqual(verdict(cli));
    await page.screenshot({ path: `${SHOTS}/assign-solved.png` });
  });

  it("the download is the whole tree with the edited file", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("genie-pagetable.tar.gz");
    await download.saveAs(join(tmp, "genie-pagetable.tar.gz"));
    execFileSync("tar", ["xzf", "genie-pagetable.tar.gz"], { cwd: tmp });
    expect(readFileSync(join(tmp, "genie-pagetable/vm/pmap.ts"), "utf8")).toBe(readFileSync(join(root, "vm/pmap.ts"), "utf8"));
    downloaded = cliGrade(join(tmp, "genie-pagetable")); // awaited below, while the page works on
    downloaded.catch(() => {});
  });

  it("a compile error names its file and line, and a kernel that hangs costs each check its time limit only", async () => {
    // A parenthesis left open: asc stops after parsing (a type error would cost a whole compile).
    const broken = stub().replace('implement shootdown (vm/pmap.ts)");', 'implement shootdown (vm/pmap.ts)";');
    await setFile(broken);
    const t0 = performance.now();
    await page.click("#compile");
    await page.waitForSelector("#problems");
    times["compile a file that does not parse"] = (performance.now() - t0) / 1000;
    const line = broken.split("\n").findIndex((l) => l.includes('(vm/pmap.ts)";')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(await page.textContent("#problems")).toContain(`vm/pmap.ts:${line}:`);
    // The walk mprotect takes hangs: the two mprotect checks time out; the checks after them
    // run in a fresh worker and reach the other stubs.
    await setFile(stub().replace('panic("assignment pagetable: implement pmapProtectRange (vm/pmap.ts)");', "while (true) {}"));
    const r = await gradeInPage("compile and grade a kernel that hangs (3 s per check)");
    expect(r.checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      "munmap-shootdown fail", "mprotect-no-stale-write timeout", "mprotect-range-walk timeout", "fork-cow-remote fail", "exit-flushes-every-cpu fail"]);
    expect(r.checks[1].message).toMatch(/timeout: no result after 3 s/);
    for (const i of [0, 3, 4]) expect(r.checks[i].message).toMatch(/assignment pagetable: implement shootdown \(vm\/pmap.ts\)/);
    expect(r.score).toBe(0);
  });

  it("the downloaded tree grades the same with genie grade as the solved file did", async () => {
    expect(verdict(await downloaded)).toEqual(verdict(await solved));
  });

  // Last, so that the page needs no compiler after it (a reload starts a new one).
  it("a reload restores the work", async () => {
    const solvedText = readFileSync(join(root, "vm/pmap.ts"), "utf8");
    await setFile(solvedText);
    await open();
    expect(await editorText()).toBe(solvedText);
    expect(await page.textContent("#message")).toMatch(/saved work is restored/);
  });

  it("reset to skeleton brings back the stub and forgets the saved work", async () => {
    await page.click("#reset");
    await page.click("#reset-yes");
    expect(await editorText()).toBe(stub());
    expect(await page.evaluate(() => localStorage.getItem("genie.assign.pagetable"))).toBeNull();
  });

  it("printed no console error or warning and threw nothing", () => {
    expect(problems).toEqual([]);
  });
});
