//! The attestation as a PDF, written in-process (no browser) with `krilla`: A4,
//! multi-page with page numbers, DejaVu Sans embedded and subset (from the `dejavu`
//! crate), text extractable (every glyph maps back to its character), and PDF/A-2b
//! (krilla's validator refuses to write a file that breaks it). The figures are the
//! HTML page's: the same line table, the same Italian formatting (`isee_core::report`).

use crate::{Intestazione, passi_per_riga, relazione, righe, titolo};
use chrono::NaiveDate;
use isee_core::attestazione::{Attestazione, EsitoIndicatore};
use isee_core::dsu::Dsu;
use isee_core::report::numero;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::sync::OnceLock;

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ErrorePdf {
    #[error("carattere non caricabile: {0}")]
    Carattere(&'static str),
    #[error("scrittura del PDF non riuscita: {0}")]
    Scrittura(String),
}

const LARGHEZZA: f32 = 595.28;
const ALTEZZA: f32 = 841.89;
const MARGINE: f32 = 50.0;
const ALTO: f32 = 56.0;
const BASSO: f32 = 64.0;

struct Carattere {
    font: Font,
    rif: skrifa::FontRef<'static>,
    upem: f32,
}

struct Caratteri {
    normale: Carattere,
    grassetto: Carattere,
}

fn carattere(dati: &'static [u8], nome: &'static str) -> Result<Carattere, ErrorePdf> {
    let font = Font::new(dati.into(), 0).ok_or(ErrorePdf::Carattere(nome))?;
    let rif = skrifa::FontRef::new(dati).map_err(|_| ErrorePdf::Carattere(nome))?;
    let upem = font.units_per_em();
    Ok(Carattere { font, rif, upem })
}

fn caratteri() -> Result<&'static Caratteri, ErrorePdf> {
    static C: OnceLock<Result<Caratteri, ErrorePdf>> = OnceLock::new();
    C.get_or_init(|| {
        Ok(Caratteri {
            normale: carattere(dejavu::sans::regular(), "DejaVu Sans")?,
            grassetto: carattere(dejavu::sans::bold(), "DejaVu Sans Bold")?,
        })
    })
    .as_ref()
    .map_err(|e| match e {
        ErrorePdf::Carattere(n) => ErrorePdf::Carattere(n),
        ErrorePdf::Scrittura(s) => ErrorePdf::Scrittura(s.clone()),
    })
}

impl Carattere {
    /// Glyphs of `s` (characters the font lacks become `?`), widths in em.
    fn glifi(&self, s: &str) -> (String, Vec<KrillaGlyph>) {
        let cmap = self.rif.charmap();
        let metriche = self
            .rif
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        let testo: String = s
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| if cmap.map(c).is_some() { c } else { '?' })
            .collect();
        let glifi = testo
            .char_indices()
            .map(|(i, c)| {
                let g = cmap.map(c).unwrap_or_default();
                KrillaGlyph {
                    glyph_id: GlyphId::new(g.to_u32()),
                    text_range: i..i + c.len_utf8(),
                    x_advance: metriche.advance_width(g).unwrap_or(0.0) / self.upem,
                    x_offset: 0.0,
                    y_offset: 0.0,
                    y_advance: 0.0,
                    location: None,
                }
            })
            .collect();
        (testo, glifi)
    }

    fn larghezza(&self, s: &str, corpo: f32) -> f32 {
        self.glifi(s).1.iter().map(|g| g.x_advance).sum::<f32>() * corpo
    }

    /// Splits `s` into lines no wider than `w`.
    fn a_capo(&self, s: &str, corpo: f32, w: f32) -> Vec<String> {
        let mut righe = Vec::new();
        let mut cur = String::new();
        for parola in s.split(' ') {
            let prova = if cur.is_empty() {
                parola.to_string()
            } else {
                format!("{cur} {parola}")
            };
            if self.larghezza(&prova, corpo) <= w || cur.is_empty() {
                cur = prova;
            } else {
                righe.push(std::mem::take(&mut cur));
                cur = parola.to_string();
            }
        }
        righe.push(cur);
        righe
    }
}

