// Drives index.html in headless Chromium (Debian's, through playwright-core;
// no browser download) and prints what the page shows as JSON.
//
//   NODE_PATH=<dir with playwright-core> node drive.cjs PAGE_URL SCREENSHOT USER_DATA_DIR
//
// Run by cmd/odmock/browser_test.go, which checks the output.
"use strict";

const { chromium } = require("playwright-core");

async function main() {
  const [pageURL, screenshot, userDataDir] = process.argv.slice(2);
  if (!userDataDir) throw new Error("usage: drive.cjs PAGE_URL SCREENSHOT USER_DATA_DIR");
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // The machine has no outside network: nothing that calls home.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1000, height: 640 },
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(15000);
    const consoleErrors = [];
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.goto(pageURL);

    // 1. The form's query: the page's example day and scenario.
    await page.click("#load");
    await page.waitForSelector(".user, #error:not([hidden])");
    if (await page.isVisible("#error")) {
      throw new Error("the page shows an error instead of users: " + (await page.textContent("#error")) +
        "; console: " + consoleErrors.join(" | "));
    }
    const users = await page.$$eval(".user", (cards) => cards.map((c) => ({
      id: c.id.replace(/^user-/, ""),
      heading: c.querySelector("h2").textContent,
      texts: [...c.querySelectorAll(".interaction .text")].map((t) => t.textContent),
    })));
    const status = await page.textContent("#status");

    // 2. A typo in a date: the API's 422, shown to the user.
    await page.fill("#to", "2024-01-15");
    await page.click("#load");
    await page.waitForSelector("#error:not([hidden])");
    const error = {
      status: await page.textContent("#error-status"),
      message: await page.textContent("#error-message"),
      fields: await page.$$eval(".field-error", (li) => li.map((e) => e.textContent)),
    };
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(JSON.stringify({ users, status, error, consoleErrors }) + "\n");
  } finally {
    await ctx.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
