// Browser test of the portal: Chromium (Debian's, headless) through playwright-core,
// axe-core on every page (WCAG 2.1 A and AA: zero violations), the simulatore with a
// wrong field corrected, signing in (by keyboard too), "Le mie DSU" as the declarant
// and as another member, the attestation's PDF read back with pdftotext, another
// family's DSU refused, the DSU wizard (a wrong field, a lost session, the draft
// resumed, filed; by keyboard only too), the CAF under a mandate. BASE is the running `isee demo`, CHIAVE its API key and
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

// Presses Tab until the element with `id` has the focus (at most 80 times).
async function tabFino(page, id) {
  for (let i = 0; i < 80 && await page.evaluate(() => document.activeElement?.id) !== id; i++) {
    await page.keyboard.press('Tab');
  }
  return await page.evaluate(() => document.activeElement?.id) === id;
}

// Signs `nome` in with `password` on a fresh /accedi page.
async function accedi(page, nome, password) {
  await page.goto(`${BASE}/accedi`);
  await page.fill('#nome', nome);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}

// Submits the wizard's step with "Salva e continua"; the answer's status.
async function avanti(page) {
  const [r] = await Promise.all([page.waitForNavigation(), page.click('main button[value=avanti]')]);
  return r.status();
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
  r = await page.goto(`${BASE}/i-miei-mandati`);
  verifica(r.status() === 200 && (await page.textContent('h1')).includes('I miei mandati'), 'i miei mandati ai CAF');
  await axe(page, 'i miei mandati');
  await page.goto(`${BASE}/area-personale`);

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


  // Compila la DSU: a wrong field corrected, the session lost and the draft resumed,
  // every step checked with axe, signed and filed; the attestation follows.
  await Promise.all([page.waitForNavigation(), page.click('nav a[href="/compila"]')]);
  verifica(page.url().endsWith('/compila'), 'menu: Compila la DSU');
  await axe(page, 'compila: le bozze');
  await Promise.all([page.waitForNavigation(), page.click('main form[action="/compila/nuova"] button')]);
  const bozza = page.url().match(/\/compila\/(\d+)\/nucleo$/);
  verifica(bozza !== null, `nuova bozza (${page.url()})`);
  verifica((await page.inputValue('#c0_cf')).length === 16, 'il codice fiscale del dichiarante è già scritto');
  const nascita = await page.inputValue('#c0_nascita');
  verifica(/^\d\d\/\d\d\/\d{4}$/.test(nascita), `la data di nascita dal codice fiscale (${nascita})`);
  await page.fill('#comune', 'H501');
  await page.fill('#c0_cognome', 'Demo');
  await page.fill('#c0_nome', 'Dichiarante');
  await page.fill('#c0_nascita', '31/02/1985');
  verifica(await avanti(page) === 422, 'nucleo con una data sbagliata: 422');
  verifica(await page.locator('#c0_nascita-errore').isVisible(), 'l\'errore accanto alla data');
  verifica(await page.inputValue('#c0_cognome') === 'Demo', 'i valori restano');
  await axe(page, 'compila: nucleo con errori');
  await schermata(page, 'compila-errori');
  await page.fill('#c0_nascita', nascita);
  verifica(await avanti(page) === 200 && page.url().endsWith('/redditi'), 'nucleo corretto: i redditi');
  await axe(page, 'compila: redditi');
  await page.fill('#c0_mesi', '12');
  await page.fill('#c0_dipendente', '21.500');
  verifica(await avanti(page) === 200 && page.url().endsWith('/patrimonio'), 'redditi: il patrimonio');
  // The session is lost (cookies gone): signing in again, the draft is where it was.
  await contesto.clearCookies();
  await page.goto(`${BASE}/compila`);
  verifica(page.url().endsWith('/accedi'), 'sessione persa: si chiede di accedere');
  await accedi(page, 'dichiarante', process.env.PASSWORD_DICHIARANTE);
  await page.goto(`${BASE}/compila`);
  const riprendi = page.locator(`a[href="/compila/${bozza[1]}/patrimonio"]`);
  verifica(await riprendi.count() === 1, 'la bozza si riprende dal passo raggiunto');
  await Promise.all([page.waitForNavigation(), riprendi.click()]);
  await page.goto(`${BASE}/compila/${bozza[1]}/redditi`);
  verifica(await page.inputValue('#c0_dipendente') === '21.500', 'la bozza conserva i redditi scritti');
  await page.goto(`${BASE}/compila/${bozza[1]}/patrimonio`);
  await axe(page, 'compila: patrimonio');
  await page.fill('#c0_saldo', '5.000');
  await page.fill('#c0_giacenza', '4.000');
  verifica(await avanti(page) === 200 && page.url().endsWith('/casa'), 'patrimonio: la casa');
  await axe(page, 'compila: casa');
  await page.selectOption('#titolo', 'locazione');
  await page.fill('#canone', '6.000');
  verifica(await avanti(page) === 200 && page.url().endsWith('/riepilogo'), 'casa: il riepilogo');
  const stima = (await page.textContent('#titolo-isee')).split(':')[1].trim();
  verifica(stima.endsWith('€'), `il riepilogo mostra l'ISEE (${stima})`);
  await axe(page, 'compila: riepilogo');
  await schermata(page, 'compila-riepilogo');
  const [senzaFirma] = await Promise.all([page.waitForNavigation(), page.click('main form[action$="/presenta"] button')]);
  verifica(senzaFirma.status() === 422 && await page.locator('#dichiaro-errore').isVisible(), 'senza la firma: 422 e l\'errore');
  await axe(page, 'compila: riepilogo senza firma');
  await page.click('label[for=dichiaro]');
  await Promise.all([page.waitForNavigation(), page.click('main form[action$="/presenta"] button')]);
  verifica(/\/le-mie-dsu\/INPS-ISEE-/.test(page.url()) && (await page.textContent('h1')).includes('Attestazione ISEE'), `DSU presentata: l'attestazione (${page.url()})`);
  verifica((await page.textContent('main')).includes(stima.replace(' €', '')), `l'attestazione ha l'ISEE del riepilogo (${stima})`);
  // "Rettifica la DSU": a draft with the DSU's data, from its first step.
  await Promise.all([page.waitForNavigation(), page.click('main form[action$="/rettifica"] button')]);
  verifica(/\/compila\/\d+\/nucleo$/.test(page.url()), `rettifica: la bozza al primo passo (${page.url()})`);
  verifica((await page.inputValue('#c0_cf')).length === 16, 'rettifica: il nucleo della DSU già compilato');
  await axe(page, 'rettifica: nucleo');
  await page.goto(`${BASE}/compila`);
  verifica((await page.textContent('main')).includes('Rettifica della DSU'), 'rettifica: la bozza nell\'elenco');
  await page.goto(`${BASE}/compila`);
  verifica(await page.locator(`a[href^="/compila/${bozza[1]}/"]`).count() === 0, 'la bozza presentata non c\'è più');

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


  // The member files their own DSU by keyboard only.
  await page.goto(`${BASE}/compila`);
  verifica(await tabFino(page, 'nuova'), 'tastiera: «Inizia una nuova DSU» si raggiunge con Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(page.url().endsWith('/nucleo'), 'tastiera: la nuova bozza');
  verifica(await tabFino(page, 'comune'), 'tastiera: il comune');
  await page.keyboard.type('H501');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Demo');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Componente');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(page.url().endsWith('/redditi'), `tastiera: i redditi (${page.url()})`);
  verifica(await tabFino(page, 'c0_mesi'), 'tastiera: i mesi di lavoro');
  await page.keyboard.type('12');
  await page.keyboard.press('Tab');
  await page.keyboard.type('15000');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(await tabFino(page, 'c0_saldo'), 'tastiera: il patrimonio');
  await page.keyboard.type('1000');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(await tabFino(page, 'canone'), 'tastiera: la casa');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(page.url().endsWith('/riepilogo'), `tastiera: il riepilogo (${page.url()})`);
  verifica(await tabFino(page, 'dichiaro'), 'tastiera: la dichiarazione');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  verifica(/\/le-mie-dsu\/INPS-ISEE-/.test(page.url()), `tastiera: DSU presentata (${page.url()})`);

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

  // The CAF files for a declarant only under a mandate.
  await page.goto(`${BASE}/compila`);
  await Promise.all([page.waitForNavigation(), page.click('main form[action="/compila/nuova"] button')]);
  await page.fill('#comune', 'H199');
  await page.fill('#c0_cognome', 'Rossi');
  await page.fill('#c0_nome', 'Mario');
  await page.fill('#c0_cf', 'RSSMRA85M01H199H');
  await page.fill('#c0_nascita', '01/08/1985');
  verifica(await avanti(page) === 200, 'CAF: nucleo');
  await page.fill('#c0_dipendente', '30000');
  await avanti(page);
  await avanti(page);
  await avanti(page);
  verifica(page.url().endsWith('/riepilogo'), `CAF: riepilogo (${page.url()})`);
  const bozzaCaf = page.url();
  verifica((await page.textContent('#impedimento')).includes('non ha dato mandato'), 'CAF senza mandato: la DSU non si presenta');
  verifica(await page.locator('#dichiaro').count() === 0, 'CAF senza mandato: nessuna firma');
  await axe(page, 'CAF: riepilogo senza mandato');
  await Promise.all([page.waitForNavigation(), page.click('nav a[href="/caf"]')]);
  await axe(page, 'CAF: le DSU del CAF');
  await page.goto(`${BASE}/caf/resoconto`);
  const primaDelCaf = Number((await page.textContent('tfoot td')).trim());
  await page.goto(`${BASE}/caf/mandati`);
  await page.fill('#cf', 'RSSMRA85M01H199X');
  await page.fill('#scadenza', '01/01/2001');
  const [mandatoSbagliato] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica(mandatoSbagliato.status() === 422 && await page.locator('#cf-errore').isVisible() && await page.locator('#scadenza-errore').isVisible(), 'mandato sbagliato: ogni errore al suo campo');
  await axe(page, 'CAF: mandato con errori');
  await page.fill('#cf', 'RSSMRA85M01H199H');
  await page.fill('#scadenza', '31/12/2099');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  verifica((await page.textContent('main')).includes('Mandato registrato'), 'CAF: mandato registrato');
  await axe(page, 'CAF: mandati');
  await page.goto(bozzaCaf);
  await page.click('label[for=dichiaro]');
  await Promise.all([page.waitForNavigation(), page.click('main form[action$="/presenta"] button')]);
  const daCaf = page.url().match(/\/caf\/dsu\/(INPS-ISEE-[^?]+)/);
  verifica(daCaf !== null, `CAF con mandato: DSU presentata (${page.url()})`);
  await axe(page, 'CAF: attestazione');
  await page.goto(`${BASE}/caf`);
  verifica(daCaf && await page.locator(`a[href="/caf/dsu/${daCaf[1]}"]`).count() === 1, 'CAF: la DSU nell\'elenco del mese');
  await page.goto(`${BASE}/caf/resoconto`);
  const dopoDelCaf = Number((await page.textContent('tfoot td')).trim());
  verifica(dopoDelCaf === primaDelCaf + 1, `CAF: il resoconto del mese conta la DSU (${primaDelCaf} → ${dopoDelCaf})`);
  await axe(page, 'CAF: resoconto mensile');
  await schermata(page, 'caf-resoconto');
  verifica(errori.length === 0, `console senza errori (${errori.join(' | ')})`);
} finally {
  await browser.close();
}
if (falliti > 0) { console.log(`${falliti} verifiche fallite`); process.exit(1); }
console.log('e2e: tutto bene');
