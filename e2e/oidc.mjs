// Browser test of the OpenID Connect sign-in (scripts/e2e.sh): Chromium clicks the
// login page's "Entra con SPID o CIE", goes through the local provider
// (isee-prova's example `provider_oidc`) and comes back signed in as the citizen whose
// fiscal code the provider gave, "Le mie DSU" open; no error in the console (a CSP
// refusal of the redirect included); axe-core on the login page with the button.
// BASE is a running `isee serve --oidc` (scripts/e2e.sh).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const BASE = process.env.BASE;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let falliti = 0;
const verifica = (cond, msg) => {
  if (cond) { console.log(`ok   ${msg}`); } else { falliti++; console.log(`FAIL ${msg}`); }
};

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const contesto = await browser.newContext();
const page = await contesto.newPage();
const errori = [];
// As in portale.mjs: Chromium's "Failed to load resource" also reports the deliberate
// 400 page; failed subresources are caught by their response.
page.on('console', (m) => {
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errori.push(m.text());
});
page.on('response', (r) => {
  if (r.status() >= 400 && r.request().resourceType() !== 'document') errori.push(`${r.status()} ${r.url()}`);
});
page.on('pageerror', (e) => errori.push(String(e)));

await page.goto(`${BASE}/accedi`);
verifica(await page.isVisible('#accedi-oidc'), 'the OpenID Connect button on /accedi');
const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
verifica(axe.violations.length === 0, `axe on /accedi with the button: ${axe.violations.map((v) => v.id).join(', ')}`);
await Promise.all([page.waitForURL(`${BASE}/area-personale`), page.click('#accedi-oidc')]);
verifica((await page.textContent('main')).includes('Mario Rossi'), 'signed in as the provider\'s citizen');
await page.goto(`${BASE}/le-mie-dsu`);
verifica(page.url() === `${BASE}/le-mie-dsu` && (await page.textContent('h1')).includes('DSU'), '"Le mie DSU" open');
// The callback again: the state was used.
await page.goBack();
const risposta = await page.goto(`${BASE}/accedi/oidc/ritorno?state=${'0'.repeat(64)}&code=x`);
verifica(risposta.status() === 400, `an unknown state refused (${risposta.status()})`);
verifica(errori.length === 0, `no console error: ${errori.join(' | ')}`);
await browser.close();
if (falliti > 0) { console.log(`${falliti} controlli falliti`); process.exit(1); }
console.log('oidc: tutti i controlli superati');
