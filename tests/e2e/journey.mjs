// End-to-end journey of the real window: the release-like app binary (UI embedded) driven through
// tauri-driver → WebKitWebDriver, under Xvfb. Plain W3C WebDriver over fetch; no client library.
//
//   node tests/e2e/journey.mjs <app-binary> <out-dir>
//
// Needs: tauri-driver listening on 127.0.0.1:4444 (started by .ci/e2e), DISPLAY set, and
// LEADPOLICY_WORKSPACE pointing at an empty folder (a first launch). Screenshots of each main
// screen go to <out-dir>/screenshots; on failure a `failure.png` is saved before exiting 1.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const [app, outArg] = process.argv.slice(2);
if (!app || !outArg) {
  console.error("usage: node tests/e2e/journey.mjs <app-binary> <out-dir>");
  process.exit(2);
}
const out = resolve(outArg);
const shots = join(out, "screenshots");
mkdirSync(shots, { recursive: true });
const DRIVER = "http://127.0.0.1:4444";
const ELEMENT = "element-6066-11e4-a52f-4e9c5c9c8b9c";

async function wd(method, path, body) {
  const res = await fetch(DRIVER + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let session;

function screenshot(name) {
  const file = join(shots, `${name}.png`);
  execFileSync("bash", ["-c", `xwd -root -silent | convert xwd:- png:"${file}"`]);
  console.log(`  screenshot ${file}`);
}

async function find(testid, timeout = 30000) {
  const selector = testid.includes("[") || testid.includes(" ") ? testid : `[data-testid="${testid}"]`;
  const until = Date.now() + timeout;
  for (;;) {
    try {
      const el = await wd("POST", `/session/${session}/element`, { using: "css selector", value: selector });
      const id = el && (el[ELEMENT] ?? el.ELEMENT ?? Object.values(el)[0]);
      if (!id) throw new Error(`unexpected element reply ${JSON.stringify(el)}`);
      return id;
    } catch (e) {
      if (Date.now() > until) throw new Error(`not found within ${timeout} ms: ${selector}`);
      await sleep(200);
    }
  }
}
/** Click like a person; when a styled control covers the element (a switch over its checkbox),
 *  scroll it into view and click it from script instead. */
async function click(testid) {
  const id = await find(testid);
  try {
    await wd("POST", `/session/${session}/element/${id}/click`, {});
  } catch (e) {
    if (!/intercepted|not interactable/.test(e.message)) throw e;
    await js(
      `const el = document.querySelector('[data-testid="' + arguments[0] + '"]'); el.scrollIntoView({ block: 'center' }); el.click();`,
      testid,
    );
  }
}
const text = async (testid) => wd("GET", `/session/${session}/element/${await find(testid)}/text`);
const js = (script, ...args) => wd("POST", `/session/${session}/execute/sync`, { script, args });
const jsAsync = (script, ...args) => wd("POST", `/session/${session}/execute/async`, { script, args });

/** Set an input or select the way a person would end up: value, then input + change events. */
async function setValue(testid, value) {
  await find(testid);
  await js(
    `const el = document.querySelector('[data-testid="' + arguments[0] + '"]');
     el.focus(); el.value = arguments[1];
     el.dispatchEvent(new Event('input', { bubbles: true }));
     el.dispatchEvent(new Event('change', { bubbles: true }));
     el.blur();`,
    testid,
    value,
  );
}

async function waitFor(what, fn, timeout = 60000) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(250);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
  console.log(`  ok: ${msg}`);
}

const num = (s) => Number(String(s).replace(/[^0-9.\-−]/g, "").replace("−", "-"));

async function main() {
  // tauri-driver is up when it answers.
  await waitFor("tauri-driver", async () => (await fetch(DRIVER + "/status")).ok, 30000);
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app, args: [] } } },
  });
  session = created.sessionId;
  console.log("session", session);

  console.log("1. first launch shows the sample replay");
  const status = await waitFor("the first replay", async () => {
    const t = await text("replay-status");
    return /Updated/.test(t) && t;
  }, 120000);
  check(/15,000 leads/.test(status), `replay status says 15,000 leads: "${status}"`);
  const acceptedBaseline = num(await text("metric-accepted-baseline"));
  const acceptedDraft = num(await text("metric-accepted-draft"));
  check(acceptedBaseline > 0 && acceptedDraft > 0, `accepted: baseline ${acceptedBaseline}, draft ${acceptedDraft}`);
  const rejectedBefore = num(await text("metric-rejected-draft"));
  await find("chart-outcomes");
  await sleep(500);
  const below = await text("charts-below");
  check(/5 charts below/.test(below), `the fold says what is below it: "${below}"`);
  screenshot("replay");
  await click("charts-below");
  await waitFor("the charts in view (the hint goes)", async () =>
    js(`return document.querySelector('[data-testid="charts-below"]') === null;`),
  );
  await sleep(600);
  screenshot("charts");
  await js(`document.querySelector('[data-testid="replay-status"]').scrollIntoView();`);

  console.log("2. allow a field and add a rule with the builder");
  await setValue("actor-input", "maria");
  await click("nav-policy");
  await find("allow-country");
  screenshot("policy");
  await click("allow-country");
  await waitFor("country allowed", () => js(`return document.querySelector('[data-testid="allow-country"]').checked`));
  await js(`document.querySelector('[data-testid="allow-country"]').scrollIntoView({ block: 'center' })`);
  await sleep(300);
  screenshot("fields");
  await click("add-rule");
  await setValue("builder-action", "disqualify");
  await setValue("builder-target", "excluded_industry");
  await setValue("builder-id", "dq-france");
  await setValue("builder-field-0", "country");
  await setValue("builder-op-0", "eq");
  await setValue("builder-value-0", "France");
  const preview = await text("builder-preview");
  check(/France/.test(preview), `builder preview reads as a sentence: "${preview}"`);
  screenshot("rule-builder");
  await click("builder-save");
  await find("rule-dq-france");
  check(true, "the new rule is listed");

  console.log("3. the charts and counts change");
  await click("nav-replay");
  const rejectedAfter = await waitFor("rejected count to change", async () => {
    const n = num(await text("metric-rejected-draft"));
    return n !== rejectedBefore && n;
  });
  check(rejectedAfter > rejectedBefore, `rejected under the draft: ${rejectedBefore} → ${rejectedAfter}`);

  console.log("4. open a flipped lead's packets");
  const cell = await js(`
    const cells = [...document.querySelectorAll('[data-testid^="flip-"]')]
      .filter(c => { const [, b, d] = c.dataset.testid.match(/^flip-(.+?)-(.+)$/) || []; return b && b !== d && Number(c.textContent.replace(/[^0-9]/g, '')) > 0; });
    return cells.length ? cells[0].dataset.testid : null;`);
  check(cell, `a non-empty flip cell: ${cell}`);
  await click(cell);
  const row = await waitFor("a lead row", () =>
    js(`const r = document.querySelector('[data-testid^="lead-row-"]'); return r && r.dataset.testid;`),
  );
  await click(row);
  const pb = await text("packet-baseline");
  const pd = await text("packet-draft");
  check(pb.length > 0 && pd.length > 0 && pb !== pd, "both packets shown and they differ");
  await js(`document.querySelector('[data-testid="lead-detail"]')?.scrollIntoView({ block: 'start' })`);
  await sleep(300);
  screenshot("packets");

  console.log("5. inspect a lead by id");
  const leadId = row.replace(/^lead-row-/, "");
  await click("nav-leads");
  await setValue("lead-search", leadId);
  await click("lead-open").catch(() => {});
  await waitFor("lead packets", async () => (await text("packet-draft")).length > 0);
  await sleep(300);
  screenshot("leads");

  console.log("5b. trust analytics of the draft");
  await click("nav-trust");
  await waitFor("the analyses", async () => /Analysed/.test(await text("trust-status")));
  const idle = await text("trust-idle-rules");
  check(/nurture-micro-companies/.test(idle), "the rule whose removal changes nothing is named");
  const groups = await text("trust-four-fifths");
  check(/age_band = 18-24/.test(groups), "the group under four-fifths is named");
  await find("chart-analysis_sweep");
  await sleep(300);
  screenshot("trust");

  console.log("5c. a cohort: a date window, a source, monthly trends, a 60-day conversion window");
  await click("nav-replay");
  await find("cohort-bar");
  await setValue("cohort-from", "2025-04-01");
  await waitFor("the window", async () => /created from 2025-04-01/.test(await text("replay-cohort")));
  await setValue("cohort-to", "2025-09-30");
  await waitFor("the window's end", async () => /created 2025-04-01 to 2025-09-30/.test(await text("replay-cohort")));
  await js(`document.querySelector('[data-testid="cohort-source"] summary').click();`);
  await sleep(300);
  const firstSource = "demo_request";
  await js(
    `const name = [...document.querySelectorAll('[data-testid="cohort-source"] .name')].find((n) => n.textContent === arguments[0]);
     name.closest('label').querySelector('input').click();`,
    firstSource,
  );
  await waitFor("the source cohort", async () => (await text("replay-cohort")).includes(`source ${firstSource}`));
  await sleep(300);
  screenshot("cohort");
  await js(`document.querySelector('[data-testid="cohort-source"]').open = false;`);
  await click("cohort-by-month");
  await setValue("cohort-window", "60");
  const cohort = await waitFor("monthly trends with a conversion window", async () => {
    const t = await text("replay-cohort");
    return /within 60 days/.test(t) && (await js(`return !!document.querySelector('[data-testid="chart-trends"]')`)) && t;
  });
  const covered = num(cohort.split(":")[1].split("of")[0]);
  check(covered > 0 && covered < 15000, `the replay covers the cohort only: "${cohort}"`);
  const immature = await text("metric-immature-draft");
  check(/^[0-9,]+$/.test(immature.trim()), `leads too recent to judge are counted apart: ${immature}`);
  await js(`document.querySelector('[data-testid="chart-trends"]').scrollIntoView({ block: "start" });`);
  await sleep(600);
  screenshot("trends");
  await click("nav-trust");
  await waitFor("the trust analytics on the cohort", async () => /2025-04-01 to 2025-09-30/.test(await text("trust-cohort")));
  await find("trust-recorded-later");
  await click("nav-replay");
  await click("cohort-reset");
  await waitFor("every lead again", async () => /every lead: 15,000 of 15,000/.test(await text("replay-cohort")));

  console.log("5d. suggestions learned from outcomes: try one, then undo it");
  const before = num(await text("metric-accepted-draft"));
  await click("nav-suggest");
  await click("suggest-run");
  const found = await waitFor("the suggestions", async () => await text("suggest-summary"), 120000);
  check(/candidate changes tried/.test(found), `suggestions computed: "${found.slice(0, 80)}…"`);
  const cards = await js(`return document.querySelectorAll('[data-testid^="suggestion-"]').length`);
  check(cards >= 1, `suggestions are shown as cards: ${cards}`);
  const holdout = await text("suggest-holdout");
  check(/hold/i.test(holdout) || /Changes no decision/.test(holdout), `the holdout is stated: "${holdout}"`);
  await sleep(300);
  screenshot("suggestions");
  await click("suggest-try");
  const tried = await waitFor("the replay of the suggestion to change the draft's figures", async () => {
    const n = num(await text("metric-accepted-draft"));
    return /Updated/.test(await text("replay-status")) && n !== before && n;
  });
  check(tried !== before, `trying the first suggestion changes the draft's figures: accepted ${before} → ${tried}`);
  await find("tried-suggestion");
  await click("undo-suggestion");
  await waitFor("the undo", async () => js(`return document.querySelector('[data-testid="tried-suggestion"]') === null;`));
  const after = await waitFor("the replay after undo", async () => {
    const n = num(await text("metric-accepted-draft"));
    return /Updated/.test(await text("replay-status")) && n === before && n;
  });
  check(after === before, `undo restores the draft's figures: accepted ${after} (was ${before})`);

  console.log("6. submit, approve as another reviewer, publish, export");
  await click("nav-review");
  await find("submit");
  await click("submit");
  await waitFor("in review", async () => /in review/i.test(await text("next-step")));
  await sleep(300);
  screenshot("review");
  await setValue("actor-input", "sam");
  await setValue("approve-note", "Checked the flips and the France rule");
  const blocked = await js(`return !!document.querySelector('[data-testid^="guardrail-"].blocked, [data-testid^="guardrail-"][data-blocked="true"]')`);
  if (await js(`return !!document.querySelector('[data-testid="override-note"]')`)) {
    await setValue("override-note", "More nurture instead of rejection is intended for this quarter");
  }
  console.log(`  guardrail blocked: ${blocked}`);
  await click("approve");
  await waitFor("approved", async () => /approved/i.test(await text("next-step")));
  await click("publish");
  await waitFor("published", async () => /published/i.test(await text("next-step")));
  const exportPath = join(out, "export", "inbound-qualification-v4.toml");
  const res = await jsAsync(
    `const done = arguments[arguments.length - 1];
     window.__leadpolicy.exportTo(arguments[0]).then(() => done('ok'), e => done('error: ' + e));`,
    exportPath,
  );
  check(res === "ok", `export ran: ${res}`);
  const shown = await waitFor("export result", async () => await text("export-result"));
  check(existsSync(exportPath), `exported file exists: ${exportPath}`);
  const sha = createHash("sha256").update(readFileSync(exportPath)).digest("hex");
  check(shown.includes(sha.slice(0, 12)), `the window shows the file's sha256 (${sha.slice(0, 12)}…)`);
  check(await js(`return !document.querySelector('[data-testid="export"]').disabled`), "export stays available after publishing");
  const manifest = JSON.parse(readFileSync(exportPath.replace(/\.toml$/, ".manifest.json"), "utf8"));
  check(manifest.sha256 === sha && manifest.version === 4, "manifest matches the file, version 4");
  check(manifest.approval.reviewer === "sam", "manifest names the reviewer");
  check(readFileSync(exportPath, "utf8").includes('id = "dq-france"'), "the exported policy has the new rule");
  const views = manifest.compiled_sql ?? [];
  check(views.map((v) => v.dialect).join(",") === "duckdb,postgres,spark", `the compiled SQL goes beside it: ${views.map((v) => v.file).join(", ")}`);
  for (const v of views) {
    const sql = readFileSync(join(out, "export", v.file), "utf8");
    check(createHash("sha256").update(sql).digest("hex") === v.sha256 && sql.includes("'dq-france'"), `${v.file} is the signed view of v4`);
  }
  check(/For the warehouse/.test(await text("export-sql")), "the window lists the SQL files");
  await sleep(300);
  screenshot("published");

  console.log("6b. the first 90 days of the published version");
  await click("nav-track");
  const verdict = await waitFor("the track", async () => await text("track-verdict"));
  check(/v4 was published/.test(verdict), `the track names the published version: "${verdict.split("\n").pop()}"`);
  check(/stable|early|Cannot tell/i.test(verdict), "the track gives a verdict on seller acceptance");
  await find("track-table");
  await sleep(300);
  screenshot("track");

  console.log("7. history: versions and a verified audit log");
  await click("nav-history");
  const audit = await waitFor("audit verification", async () => await text("audit-verified"));
  check(/verified/i.test(audit), `audit log: "${audit}"`);
  const ownKey = await text("own-key");
  check(/^ed25519:[A-Za-z0-9+/=]{44}$/.test(ownKey.trim()), `the workspace's signing key is shown: ${ownKey.slice(0, 20)}…`);
  check(manifest.public_key === ownKey.trim() && manifest.signature?.length === 88, "the export is signed with that key");
  await sleep(300);
  screenshot("history");
  await js(`document.querySelector('[data-testid="signing-keys"]').scrollIntoView({ block: "end" });`);
  await sleep(400);
  screenshot("keys");

  await click("nav-data");
  await find("mapping-editor");
  await sleep(300);
  screenshot("data");

  console.log("8. your own export: read, corrected, used, and a starter policy for it");
  await click("nav-review");
  await click("new-draft");
  await waitFor("a new draft", async () => /draft/i.test(await text("next-step")));
  await click("nav-data");
  const exportFile = resolve("tests/fixtures/import/salesforce_leads_excel.csv");
  const read = await jsAsync(
    `const done = arguments[arguments.length - 1];
     window.__leadpolicy.importFrom(arguments[0], null).then(() => done('ok'), e => done('error: ' + e));`,
    exportFile,
  );
  check(read === "ok", `the export was read: ${read}`);
  const facts = await waitFor("the import table", async () => await text("import-facts"));
  check(/60\s+leads/.test(facts) && /windows-1252/.test(facts) && /;-separated/.test(facts), `the file is described: "${facts}"`);
  check((await js(`return document.querySelector('[data-testid="import-role-lead_source"]').value`)) === "source", "Lead Source is the source");
  check(await js(`return document.querySelector('[data-testid="import-sensitive-gender"]').checked`), "Gender is marked sensitive");
  // A correction a person makes: country routes to regional teams here, so it is not a proxy.
  await click("import-sensitive-country");
  check(!(await js(`return document.querySelector('[data-testid="import-sensitive-country"]').checked`)), "a sensitive mark can be taken off");
  await js(`document.querySelector('[data-testid="import-panel"]').scrollIntoView({ block: "start" });`);
  await sleep(300);
  screenshot("import");
  await click("use-data");
  const summary = await waitFor("the new dataset", async () => {
    const t = await text("dataset-summary");
    return /salesforce leads excel/i.test(t) && t;
  });
  check(/Leads\s*60\b/.test(summary), `the dataset in use has the 60 leads: ${summary.replace(/\s+/g, " ")}`);
  const misfit = await waitFor("the policy-misfit note", async () => await text("policy-misfit"));
  check(/not a column/.test(misfit), `the sample policy does not fit this data: "${misfit.slice(0, 100)}…"`);
  await click("start-policy");
  await waitFor("the misfit note to go", async () => !(await js(`return !!document.querySelector('[data-testid="policy-misfit"]')`)));
  await click("nav-replay");
  const replayed = await waitFor("a replay of the export", async () => {
    const t = await text("replay-status");
    return /Updated/.test(t) && /\b60 leads/.test(t) && t;
  });
  check(true, `replayed the export: "${replayed}"`);
  await sleep(400);
  screenshot("import-replay");
}

try {
  await main();
  console.log("e2e journey passed");
  await wd("DELETE", `/session/${session}`).catch(() => {});
  process.exit(0);
} catch (e) {
  console.error("e2e journey FAILED:", e.message);
  try {
    screenshot("failure");
  } catch {}
  if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
  process.exit(1);
}