enum Op {
    Testo {
        x: f32,
        y: f32,
        grassetto: bool,
        corpo: f32,
        testo: String,
        colore: (u8, u8, u8),
    },
    Fascia {
        y: f32,
        h: f32,
        colore: (u8, u8, u8),
    },
}

struct Impaginato {
    c: &'static Caratteri,
    pagine: Vec<Vec<Op>>,
    y: f32,
}

impl Impaginato {
    fn new(c: &'static Caratteri) -> Impaginato {
        Impaginato {
            c,
            pagine: vec![Vec::new()],
            y: ALTO,
        }
    }

    fn spazio(&mut self, h: f32) {
        if self.y + h > ALTEZZA - BASSO {
            self.pagine.push(Vec::new());
            self.y = ALTO;
        }
    }

    fn op(&mut self, op: Op) {
        if let Some(p) = self.pagine.last_mut() {
            p.push(op);
        }
    }

    fn car(&self, grassetto: bool) -> &'static Carattere {
        if grassetto {
            &self.c.grassetto
        } else {
            &self.c.normale
        }
    }

    fn paragrafo(&mut self, s: &str, grassetto: bool, corpo: f32, rientro: f32) {
        let w = LARGHEZZA - 2.0 * MARGINE - rientro;
        for riga in self.car(grassetto).a_capo(s, corpo, w) {
            self.spazio(corpo * 1.35);
            self.y += corpo * 1.35;
            self.op(Op::Testo {
                x: MARGINE + rientro,
                y: self.y,
                grassetto,
                corpo,
                testo: riga,
                colore: (17, 17, 17),
            });
        }
    }

    fn sezione(&mut self, s: &str) {
        self.spazio(60.0);
        self.y += 14.0;
        self.op(Op::Fascia {
            y: self.y,
            h: 20.0,
            colore: (238, 243, 250),
        });
        self.y += 14.5;
        let y = self.y;
        self.op(Op::Testo {
            x: MARGINE + 4.0,
            y,
            grassetto: true,
            corpo: 11.5,
            testo: s.to_string(),
            colore: (0, 51, 102),
        });
        self.y += 8.0;
    }

    /// A table row: label on the left (wrapped), value right-aligned.
    fn riga(&mut self, etichetta: &str, valore: &str, grassetto: bool) {
        let corpo = 9.5;
        let w_val = 150.0;
        let righe =
            self.car(grassetto)
                .a_capo(etichetta, corpo, LARGHEZZA - 2.0 * MARGINE - w_val - 8.0);
        let h = righe.len() as f32 * corpo * 1.35 + 5.0;
        self.spazio(h);
        if grassetto {
            self.op(Op::Fascia {
                y: self.y,
                h,
                colore: (246, 246, 246),
            });
        }
        let base = self.y;
        for (i, r) in righe.into_iter().enumerate() {
            let y = base + (i as f32 + 1.0) * corpo * 1.35;
            self.op(Op::Testo {
                x: MARGINE + 4.0,
                y,
                grassetto,
                corpo,
                testo: r,
                colore: (17, 17, 17),
            });
        }
        let wv = self.car(grassetto).larghezza(valore, corpo);
        self.op(Op::Testo {
            x: LARGHEZZA - MARGINE - 4.0 - wv,
            y: base + corpo * 1.35,
            grassetto,
            corpo,
            testo: valore.to_string(),
            colore: (17, 17, 17),
        });
        self.y += h;
        self.op(Op::Fascia {
            y: self.y - 0.5,
            h: 0.5,
            colore: (187, 187, 187),
        });
    }

    fn scrivi(
        self,
        titolo_doc: &str,
        piede: &str,
        data: chrono::NaiveDate,
    ) -> Result<Vec<u8>, ErrorePdf> {
        use chrono::Datelike;
        let configurazione = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A2_B)
            .finish()
            .map_err(|e| ErrorePdf::Scrittura(format!("{e:?}")))?;
        let mut doc = Document::new_with(SerializeSettings {
            configuration: configurazione,
            ..Default::default()
        });
        doc.set_metadata(
            Metadata::new()
                .title(titolo_doc.to_string())
                .language("it".into())
                .creator("isee".into())
                .creation_date(
                    DateTime::new(data.year().clamp(0, 9999) as u16)
                        .month(data.month() as u8)
                        .day(data.day() as u8),
                ),
        );
        let n = self.pagine.len();
        for (i, ops) in self.pagine.into_iter().enumerate() {
            let impostazioni = PageSettings::from_wh(LARGHEZZA, ALTEZZA)
                .ok_or_else(|| ErrorePdf::Scrittura("formato A4".into()))?;
            let mut pagina = doc.start_page_with(impostazioni);
            let mut s = pagina.surface();
            let piede_ops = [
                Op::Fascia {
                    y: ALTEZZA - 44.0,
                    h: 0.5,
                    colore: (0, 102, 204),
                },
                Op::Testo {
                    x: MARGINE,
                    y: ALTEZZA - 32.0,
                    grassetto: false,
                    corpo: 8.0,
                    testo: piede.to_string(),
                    colore: (85, 85, 85),
                },
                Op::Testo {
                    x: LARGHEZZA
                        - MARGINE
                        - self
                            .c
                            .normale
                            .larghezza(&format!("Pagina {} di {n}", i + 1), 8.0),
                    y: ALTEZZA - 32.0,
                    grassetto: false,
                    corpo: 8.0,
                    testo: format!("Pagina {} di {n}", i + 1),
                    colore: (85, 85, 85),
                },
            ];
            for op in ops.iter().chain(piede_ops.iter()) {
                match op {
                    Op::Testo {
                        x,
                        y,
                        grassetto,
                        corpo,
                        testo,
                        colore,
                    } => {
                        let car = if *grassetto {
                            &self.c.grassetto
                        } else {
                            &self.c.normale
                        };
                        let (t, g) = car.glifi(testo);
                        s.set_fill(Some(Fill {
                            paint: rgb::Color::new(colore.0, colore.1, colore.2).into(),
                            ..Default::default()
                        }));
                        s.draw_glyphs(
                            Point::from_xy(*x, *y),
                            &g,
                            car.font.clone(),
                            &t,
                            *corpo,
                            false,
                        );
                    }
                    Op::Fascia { y, h, colore } => {
                        let mut pb = PathBuilder::new();
                        if let Some(r) = Rect::from_xywh(MARGINE, *y, LARGHEZZA - 2.0 * MARGINE, *h)
                        {
                            pb.push_rect(r);
                        }
                        if let Some(p) = pb.finish() {
                            s.set_fill(Some(Fill {
                                paint: rgb::Color::new(colore.0, colore.1, colore.2).into(),
                                ..Default::default()
                            }));
                            s.draw_path(&p);
                        }
                    }
                }
            }
            s.finish();
            pagina.finish();
        }
        doc.finish()
            .map_err(|e| ErrorePdf::Scrittura(format!("{e:?}")))
    }
}

