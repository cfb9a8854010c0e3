// Drives odmock's console (/__odmock/) in headless Chromium (Debian's,
// through playwright-core) and prints what it saw as JSON. Requests from
// "another client" are sent from Node, not from the page.
//
//   NODE_PATH=<dir with playwright-core> node console.cjs BASE_URL API_TOKEN SHOTS_DIR USER_DATA_DIR [ADMIN_TOKEN]
//
// Run by cmd/odmock/browser_test.go (TestBrowserConsole), which checks
// the output and, with -update, copies the screenshots into docs/.
"use strict";

const { chromium } = require("playwright-core");
const path = require("path");

const [base, apiToken, shots, userDataDir, adminToken] = process.argv.slice(2);
const API = base + "/public/api/user-interactions";
const RANGE = "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59";

// callAPI is another client calling the API.
async function callAPI(query, session, extra = {}) {
  const resp = await fetch(API + "?" + query, {
    headers: { Authorization: "Bearer " + apiToken, Accept: "application/json", "X-Odmock-Session": session, ...extra },
  });
  return { status: resp.status, body: await resp.json() };
}

async function main() {
  if (!userDataDir) throw new Error("usage: console.cjs BASE_URL API_TOKEN SHOTS_DIR USER_DATA_DIR [ADMIN_TOKEN]");
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1280, height: 760 },
  });
  const out = { consoleErrors: [] };
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(15000);
    page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text()); });
    page.on("pageerror", (e) => out.consoleErrors.push(e.message));
    await page.goto(base + "/__odmock/");

    if (adminToken) {
      // Refused without the token: the login field, and the admin API's 401.
      await page.waitForSelector("#login:not([hidden])");
      out.loginShown = true;
      out.apiWithoutToken = (await fetch(base + "/__odmock/info")).status;
      await page.fill("#login-token", "not-the-token");
      await page.click("#login-form button");
      await page.waitForSelector("#login-error:not([hidden])");
      out.wrongToken = await page.textContent("#login-error");
      await page.screenshot({ path: path.join(shots, "console-login.png") });
      await page.fill("#login-token", adminToken);
      await page.click("#login-form button");
      await page.waitForSelector("#main:not([hidden])");
      out.loggedIn = true;
      out.tokenInStorage = await page.evaluate(() => sessionStorage.getItem("odmock-admin-token") !== null);
      out.tokenInURL = page.url().includes(adminToken);
    }
    await page.waitForSelector("#live.on");

    // 1. Live journal: an exchange sent by another client appears.
    const t0 = Date.now();
    await callAPI(RANGE + "&user_id=user_12345", "live-client");
    await page.waitForSelector('#journal-table tbody tr >> text=live-client', { timeout: 5000 });
    out.appearedMs = Date.now() - t0;

    if (adminToken) { // the rest is the same with or without a token
      process.stdout.write(JSON.stringify(out) + "\n");
      return;
    }

    // 2. Why this answer, for a filtered query.
    // A few more exchanges, for the journal to show what it shows.
    await callAPI("from=2024-01-15&to=2024-01-15%2023:59:59", "web-app");
    await callAPI(RANGE + "&selected_scenario=customer_support", "web-app", { Authorization: "Bearer expired" });
    await callAPI(RANGE, "mobile-app", { Prefer: "scenario=rate-limited" });
    await callAPI(RANGE + "&user_id=user_12345&selected_scenario=customer_support", "web-app", { Prefer: "scenario=page-example" });
    await callAPI(RANGE + "&country=GB&browser=chrome", "why");
    await page.click("#journal-table tbody tr >> text=country=GB");
    await page.waitForSelector("#sub-exchange dl.facts");
    await page.waitForSelector("#copy-curl");
    await page.screenshot({ path: path.join(shots, "console-journal.png") });
    await page.click('.subtabs button[data-sub="why"]');
    await page.waitForSelector("#why-result");
    out.checks = await page.$$eval(".checks li", (li) => li.map((e) => e.querySelector("strong").textContent + "=" + e.querySelector(".badge").textContent));
    out.funnel = await page.$$eval(".funnel tr.step", (rows) => rows.map((r) => [r.querySelector("th").textContent, Number(r.querySelector(".count").textContent)]));
    out.whyResult = await page.textContent("#why-result");
    await page.fill("#why-user", "user_12345");
    await page.click("#why-user-form button");
    await page.waitForSelector("#why-verdict");
    out.verdict = await page.textContent("#why-verdict h3");
    await page.$eval("#why-verdict", (el) => el.scrollIntoView({ block: "end" }));
    await page.screenshot({ path: path.join(shots, "console-why.png") });

    // 3. Scenarios: one session's scenario switched, another's not.
    await page.click('#tabs a[data-view="scenarios"]');
    await page.waitForSelector(".card.scenario");
    await page.selectOption("#switch-scope", "session");
    await page.fill("#switch-session", "s1");
    await page.selectOption("#switch-name", "empty");
    await page.click("#switch-form button");
    await page.waitForFunction(() => document.querySelector("#switch-result").textContent.includes("session s1"));
    out.switchResult = await page.textContent("#switch-result");
    const s1 = await callAPI(RANGE, "s1");
    const s2 = await callAPI(RANGE, "s2");
    out.s1Users = s1.body.data.length;
    out.s2Users = s2.body.data.length;
    await page.click("#reload");
    await page.waitForSelector("#reload-result p");
    out.reload = await page.textContent("#reload-result");
    await page.screenshot({ path: path.join(shots, "console-scenarios.png"), fullPage: false });

    // 4. Coverage: a missing behaviour, exercised by one click.
    await callAPI(RANGE, "cov");
    await page.click('#tabs a[data-view="coverage"]');
    await page.fill("#cov-session", "cov");
    await page.click("#coverage-form button");
    await page.waitForSelector('tr[data-behaviour="invalid:format"].missing');
    out.missingBefore = true;
    await page.click('tr[data-behaviour="invalid:format"] button.exercise');
    await page.waitForSelector('tr[data-behaviour="invalid:format"].exercised');
    out.exercised = await page.textContent('tr[data-behaviour="invalid:format"] td.num');
    out.exerciseSent = await page.textContent("#cov-last");
    await page.screenshot({ path: path.join(shots, "console-coverage.png") });

    // 5. Data: users filtered as the API filters, a conversation, charts.
    await page.click('#tabs a[data-view="data"]');
    await page.waitForSelector("#users-table tbody tr");
    await page.fill('#data-filters input[name="country"]', "GB");
    await page.waitForFunction(() => document.querySelector("#data-qs").textContent.includes("country=GB"));
    await page.waitForFunction(() => [...document.querySelectorAll("#users-table tbody tr")].every((r) => r.children[2].textContent === "GB"));
    out.dataQS = await page.textContent("#data-qs");
    out.dataPage = await page.textContent("#users-page");
    await page.click('#users-table tbody tr[data-id="user_12345"]');
    await page.waitForSelector("#chat .msg.bot");
    out.chat = await page.$$eval("#chat .msg", (ms) => ms.map((m) => (m.classList.contains("bot") ? "bot: " : "user: ") + m.querySelector(".bubble").textContent));
    await page.waitForSelector("#charts .chart-svg rect");
    out.charts = await page.$$eval("#charts .chart h3", (hs) => hs.map((x) => x.textContent));
    await page.screenshot({ path: path.join(shots, "console-data.png"), fullPage: true });
    process.stdout.write(JSON.stringify(out) + "\n");
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
