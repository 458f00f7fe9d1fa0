// Browser test of the portal: Chromium (Debian's, headless) through playwright-core,
// axe-core on every page (WCAG 2.1 A and AA: zero violations), the simulatore with a
// wrong field corrected. BASE is the running `isee serve` (scripts/e2e.sh).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const BASE = process.env.BASE;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// SCHERMATE=docs/schermate writes a full-page screenshot of each main page there.
const SCHERMATE = process.env.SCHERMATE;
let falliti = 0;
const verifica = (cond, msg) => {
  if (cond) { console.log(`ok   ${msg}`); } else { falliti++; console.log(`FAIL ${msg}`); }
};

async function schermata(page, file) {
  if (SCHERMATE) { await page.screenshot({ path: `${SCHERMATE}/${file}.png`, fullPage: true }); }
}

async function axe(page, nome) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of r.violations) {
    console.log(`  axe ${nome}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
  }
  verifica(r.violations.length === 0, `${nome}: nessuna violazione WCAG 2.1 A/AA (${r.violations.length})`);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
try {
  const contesto = await browser.newContext();
  const page = await contesto.newPage();
  const errori = [];
  // Console errors, except Chromium's "Failed to load resource" line, which also
  // reports the deliberate 404 and 422 pages: failed subresources are caught below.
  page.on('console', m => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errori.push(m.text());
  });
  page.on('response', r => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') errori.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', e => errori.push(e.message));

  let r = await page.goto(`${BASE}/`);
  verifica(r.status() === 200, 'home 200');
  verifica((r.headers()['content-security-policy'] || '').includes("script-src 'self'"), 'home con CSP');
  await axe(page, 'home');
  await schermata(page, 'home');

  r = await page.goto(`${BASE}/accessibilita`);
  verifica(r.status() === 200, 'accessibilità 200');
  await axe(page, 'accessibilità');

  r = await page.goto(`${BASE}/pagina-che-non-esiste`);
  verifica(r.status() === 404, 'pagina inesistente 404');
  await axe(page, 'pagina non trovata');

  r = await page.goto(`${BASE}/simulatore`);
  verifica(r.status() === 200, 'simulatore 200');
  await axe(page, 'simulatore vuoto');
  verifica(await page.locator('form input[type=hidden][name=csrf]').count() >= 1, 'il modulo porta il token CSRF');

  // A form without its CSRF token (as a forged cross-site post would be): the 403 page.
  await page.evaluate(() => document.querySelectorAll('input[name=csrf]').forEach(e => e.remove()));
  const [rifiuto] = await Promise.all([
    page.waitForNavigation(),
    page.click('button[value=calcola]'),
  ]);
  verifica(rifiuto.status() === 403, `senza token CSRF: 403 (${rifiuto.status()})`);
  verifica((await page.textContent('main')).includes('La richiesta non è valida o è scaduta'), 'pagina di rifiuto in italiano');
  await axe(page, 'richiesta rifiutata');
  r = await page.goto(`${BASE}/simulatore`);

  await page.fill('#c0_nascita', '01/08/1985');
  await page.fill('#c0_mesi', '12');
  await page.fill('#c0_dipendente', '28,500.50');   // wrong on purpose
  await page.fill('#c0_saldo', '12.000');
  await page.click('button[value=aggiungi]');
  verifica(await page.locator('#c1_nascita').count() === 1, 'aggiungi componente: una riga in più');
  verifica(await page.inputValue('#c0_dipendente') === '28,500.50', 'aggiungi componente: valori conservati');
  await page.fill('#c1_nascita', '10/09/2015');
  await page.click('button[value=calcola]');
  verifica(await page.locator('#riepilogo a[href="#c0_dipendente"]').count() === 1, 'riepilogo con il link al campo sbagliato');
  verifica(await page.locator('#c0_dipendente-errore').isVisible(), 'errore accanto al campo');
  verifica(await page.inputValue('#c1_nascita') === '10/09/2015', 'valori conservati dopo l\'errore');
  await axe(page, 'simulatore con errori');
  await schermata(page, 'simulatore-errori');

  await page.fill('#c0_dipendente', '28.500,50');
  await page.click('button[value=calcola]');
  const titolo = await page.locator('#titolo-risultato').textContent();
  verifica(/ISEE ordinario: [0-9.]+,[0-9]{2} €/.test(titolo || ''), `risultato: ${titolo}`);
  verifica(await page.locator('table tbody tr').count() > 5, 'il calcolo passo per passo');
  await axe(page, 'simulatore con risultato');
  await schermata(page, 'simulatore-risultato');
  verifica(errori.length === 0, `console senza errori (${errori.join(' | ')})`);
} finally {
  await browser.close();
}
if (falliti > 0) { console.log(`${falliti} verifiche fallite`); process.exit(1); }
console.log('e2e: tutto bene');