/// The DSU's filing date as printed (the text as given when it is not a date).
fn presentazione(dsu: &Dsu) -> String {
    dsu.data_presentazione
        .get()
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|| dsu.data_presentazione.to_string())
}

/// The "Nucleo familiare" section: relation, name and fiscal code of each member.
fn nucleo(p: &mut Impaginato, dsu: &Dsu) {
    p.sezione("Nucleo familiare");
    for c in &dsu.componenti {
        let nome = format!(
            "{} {}",
            c.cognome.as_deref().unwrap_or(""),
            c.nome.as_deref().unwrap_or("")
        );
        p.riga(
            &format!("{} — {}", relazione(c.rapporto), nome.trim()),
            c.codice_fiscale.as_str(),
            false,
        );
    }
}

/// What the filing receipt prints besides the DSU (the register's row).
#[derive(Clone, Debug)]
pub struct DatiRicevuta<'a> {
    pub protocollo: &'a str,
    pub protocollo_mittente: Option<&'a str>,
    /// Who filed it (the CAF, the ente, the portal).
    pub mittente: &'a str,
    /// What the filing was ("Nuova DSU", "Rettifica della DSU …").
    pub operazione: &'a str,
    pub valida_dal: NaiveDate,
    pub valida_al: NaiveDate,
    /// The day the register recorded it.
    pub registrata_il: NaiveDate,
}

