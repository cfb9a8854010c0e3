// A page on another origin tries odmock's API and its admin paths, in
// headless Chromium (Debian's, through playwright-core), and prints what
// each attempt got as JSON: the API must answer it (CORS), /__odmock/
// must neither answer nor obey it.
//
//   NODE_PATH=<dir with playwright-core> node other-origin.cjs PAGE_URL ODMOCK_URL USER_DATA_DIR
//
// Run by cmd/odmock/browser_test.go, which checks the output and that
// odmock's state did not change.
"use strict";

const { chromium } = require("playwright-core");

async function main() {
  const [pageURL, api, userDataDir] = process.argv.slice(2);
  if (!userDataDir) throw new Error("usage: other-origin.cjs PAGE_URL ODMOCK_URL USER_DATA_DIR");
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    await page.goto(pageURL);
    const results = await page.evaluate(async (api) => {
      // What one fetch got: its status, or "blocked" when the browser
      // would not let the page read it, or "opaque" for a no-cors send.
      const attempt = async (path, init) => {
        try {
          const r = await fetch(api + path, init);
          if (r.type === "opaque") return "opaque";
          return String(r.status) + " " + (await r.text()).slice(0, 40);
        } catch (e) {
          return "blocked";
        }
      };
      const week = "from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59";
      const json = { "Content-Type": "application/json" };
      return {
        api: await attempt("/public/api/user-interactions?" + week, { headers: { Authorization: "Bearer odmock-dev-token" } }),
        readJournal: await attempt("/__odmock/journal"),
        readCoverage: await attempt("/__odmock/coverage"),
        readScenario: await attempt("/__odmock/scenario?session=victim"),
        clearJournal: await attempt("/__odmock/journal", { method: "DELETE" }),
        clearCoverage: await attempt("/__odmock/coverage", { method: "DELETE" }),
        switchScenario: await attempt("/__odmock/scenario", { method: "PUT", headers: json, body: '{"name":"","session":"victim"}' }),
        // Simple requests: sent without a preflight, their answers unread.
        resetNoCors: await attempt("/__odmock/reset", { method: "POST", mode: "no-cors" }),
        resetForm: await attempt("/__odmock/reset?session=victim", { method: "POST", mode: "no-cors",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "a=1" }),
        reloadText: await attempt("/__odmock/reload", { method: "POST", mode: "no-cors",
          headers: { "Content-Type": "text/plain" }, body: "{}" }),
        journalNoCors: await attempt("/__odmock/journal", { mode: "no-cors" }),
      };
    }, api);
    process.stdout.write(JSON.stringify(results) + "\n");
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
