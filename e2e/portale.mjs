// Browser test of the portal: Chromium (Debian's, headless) through playwright-core,
// axe-core on every page (WCAG 2.1 A and AA: zero violations), the simulatore with a
// wrong field corrected, signing in (by keyboard too), "Le mie DSU" as the declarant
// and as another member, the attestation's PDF read back with pdftotext, another
// family's DSU refused. BASE is the running `isee demo`, CHIAVE its API key and
// PASSWORD_* its accounts' passwords (scripts/e2e.sh).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

  // The password reset pages: the request (the same answer for any name) and a link
  // that is not valid, with mismatched passwords.
  r = await page.goto(`${BASE}/password-dimenticata`);
  verifica(r.status() === 200, 'password dimenticata 200');
  await axe(page, 'password dimenticata');
  await page.fill('main input[name=nome]', 'dichiarante');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  await axe(page, 'password dimenticata: richiesta inviata');
  r = await page.goto(`${BASE}/reimposta-password?t=non-valido`);
  verifica(r.status() === 200, 'reimposta password 200');
  await axe(page, 'reimposta password');
  await page.fill('main input[name=password]', 'una password lunga e nuova');
  await page.fill('main input[name=conferma]', 'un\'altra password lunga');
  const [diverse] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica(diverse.status() === 422, `reimposta con password diverse: 422 (${diverse.status()})`);
  verifica((await page.textContent('main')).includes('non coincidono'), 'password diverse, in italiano');
  await axe(page, 'reimposta password con errori');

  // Signing in: a wrong password, then the declarant.
  r = await page.goto(`${BASE}/accedi`);
  verifica(r.status() === 200, 'accedi 200');
  await axe(page, 'accedi');
  await page.fill('#nome', 'dichiarante');
  await page.fill('#password', 'sbagliata');
  const [sbagliata] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica(sbagliata.status() === 422, `password sbagliata: 422 (${sbagliata.status()})`);
  verifica((await page.textContent('#errore-accesso')).includes('Nome utente o password non corretti'), 'accesso rifiutato, in italiano');
  verifica(await page.inputValue('#nome') === 'dichiarante', 'nome utente conservato');
  await axe(page, 'accesso rifiutato');
  await page.fill('#password', process.env.PASSWORD_DICHIARANTE);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica(page.url().endsWith('/area-personale'), `accesso: area personale (${page.url()})`);
  await axe(page, 'area personale');

  await Promise.all([page.waitForNavigation(), page.click('nav a[href="/le-mie-dsu"]')]);
  verifica(page.url().endsWith('/le-mie-dsu'), 'menu: Le mie DSU');
  const righe = page.locator('main table tbody tr');
  verifica(await righe.count() >= 1, `le mie DSU: ${await righe.count()} righe`);
  verifica((await righe.first().textContent()).includes('Dichiarante'), 'il ruolo: dichiarante');
  const iseeElenco = (await righe.first().locator('td').nth(5).textContent()).trim();
  await axe(page, 'le mie DSU');
  await schermata(page, 'le-mie-dsu');
  const link = righe.first().locator('a');
  const protocollo = (await link.textContent()).trim();
  await Promise.all([page.waitForNavigation(), link.click()]);
  verifica((await page.textContent('h1')).includes('Attestazione ISEE'), `attestazione ${protocollo}`);
  verifica((await page.textContent('main')).includes('Dati dichiarati'), 'il dichiarante vede i dati dichiarati');
  verifica((await page.textContent('main')).includes(iseeElenco.replace(' €', '')), `l'ISEE dell'elenco (${iseeElenco}) nell'attestazione`);
  const dettaglio = page.locator('details').first();
  await dettaglio.locator('summary').click();
  verifica(await dettaglio.evaluate(d => d.open), '«Come è stato calcolato» si apre');
  await axe(page, 'attestazione');
  await schermata(page, 'attestazione');
  const [scaricato] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a[href$="/attestazione.pdf"]'),
  ]);
  const file = `${process.env.SCARICAMENTI}/attestazione.pdf`;
  await scaricato.saveAs(file);
  verifica(readFileSync(file).subarray(0, 5).toString() === '%PDF-', 'il file scaricato è un PDF');
  const testoPdf = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
  verifica(testoPdf.includes(protocollo) && testoPdf.includes(iseeElenco.replace(' €', '')), `il PDF porta il protocollo e l'ISEE ${iseeElenco}`);
  verifica(testoPdf.includes('Come è stato calcolato'), 'il PDF spiega il calcolo');
  const [ricevuta] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a[href$="/ricevuta.pdf"]'),
  ]);
  const fileRicevuta = `${process.env.SCARICAMENTI}/ricevuta.pdf`;
  await ricevuta.saveAs(fileRicevuta);
  const testoRicevuta = execFileSync('pdftotext', ['-enc', 'UTF-8', fileRicevuta, '-']).toString();
  verifica(testoRicevuta.includes('Ricevuta di presentazione della DSU') && testoRicevuta.includes(protocollo), 'la ricevuta della DSU in PDF');

  // Signing out: the session ends.
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/esci"] button')]);
  r = await page.goto(`${BASE}/le-mie-dsu`);
  verifica(page.url().endsWith('/accedi'), 'dopo l\'uscita, Le mie DSU chiede di accedere');

  // Another member of the same nucleus, signing in by keyboard only: the attestation,
  // not the DSU's data.
  await page.goto(`${BASE}/accedi`);
  for (let i = 0; i < 40 && await page.evaluate(() => document.activeElement?.id) !== 'nome'; i++) {
    await page.keyboard.press('Tab');
  }
  verifica(await page.evaluate(() => document.activeElement?.id) === 'nome', 'tastiera: il campo del nome si raggiunge con Tab');
  await page.keyboard.type('componente');
  await page.keyboard.press('Tab');
  await page.keyboard.type(process.env.PASSWORD_COMPONENTE);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(page.url().endsWith('/area-personale'), 'tastiera: accesso con Invio');
  r = await page.goto(`${BASE}/le-mie-dsu/${protocollo}`);
  verifica(r.status() === 200, 'il componente vede l\'attestazione');
  verifica((await page.textContent('main')).includes('Componente del nucleo'), 'il ruolo: componente');
  verifica(!(await page.textContent('main')).includes('Dati dichiarati'), 'il componente non vede i dati della DSU');
  verifica(await page.locator('a[href$="/ricevuta.pdf"]').count() === 0, 'il componente non ha la ricevuta');
  await axe(page, 'attestazione vista da un componente');

  // Another family's DSU, its protocol taken from the register's API: the 404 page.
  const estranei = [];
  for (const pm of ['DEMO-000000', 'DEMO-000001', 'DEMO-000002']) {
    const risposta = await contesto.request.get(`${BASE}/api/v1/dsu?protocollo_mittente=${pm}`, {
      headers: { Authorization: `Bearer ${process.env.CHIAVE}` },
    });
    for (const d of await risposta.json()) { if (d.protocollo !== protocollo) estranei.push(d.protocollo); }
  }
  verifica(estranei.length >= 1, `protocolli di altre famiglie: ${estranei.length}`);
  r = await page.goto(`${BASE}/le-mie-dsu/${estranei[0]}`);
  verifica(r.status() === 404, `la DSU di un'altra famiglia: 404 (${r.status()})`);
  verifica(!(await page.textContent('main')).includes(estranei[0]), 'nessun dato dell\'altra famiglia');
  r = await page.goto(`${BASE}/le-mie-dsu/${estranei[0]}/attestazione.pdf`).catch(e => e);
  verifica(r && r.status && r.status() === 404, 'il PDF di un\'altra famiglia: 404');

  // A CAF operator's account has no "Le mie DSU".
  await page.goto(`${BASE}/accedi`);
  await page.fill('#nome', 'operatore.caf');
  await page.fill('#password', process.env.PASSWORD_OPERATORE);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica(await page.locator('nav a[href="/le-mie-dsu"]').count() === 0, 'operatore CAF: nessuna voce Le mie DSU');
  r = await page.goto(`${BASE}/le-mie-dsu`);
  verifica(r.status() === 403, `operatore CAF su Le mie DSU: 403 (${r.status()})`);
  await axe(page, 'le mie DSU senza codice fiscale');
  verifica(errori.length === 0, `console senza errori (${errori.join(' | ')})`);
} finally {
  await browser.close();
}
if (falliti > 0) { console.log(`${falliti} verifiche fallite`); process.exit(1); }
console.log('e2e: tutto bene');