/// The DSU filing receipt as PDF/A-2b: the protocol that identifies the DSU, who filed
/// it and when, its validity and the nucleus (DPCM 159/2013 art. 10: the DSU is filed
/// with INPS, a CAF or the Comune, which issue its receipt).
pub fn ricevuta(dsu: &Dsu, r: &DatiRicevuta) -> Result<Vec<u8>, ErrorePdf> {
    let mut p = Impaginato::new(caratteri()?);
    p.paragrafo("Ricevuta di presentazione della DSU", true, 18.0, 0.0);
    p.paragrafo(
        "Dichiarazione Sostitutiva Unica ai fini ISEE (DPCM 5 dicembre 2013, n. 159, art. 10)",
        false,
        9.0,
        0.0,
    );
    p.y += 6.0;
    p.riga("Numero di protocollo DSU", r.protocollo, true);
    if let Some(x) = r.protocollo_mittente {
        p.riga("Protocollo mittente", x, false);
    }
    p.riga("Presentata tramite", r.mittente, false);
    p.riga("Operazione", r.operazione, false);
    p.riga("Data di presentazione", &presentazione(dsu), false);
    p.riga(
        "Data di registrazione",
        &r.registrata_il.format("%d/%m/%Y").to_string(),
        false,
    );
    p.riga(
        "Validità",
        &format!(
            "dal {} al {}",
            r.valida_dal.format("%d/%m/%Y"),
            r.valida_al.format("%d/%m/%Y")
        ),
        false,
    );
    if let Some(d) = dsu.dichiarante() {
        p.riga(
            "Codice fiscale del dichiarante",
            d.codice_fiscale.as_str(),
            false,
        );
    }
    nucleo(&mut p, dsu);
    p.y += 8.0;
    p.paragrafo(
        "Conservare questa ricevuta: il numero di protocollo identifica la DSU. L'attestazione ISEE è calcolata sulla base della DSU ed è consultabile da ogni componente del nucleo familiare; l'ente erogatore la acquisisce dal sistema informativo ISEE.",
        false,
        9.0,
        0.0,
    );
    let piede = format!("Ricevuta DSU · protocollo {}", r.protocollo);
    p.scrivi(
        "Ricevuta di presentazione della DSU",
        &piede,
        r.registrata_il,
    )
}

/// The attestation as PDF/A-2b: header, nucleus, every indicator with its lines,
/// omissioni/difformità, and the annex "Come è stato calcolato" (when the results
/// carry their trace: [`crate::attestazione_con_traccia`]).
pub fn attestazione(
    dsu: &Dsu,
    att: &Attestazione,
    int: &Intestazione,
) -> Result<Vec<u8>, ErrorePdf> {
    let mut p = Impaginato::new(caratteri()?);
    p.paragrafo("Attestazione ISEE", true, 18.0, 0.0);
    p.paragrafo(
        "Indicatore della situazione economica equivalente (DPCM 5 dicembre 2013, n. 159)",
        false,
        9.0,
        0.0,
    );
    p.y += 6.0;
    if let Some(x) = int.protocollo {
        p.riga("Numero di protocollo DSU", x, false);
    }
    if let Some(x) = int.protocollo_mittente {
        p.riga("Protocollo mittente", x, false);
    }
    p.riga("Data di presentazione", &presentazione(dsu), false);
    if let Some(d) = dsu.dichiarante() {
        p.riga(
            "Codice fiscale del dichiarante",
            d.codice_fiscale.as_str(),
            false,
        );
    }
    p.riga(
        "Data di rilascio",
        &int.data_rilascio.format("%d/%m/%Y").to_string(),
        false,
    );
    nucleo(&mut p, dsu);
    for i in &att.indicatori {
        match &i.esito {
            EsitoIndicatore::Calcolato(e) => {
                p.sezione(&titolo(e));
                p.paragrafo(
                    &format!(
                        "Valido dal {} al {}. Redditi dell'anno {}, patrimonio al 31/12/{}.",
                        e.validita.dal.format("%d/%m/%Y"),
                        e.validita.al.format("%d/%m/%Y"),
                        e.anno_redditi,
                        e.anno_patrimonio
                    ),
                    false,
                    8.5,
                    0.0,
                );
                p.y += 4.0;
                for (_, etichetta, valore, totale) in righe(e) {
                    p.riga(etichetta, &valore, totale);
                }
                for a in &e.componenti_aggiuntive {
                    p.paragrafo(
                        &format!(
                            "Componente aggiuntiva per {}: {} €.",
                            a.codice_fiscale,
                            isee_core::report::euro(a.importo)
                        ),
                        false,
                        9.0,
                        0.0,
                    );
                }
                for n in &e.neutralizzazioni {
                    p.paragrafo(
                        &format!(
                            "{}: − {} €.",
                            n.descrizione,
                            isee_core::report::euro(n.riduzione_isee)
                        ),
                        false,
                        9.0,
                        0.0,
                    );
                }
            }
            EsitoIndicatore::NonCalcolabile(m) => {
                p.sezione(i.richiesta.tipo.etichetta());
                p.paragrafo(&format!("Non calcolabile: {m}"), false, 9.5, 0.0);
            }
        }
    }
    p.sezione("Omissioni e difformità");
    if int.annotazioni.is_empty() {
        p.paragrafo("Nessuna omissione o difformità rilevata.", false, 9.5, 0.0);
    } else {
        for a in int.annotazioni {
            p.paragrafo(
                &format!("{} — {}", a.codice_fiscale, a.tipo),
                true,
                9.5,
                0.0,
            );
            p.paragrafo(&a.specifiche, false, 9.0, 12.0);
        }
        p.paragrafo(
            "Le omissioni e difformità non modificano il valore dell'ISEE; l'ente erogatore può chiedere documentazione (DPCM 159/2013, art. 11).",
            false,
            8.5,
            0.0,
        );
    }
    let con_traccia = att
        .indicatori
        .iter()
        .any(|i| matches!(&i.esito, EsitoIndicatore::Calcolato(e) if !e.traccia.is_empty()));
    if con_traccia {
        p.pagine.push(Vec::new());
        p.y = ALTO;
        p.paragrafo("Allegato — Come è stato calcolato", true, 14.0, 0.0);
        for i in &att.indicatori {
            let EsitoIndicatore::Calcolato(e) = &i.esito else {
                continue;
            };
            p.sezione(&titolo(e));
            for (chiave, etichetta, valore, _) in righe(e) {
                let passi = passi_per_riga(e, chiave);
                if passi.is_empty() {
                    continue;
                }
                p.spazio(40.0);
                p.y += 4.0;
                p.paragrafo(&format!("{etichetta}: {valore}"), true, 9.5, 0.0);
                for passo in passi {
                    let mut t = passo.descrizione.clone();
                    if let Some(c) = &passo.componente {
                        t.push_str(&format!(" [{c}]"));
                    }
                    p.paragrafo(&t, false, 8.5, 10.0);
                    let voci: Vec<String> = passo
                        .voci
                        .iter()
                        .map(|v| format!("{}: {}", v.nome.replace('_', " "), numero(v.valore)))
                        .collect();
                    let mut v = voci.join("; ");
                    if !v.is_empty() {
                        v.push_str("; ");
                    }
                    v.push_str(&format!("risultato {}", numero(passo.risultato)));
                    p.paragrafo(&v, false, 8.0, 20.0);
                    p.paragrafo(&passo.riferimento, false, 8.0, 20.0);
                    for f in &passo.parametri {
                        p.paragrafo(
                            &format!(
                                "{} = {} dal {} — {} [{}]",
                                f.nome,
                                f.valore,
                                f.dal.format("%d/%m/%Y"),
                                f.fonte,
                                f.affidabilita
                            ),
                            false,
                            7.5,
                            20.0,
                        );
                    }
                }
            }
        }
    }
    let piede = match int.protocollo {
        Some(x) => format!("Attestazione ISEE · protocollo {x}"),
        None => "Attestazione ISEE".to_string(),
    };
    p.scrivi("Attestazione ISEE", &piede, int.data_rilascio)
}
