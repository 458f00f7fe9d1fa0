//! Reading a request: the SOAP 1.1 envelope, the `Identity` header and the
//! body of each operation, checked against the contract's schema.
//!
//! Reading happens in two passes. The first parses the bytes with roxmltree
//! (resolved namespaces, DTDs refused) and keeps a small tree of the elements,
//! refusing anything that is not well-formed UTF-8 XML, that declares a DTD
//! (no entity is ever expanded, so XXE and "billion laughs" have nothing to
//! work with) or that is too large or too deep. The second walks the tree and
//! collects *every* schema violation with its path, so that a client learns
//! all of its mistakes from one answer.
//!
//! Errors of the envelope (not XML, not SOAP 1.1, unknown operation, a
//! SOAPAction naming another operation) mean the message cannot be answered
//! in the operation's own terms: they become SOAP faults. Violations inside a
//! known operation are answered by the operation itself with
//! `Esito=RICHIESTA_INVALIDA`.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;

use crate::formato::{
    codice_fiscale_soglia, codice_fiscale_valido, codice_soglia_valido, leggi_data_xsd,
    protocollo_dsu_valido,
};
use crate::tipi::{
    DatiDomanda, Forma, Identity, Operazione, Ricerca, RicercaCf, RicercaProtDsu,
    RicercaProtMittente, RichiestaSoap, StatoDomanda, TipoIndicatore, prestazione_valida,
};
use crate::{NS_CONSULTAZIONE, NS_IDENTITY, NS_SOAP11, NS_SOAP12};

/// Deepest nesting accepted. A valid request is 6 levels deep; the limit only
/// stops pathological input early.
const PROFONDITA_MASSIMA: usize = 32;
/// Most elements accepted in one request (a valid one has about 15).
const ELEMENTI_MASSIMI: usize = 512;
/// Most nodes roxmltree may build (elements, texts, comments, attributes' owners):
/// a memory bound while parsing, wider than [`ELEMENTI_MASSIMI`], which is checked on
/// the elements alone afterwards.
const NODI_MASSIMI: u32 = 4096;
/// Largest request accepted, in bytes (a valid one is about 1.5 KB).
const DIMENSIONE_MASSIMA: usize = 256 * 1024;
/// `ProtocolloMittente`: `maxLength`.
const MAX_PROTOCOLLO_MITTENTE: usize = 29;
/// `ProtocolloDomandaEnteErogatore`: `maxLength`.
const MAX_PROTOCOLLO_DOMANDA: usize = 256;

/// One schema violation in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problema {
    /// Where, from the operation element down, e.g. `request/RicercaCF/CodiceFiscale`.
    pub percorso: String,
    /// What is wrong, in Italian, for the client's developer.
    pub messaggio: String,
}

impl fmt::Display for Problema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.percorso, self.messaggio)
    }
}

/// All problems on one line, separated by `"; "`: the text of
/// `DescrizioneErrore` for `RICHIESTA_INVALIDA`.
pub fn descrizione_problemi(problemi: &[Problema]) -> String {
    let mut s = String::new();
    for (i, p) in problemi.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        s.push_str(&p.percorso);
        s.push_str(": ");
        s.push_str(&p.messaggio);
    }
    s
}

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErroreRichiesta {
    /// The message is not a SOAP 1.1 request for a known operation: answer a
    /// SOAP Fault with `faultcode` `soap:Client`.
    #[error("messaggio SOAP non valido: {messaggio}")]
    Envelope { messaggio: String },
    /// The operation is known but its content violates the schema: answer the
    /// operation with `Esito=RICHIESTA_INVALIDA` and every problem in
    /// `DescrizioneErrore`.
    #[error("richiesta {operazione} non valida: {}", descrizione_problemi(.problemi))]
    Invalida {
        operazione: Operazione,
        problemi: Vec<Problema>,
    },
}

impl ErroreRichiesta {
    fn envelope(messaggio: impl Into<String>) -> Self {
        ErroreRichiesta::Envelope {
            messaggio: messaggio.into(),
        }
    }
}

/// Reads a SOAP 1.1 request of one of the nine operations.
///
/// `soap_action` is the HTTP `SOAPAction` header, quoted or not. When present
/// and not empty it must name the operation found in the body; when absent or
/// `""` (which SOAP 1.1 defines as "the intent is the request URI") the body
/// alone decides.
pub fn leggi_richiesta(
    body: &[u8],
    soap_action: Option<&str>,
) -> Result<RichiestaSoap, ErroreRichiesta> {
    let doc = analizza(body).map_err(ErroreRichiesta::envelope)?;
    let nodi = costruisci_albero(&doc).map_err(ErroreRichiesta::envelope)?;
    let (operazione, header, elemento_operazione) = busta(&nodi)?;

    if let Some(azione) = soap_action {
        let nuda = azione.trim().trim_matches('"');
        if !nuda.is_empty() {
            match Operazione::da_soap_action(azione) {
                Some(op) if op == operazione => {}
                Some(op) => {
                    return Err(ErroreRichiesta::envelope(format!(
                        "la SOAPAction indica l'operazione {op} ma il corpo contiene {operazione}"
                    )));
                }
                None => {
                    return Err(ErroreRichiesta::envelope(format!(
                        "SOAPAction sconosciuta «{}»: attesa {}",
                        citazione(nuda),
                        operazione.soap_action()
                    )));
                }
            }
        }
    }

    let mut v = Validatore {
        nodi: &nodi,
        problemi: Vec::new(),
    };
    let identity = match header {
        Some(h) => v.header(h)?,
        None => None,
    };
    let corpo = v.operazione(operazione, elemento_operazione);
    match corpo {
        Some(c) if v.problemi.is_empty() => Ok(RichiestaSoap {
            operazione,
            identity,
            tipo_indicatore: c.tipo_indicatore,
            codice_soglia: c.codice_soglia,
            fornitura_nucleo: c.fornitura_nucleo,
            ricerca: c.ricerca,
        }),
        _ => {
            if v.problemi.is_empty() {
                // Not reachable by construction; still an answer rather than a panic.
                v.problema("request", "richiesta incompleta");
            }
            Err(ErroreRichiesta::Invalida {
                operazione,
                problemi: v.problemi,
            })
        }
    }
}

// ---------------------------------------------------------------------------
// First pass: bytes to a tree.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Nessuno,
    Soap11,
    Soap12,
    Consultazione,
    Identity,
    Altro,
}

impl Ns {
    fn da_uri(uri: &str) -> Ns {
        match uri {
            NS_SOAP11 => Ns::Soap11,
            NS_SOAP12 => Ns::Soap12,
            NS_CONSULTAZIONE => Ns::Consultazione,
            NS_IDENTITY => Ns::Identity,
            _ => Ns::Altro,
        }
    }
}

#[derive(Debug)]
struct Nodo<'a> {
    ns: Ns,
    /// The namespace URI, kept only for unexpected namespaces (error messages).
    uri_altro: Option<String>,
    nome: &'a str,
    testo: Cow<'a, str>,
    primo_figlio: Option<usize>,
    ultimo_figlio: Option<usize>,
    fratello: Option<usize>,
    must_understand: bool,
    /// roxmltree's node, for the attributes (read only where the schema has them:
    /// the threshold request).
    xml: roxmltree::Node<'a, 'a>,
}

fn solo_spazi(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Parses the bytes with roxmltree: well-formed XML 1.0 in UTF-8, namespaces resolved,
/// no DTD (so no entity is ever declared, let alone expanded). The checks roxmltree
/// does not make are made here: the declared encoding, a DOCTYPE without internal
/// subset (which roxmltree lets through), the size of the document.
fn analizza(body: &[u8]) -> Result<roxmltree::Document<'_>, String> {
    if body.len() > DIMENSIONE_MASSIMA {
        return Err(format!(
            "documento troppo grande ({} byte, massimo {DIMENSIONE_MASSIMA})",
            body.len()
        ));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let testo = std::str::from_utf8(body).map_err(|e| {
        format!(
            "testo non UTF-8 (byte {}): il servizio accetta solo UTF-8",
            e.valid_up_to()
        )
    })?;
    let inizio = testo.trim_start_matches([' ', '\t', '\n', '\r']);
    if inizio.is_empty() {
        return Err("documento vuoto: attesa una busta SOAP 1.1".into());
    }
    if !inizio.starts_with('<') {
        return Err("testo fuori dall'elemento radice".into());
    }
    codifica_dichiarata(testo)?;
    let opzioni = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODI_MASSIMI,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(testo, opzioni)
        .map_err(|e| errore_xml(testo, e))?;
    // A DOCTYPE without internal subset is not a node: look for it in the prolog,
    // outside the comments and processing instructions that are.
    let radice = doc.root_element().range().start;
    let mut da = 0;
    for n in doc.root().children() {
        let r = n.range();
        if r.start >= radice {
            break;
        }
        if testo[da..r.start].contains("<!DOCTYPE") {
            return Err(MESSAGGIO_DTD.into());
        }
        da = r.end;
    }
    if testo[da.min(radice)..radice].contains("<!DOCTYPE") {
        return Err(MESSAGGIO_DTD.into());
    }
    Ok(doc)
}

const MESSAGGIO_DTD: &str =
    "DTD non ammessa: le dichiarazioni DOCTYPE e di entità sono rifiutate per sicurezza (XXE)";

/// The `encoding` of the XML declaration, when there is one, must be UTF-8.
fn codifica_dichiarata(testo: &str) -> Result<(), String> {
    let Some(resto) = testo.strip_prefix("<?xml") else {
        return Ok(());
    };
    if !resto.starts_with([' ', '\t', '\n', '\r']) {
        return Ok(());
    }
    let Some(fine) = resto.find("?>") else {
        return Ok(()); // roxmltree reports the broken declaration
    };
    let dichiarazione = &resto[..fine];
    let Some(dopo) = dichiarazione.split("encoding").nth(1) else {
        return Ok(());
    };
    let valore = dopo
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .strip_prefix('=')
        .map(|v| v.trim_start_matches([' ', '\t', '\n', '\r']))
        .and_then(|v| {
            let q = v.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            v[1..].split(q).next()
        });
    match valore {
        Some(c) if c.eq_ignore_ascii_case("utf-8") => Ok(()),
        Some(c) => Err(format!(
            "codifica «{}» non supportata: il servizio accetta solo UTF-8",
            citazione(c)
        )),
        None => Err("dichiarazione XML non valida: codifica illeggibile".into()),
    }
}

/// roxmltree's error in the reader's words (the faults' texts stay those of the hand
/// parser this replaced).
fn errore_xml(testo: &str, e: roxmltree::Error) -> String {
    use roxmltree::Error as E;
    match e {
        // What follows the root element: another element, or text.
        E::UnknownToken(pos) => {
            let resto = &testo[scostamento(testo, pos)..];
            let mut c = resto.chars();
            match (c.next(), c.next()) {
                (Some('<'), Some(n)) if n.is_alphabetic() || n == '_' || n == ':' => {
                    "il documento contiene più di un elemento radice".into()
                }
                (Some(p), _) if p != '<' && !solo_spazi(&resto[..p.len_utf8()]) => {
                    "testo fuori dall'elemento radice".into()
                }
                _ => format!("XML non ben formato: {e}"),
            }
        }
        E::DtdDetected => MESSAGGIO_DTD.into(),
        E::UnknownEntityReference(nome, _) => format!(
            "entità non dichiarata «&{};»: le entità esterne e le DTD non sono ammesse",
            citazione(&nome)
        ),
        E::UnknownNamespace(prefisso, _) => {
            format!(
                "prefisso di namespace non dichiarato «{}»",
                citazione(&prefisso)
            )
        }
        E::UnclosedRootNode => "documento XML incompleto: elementi non chiusi".into(),
        E::NoRootNode => "documento vuoto: attesa una busta SOAP 1.1".into(),
        E::NodesLimitReached => format!("troppi elementi (massimo {ELEMENTI_MASSIMI})"),
        E::UnexpectedDeclaration(_) => {
            "la dichiarazione XML deve stare all'inizio del documento".into()
        }
        altro => format!("XML non ben formato: {altro}"),
    }
}

/// The byte offset of roxmltree's position (1-based row, 1-based column in characters).
fn scostamento(testo: &str, pos: roxmltree::TextPos) -> usize {
    let mut riga = 1;
    let mut inizio_riga = 0;
    if pos.row > 1 {
        for (i, b) in testo.bytes().enumerate() {
            if b == b'\n' {
                riga += 1;
                if riga == pos.row {
                    inizio_riga = i + 1;
                    break;
                }
            }
        }
    }
    let colonna = usize::try_from(pos.col.saturating_sub(1)).unwrap_or(usize::MAX);
    testo[inizio_riga..]
        .char_indices()
        .nth(colonna)
        .map_or(testo.len(), |(i, _)| inizio_riga + i)
}

/// The tree the validator walks, built from roxmltree's: elements only, each with its
/// namespace, local name, direct text (text and CDATA children joined) and
/// `soap:mustUnderstand`.
fn costruisci_albero<'a>(doc: &'a roxmltree::Document<'a>) -> Result<Vec<Nodo<'a>>, String> {
    let mut nodi: Vec<Nodo<'a>> = Vec::with_capacity(24);
    // (roxmltree node, index of the parent in `nodi`, depth)
    let mut pila: Vec<(roxmltree::Node<'a, 'a>, Option<usize>, usize)> =
        vec![(doc.root_element(), None, 1)];
    while let Some((n, padre, profondita)) = pila.pop() {
        if nodi.len() >= ELEMENTI_MASSIMI {
            return Err(format!("troppi elementi (massimo {ELEMENTI_MASSIMI})"));
        }
        if profondita > PROFONDITA_MASSIMA {
            return Err(format!(
                "annidamento troppo profondo (massimo {PROFONDITA_MASSIMA} livelli)"
            ));
        }
        let (ns, uri_altro) = match n.tag_name().namespace() {
            None => (Ns::Nessuno, None),
            Some(uri) => {
                let ns = Ns::da_uri(uri);
                (ns, (ns == Ns::Altro).then(|| uri.to_owned()))
            }
        };
        let mut testo: Cow<'a, str> = Cow::Borrowed("");
        for t in n.children().filter(roxmltree::Node::is_text) {
            let parte = t.text().unwrap_or("");
            if testo.is_empty() {
                testo = Cow::Borrowed(parte);
            } else {
                testo.to_mut().push_str(parte);
            }
        }
        if let Some(c) = testo.chars().find(|c| !carattere_xml(*c)) {
            return Err(carattere_vietato(c, n.tag_name().name()));
        }
        for a in n.attributes() {
            if let Some(c) = a.value().chars().find(|c| !carattere_xml(*c)) {
                return Err(carattere_vietato(c, n.tag_name().name()));
            }
        }
        let must_understand = n
            .attribute((NS_SOAP11, "mustUnderstand"))
            .is_some_and(|v| matches!(v.trim(), "1" | "true"));
        let indice = nodi.len();
        nodi.push(Nodo {
            ns,
            uri_altro,
            nome: n.tag_name().name(),
            testo,
            primo_figlio: None,
            ultimo_figlio: None,
            fratello: None,
            must_understand,
            xml: n,
        });
        if let Some(padre) = padre {
            match nodi[padre].ultimo_figlio {
                Some(u) => nodi[u].fratello = Some(indice),
                None => nodi[padre].primo_figlio = Some(indice),
            }
            nodi[padre].ultimo_figlio = Some(indice);
        }
        // Children pushed last-first, so they are numbered in document order.
        let figli: Vec<_> = n.children().filter(roxmltree::Node::is_element).collect();
        for f in figli.into_iter().rev() {
            pila.push((f, Some(indice), profondita + 1));
        }
    }
    Ok(nodi)
}

/// A character XML 1.0 allows (production `Char`): tab, LF, CR, and everything from
/// U+0020 but the surrogates (which a `str` cannot hold) and U+FFFE, U+FFFF. Checked
/// on the parsed text, so a character reference (`&#0;`, `&#x1B;`) is caught as well as
/// the raw byte.
fn carattere_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

fn carattere_vietato(c: char, elemento: &str) -> String {
    format!(
        "carattere non ammesso U+{:04X} in «{}»: XML 1.0 vieta NUL e i caratteri di controllo, \
         anche come riferimento &#…;",
        u32::from(c),
        citazione(elemento)
    )
}

// ---------------------------------------------------------------------------
// Second pass: the envelope.

fn figli<'d, 'a>(nodi: &'d [Nodo<'a>], i: usize) -> impl Iterator<Item = usize> + 'd {
    std::iter::successors(nodi[i].primo_figlio, move |&f| nodi[f].fratello)
}

fn ha_testo(nodo: &Nodo<'_>) -> bool {
    !solo_spazi(&nodo.testo)
}

fn descrivi_ns(nodo: &Nodo<'_>) -> String {
    match nodo.ns {
        Ns::Nessuno => "nessun namespace".into(),
        Ns::Soap11 => format!("namespace {NS_SOAP11}"),
        Ns::Soap12 => format!("namespace {NS_SOAP12}"),
        Ns::Consultazione => format!("namespace {NS_CONSULTAZIONE}"),
        Ns::Identity => format!("namespace {NS_IDENTITY}"),
        Ns::Altro => format!(
            "namespace {}",
            nodo.uri_altro.as_deref().unwrap_or("sconosciuto")
        ),
    }
}

/// Checks the envelope and finds the operation: (operation, header, operation element).
fn busta(nodi: &[Nodo<'_>]) -> Result<(Operazione, Option<usize>, usize), ErroreRichiesta> {
    let radice = &nodi[0];
    if radice.nome != "Envelope" {
        return Err(ErroreRichiesta::envelope(format!(
            "l'elemento radice è «{}»: attesa una busta SOAP 1.1 (Envelope nel namespace {NS_SOAP11})",
            radice.nome
        )));
    }
    match radice.ns {
        Ns::Soap11 => {}
        Ns::Soap12 => {
            return Err(ErroreRichiesta::envelope(format!(
                "SOAP 1.2 non supportato: il servizio usa SOAP 1.1 (busta nel namespace {NS_SOAP11}, Content-Type text/xml)"
            )));
        }
        _ => {
            return Err(ErroreRichiesta::envelope(format!(
                "busta in {}: attesa una busta SOAP 1.1 nel namespace {NS_SOAP11}",
                descrivi_ns(radice)
            )));
        }
    }
    if ha_testo(radice) {
        return Err(ErroreRichiesta::envelope(
            "testo non ammesso nella busta SOAP",
        ));
    }

    let mut header = None;
    let mut body = None;
    for f in figli(nodi, 0) {
        let n = &nodi[f];
        match (n.ns, n.nome) {
            (Ns::Soap11, "Header") if header.is_none() && body.is_none() => header = Some(f),
            (Ns::Soap11, "Body") if body.is_none() => body = Some(f),
            (Ns::Soap11, "Header") | (Ns::Soap11, "Body") => {
                return Err(ErroreRichiesta::envelope(format!(
                    "la busta contiene un elemento {} ripetuto o fuori posto",
                    n.nome
                )));
            }
            _ => {
                return Err(ErroreRichiesta::envelope(format!(
                    "elemento inatteso «{}» ({}) nella busta: ammessi solo Header e Body",
                    n.nome,
                    descrivi_ns(n)
                )));
            }
        }
    }
    let Some(body) = body else {
        return Err(ErroreRichiesta::envelope(
            "la busta SOAP non contiene il Body",
        ));
    };
    if ha_testo(&nodi[body]) {
        return Err(ErroreRichiesta::envelope("testo non ammesso nel Body SOAP"));
    }
    let mut contenuto = figli(nodi, body);
    let Some(elemento) = contenuto.next() else {
        return Err(ErroreRichiesta::envelope(
            "il Body SOAP è vuoto: attesa un'operazione",
        ));
    };
    if contenuto.next().is_some() {
        return Err(ErroreRichiesta::envelope(
            "il Body SOAP deve contenere un solo elemento (l'operazione)",
        ));
    }
    let n = &nodi[elemento];
    let operazione = Operazione::da_nome(n.nome);
    match (n.ns, operazione) {
        (Ns::Consultazione, Some(op)) => Ok((op, header, elemento)),
        (_, Some(op)) => Err(ErroreRichiesta::envelope(format!(
            "l'operazione {op} è in {} invece che nel namespace {NS_CONSULTAZIONE}",
            descrivi_ns(n)
        ))),
        (_, None) => Err(ErroreRichiesta::envelope(format!(
            "operazione sconosciuta «{}» ({}): il port type ISvcConsultazione non la prevede",
            citazione(n.nome),
            descrivi_ns(n)
        ))),
    }
}

/// A value quoted in a message, shortened: messages may be logged, and a
/// client's garbage should not fill the log.
fn citazione(s: &str) -> Cow<'_, str> {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

// ---------------------------------------------------------------------------
// Second pass: the content, collecting every problem.

struct Validatore<'d, 'a> {
    nodi: &'d [Nodo<'a>],
    problemi: Vec<Problema>,
}

fn unisci(base: &str, nome: &str) -> String {
    if base.is_empty() {
        nome.to_owned()
    } else {
        format!("{base}/{nome}")
    }
}

/// What the body of an operation holds, before it becomes a [`RichiestaSoap`].
struct Corpo {
    tipo_indicatore: Option<TipoIndicatore>,
    codice_soglia: Option<String>,
    fornitura_nucleo: bool,
    ricerca: Ricerca,
}

impl Corpo {
    fn new(tipo_indicatore: Option<TipoIndicatore>, ricerca: Ricerca) -> Corpo {
        Corpo {
            tipo_indicatore,
            codice_soglia: None,
            fornitura_nucleo: false,
            ricerca,
        }
    }
}

/// The attributes of INPS's threshold request (`ConsultazioneISEE_soglia.xsd`).
const ATTRIBUTI_SOGLIA: [&str; 4] = [
    "CodiceFiscale",
    "CodiceSoglia",
    "FornituraNucleo",
    "DataValidita",
];

/// The fields of `RicercaCFType`, `RicercaProtDSUType`, `RicercaProtMittenteType`
/// after their two key fields.
const CAMPI_DOMANDA: [&str; 3] = [
    "PrestazioneDaErogare",
    "ProtocolloDomandaEnteErogatore",
    "StatodomandaPrestazione",
];

impl<'d, 'a> Validatore<'d, 'a> {
    fn problema(&mut self, percorso: impl Into<String>, messaggio: impl Into<String>) {
        self.problemi.push(Problema {
            percorso: percorso.into(),
            messaggio: messaggio.into(),
        });
    }

    /// The `Identity` header; other header blocks are ignored unless they
    /// carry `mustUnderstand="1"`, which SOAP 1.1 says must be refused.
    fn header(&mut self, header: usize) -> Result<Option<Identity>, ErroreRichiesta> {
        let mut identity = None;
        let mut vista = false;
        for f in figli(self.nodi, header) {
            let n = &self.nodi[f];
            if n.ns == Ns::Identity && n.nome == "Identity" {
                if vista {
                    self.problema("Header/Identity", "intestazione Identity ripetuta");
                    continue;
                }
                vista = true;
                identity = self.identity(f);
            } else if n.must_understand {
                return Err(ErroreRichiesta::envelope(format!(
                    "intestazione «{}» ({}) con mustUnderstand non gestita dal servizio",
                    n.nome,
                    descrivi_ns(n)
                )));
            }
        }
        Ok(identity)
    }

    fn identity(&mut self, i: usize) -> Option<Identity> {
        const BASE: &str = "Header/Identity";
        // The IdentityHeader XSD's children are unqualified in INPS's
        // examples; some clients qualify them. Both are accepted.
        let [user_id, codice_ufficio] =
            self.sequenza(i, BASE, ["UserId", "CodiceUfficio"], [true, true], |ns| {
                matches!(ns, Ns::Nessuno | Ns::Identity)
            });
        let user_id = user_id.and_then(|f| self.foglia(f, BASE));
        let codice_ufficio = codice_ufficio.and_then(|f| self.foglia(f, BASE));
        Some(Identity {
            user_id: user_id?.to_owned(),
            codice_ufficio: codice_ufficio?.to_owned(),
        })
    }

    /// The operation element: exactly one `request`, then the request by shape.
    fn operazione(&mut self, operazione: Operazione, elemento: usize) -> Option<Corpo> {
        let [request] = self.sequenza(elemento, "", ["request"], [true], |ns| {
            ns == Ns::Consultazione
        });
        let request = request?;
        const R: &str = "request";
        match operazione.forma() {
            Forma::Indicatore => {
                let [tipo, ricerca] = self.sequenza(
                    request,
                    R,
                    ["TipoIndicatore", "RicercaCF"],
                    [true, true],
                    |ns| ns == Ns::Consultazione,
                );
                let tipo = tipo.and_then(|t| self.tipo_indicatore(t));
                let ricerca = ricerca.and_then(|r| self.ricerca_cf(r, "request/RicercaCF"));
                Some(Corpo::new(Some(tipo?), Ricerca::Cf(ricerca?)))
            }
            Forma::Riscontro => {
                let [tipo, ricerca] = self.sequenza(
                    request,
                    R,
                    ["TipoIndicatore", "RicercaProtDSU"],
                    [true, true],
                    |ns| ns == Ns::Consultazione,
                );
                let tipo = tipo.and_then(|t| self.tipo_indicatore(t));
                let ricerca =
                    ricerca.and_then(|r| self.ricerca_prot_dsu(r, "request/RicercaProtDSU"));
                Some(Corpo::new(Some(tipo?), Ricerca::ProtDsu(ricerca?)))
            }
            Forma::Soglia => self.soglia(request),
            Forma::Attestazione => self.scelta_ricerca(request).map(|r| Corpo::new(None, r)),
            // Unreachable from an envelope (`da_nome` never names it); refused if
            // a caller hands it over.
            Forma::Dichiarazione => {
                self.problema(
                    R,
                    "ConsultazioneDichiarazione non è un'operazione SOAP: solo REST",
                );
                None
            }
        }
    }

    /// INPS's threshold request: an empty `request` whose four fields are
    /// attributes (`ConsultazioneSogliaIndicatoreRequestType` of
    /// `ConsultazioneISEE_soglia.xsd`). Attributes in a namespace (`xsi:`…) are
    /// ignored, as a schema validator does for `xsi:`; unknown unqualified ones
    /// are refused.
    fn soglia(&mut self, request: usize) -> Option<Corpo> {
        const R: &str = "request";
        let nodo = &self.nodi[request];
        if ha_testo(nodo) {
            self.problema(
                R,
                "testo non ammesso: i campi della soglia sono attributi di request",
            );
        }
        for f in figli(self.nodi, request) {
            let nome = self.nodi[f].nome;
            self.problema(
                unisci(R, nome),
                format!(
                    "elemento non previsto: i campi della soglia sono attributi di request ({})",
                    ATTRIBUTI_SOGLIA.join(", ")
                ),
            );
        }
        let xml = nodo.xml;
        let mut valori: [Option<&'a str>; 4] = [None; 4];
        for a in xml.attributes() {
            if a.namespace().is_some() {
                continue;
            }
            match ATTRIBUTI_SOGLIA.iter().position(|n| *n == a.name()) {
                Some(i) => valori[i] = Some(a.value()),
                None => self.problema(
                    format!("{R}/@{}", citazione(a.name())),
                    format!(
                        "attributo non previsto: ammessi {}",
                        ATTRIBUTI_SOGLIA.join(", ")
                    ),
                ),
            }
        }
        let [cf, soglia, nucleo, data] = valori;
        for (nome, valore) in [
            ("CodiceFiscale", cf),
            ("CodiceSoglia", soglia),
            ("FornituraNucleo", nucleo),
        ] {
            if valore.is_none() {
                self.problema(format!("{R}/@{nome}"), "attributo obbligatorio mancante");
            }
        }
        let cf = cf.and_then(|v| {
            let cf = codice_fiscale_soglia(v);
            if cf.is_none() {
                self.problema(
                    "request/@CodiceFiscale",
                    "codice fiscale non valido: attesi 16 caratteri maiuscoli (persona fisica) o 11 cifre, eventualmente seguite da fino a 5 spazi",
                );
            }
            cf
        });
        let soglia = soglia.and_then(|v| {
            let ok = codice_soglia_valido(v);
            if !ok {
                self.problema(
                    "request/@CodiceSoglia",
                    "codice soglia non valido: attese 4 lettere e 2 cifre (es. ABCD01)",
                );
            }
            ok.then(|| v.to_owned())
        });
        let nucleo = nucleo.and_then(|v| match v {
            "SI" => Some(true),
            "NO" => Some(false),
            altro => {
                self.problema(
                    "request/@FornituraNucleo",
                    format!("valore non valido «{}»: ammessi SI e NO", citazione(altro)),
                );
                None
            }
        });
        let data = match data {
            None => Some(None),
            Some(v) => {
                let d = leggi_data_xsd(v);
                if d.is_none() {
                    self.problema(
                        "request/@DataValidita",
                        format!(
                            "data non valida «{}»: atteso il formato AAAA-MM-GG (xs:date)",
                            citazione(v)
                        ),
                    );
                }
                d.map(Some)
            }
        };
        Some(Corpo {
            tipo_indicatore: None,
            codice_soglia: Some(soglia?),
            fornitura_nucleo: nucleo?,
            ricerca: Ricerca::Cf(RicercaCf {
                codice_fiscale: cf?.to_owned(),
                data_validita: data?,
                domanda: DatiDomanda::default(),
            }),
        })
    }

    /// `FiltroConsultazioneType`: exactly one of the three searches.
    fn scelta_ricerca(&mut self, request: usize) -> Option<Ricerca> {
        const SCELTE: [&str; 3] = ["RicercaCF", "RicercaProtDSU", "RicercaProtMittente"];
        if ha_testo(&self.nodi[request]) {
            self.problema("request", "testo non ammesso: attesi solo elementi");
        }
        let mut trovate: Vec<(usize, &str)> = Vec::with_capacity(1);
        for f in figli(self.nodi, request) {
            let n = &self.nodi[f];
            if n.ns == Ns::Consultazione && SCELTE.contains(&n.nome) {
                trovate.push((f, n.nome));
            } else {
                self.elemento_non_previsto(f, "request", &SCELTE);
            }
        }
        let mut prima = None;
        for &(f, nome) in &trovate {
            let percorso = format!("request/{nome}");
            let r = match nome {
                "RicercaCF" => self.ricerca_cf(f, &percorso).map(Ricerca::Cf),
                "RicercaProtDSU" => self.ricerca_prot_dsu(f, &percorso).map(Ricerca::ProtDsu),
                _ => self
                    .ricerca_prot_mittente(f, &percorso)
                    .map(Ricerca::ProtMittente),
            };
            if prima.is_none() {
                prima = r;
            }
        }
        match trovate.len() {
            0 => self.problema(
                "request",
                "manca la ricerca: indicare uno tra RicercaCF, RicercaProtDSU e RicercaProtMittente",
            ),
            1 => {}
            _ => {
                let nomi: Vec<&str> = trovate.iter().map(|(_, n)| *n).collect();
                self.problema(
                    "request",
                    format!(
                        "indicare una sola ricerca tra RicercaCF, RicercaProtDSU e RicercaProtMittente (trovate: {})",
                        nomi.join(", ")
                    ),
                );
            }
        }
        prima
    }

    fn elemento_non_previsto(&mut self, f: usize, base: &str, ammessi: &[&str]) {
        let n = &self.nodi[f];
        let percorso = unisci(base, n.nome);
        if ammessi.contains(&n.nome) {
            let ns = descrivi_ns(n);
            self.problema(
                percorso,
                format!("elemento in {ns}: atteso il namespace {NS_CONSULTAZIONE}"),
            );
        } else {
            self.problema(
                percorso,
                format!("elemento non previsto: ammessi {}", ammessi.join(", ")),
            );
        }
    }

    /// An `xs:sequence` of distinct elements, each at most once. Reports text
    /// where only elements belong, unknown and repeated elements, elements out
    /// of order and missing required ones; returns the index of each element found.
    fn sequenza<const N: usize>(
        &mut self,
        padre: usize,
        base: &str,
        campi: [&'static str; N],
        obbligatori: [bool; N],
        ns_ammesso: impl Fn(Ns) -> bool,
    ) -> [Option<usize>; N] {
        let mut trovati = [None; N];
        if ha_testo(&self.nodi[padre]) {
            let percorso = if base.is_empty() {
                self.nodi[padre].nome.to_owned()
            } else {
                base.to_owned()
            };
            self.problema(percorso, "testo non ammesso: attesi solo elementi");
        }
        let mut ultima = 0;
        for f in figli(self.nodi, padre) {
            let n = &self.nodi[f];
            let posizione = campi.iter().position(|c| *c == n.nome);
            match posizione {
                Some(p) if ns_ammesso(n.ns) => {
                    if trovati[p].is_some() {
                        self.problema(unisci(base, n.nome), "elemento ripetuto");
                        continue;
                    }
                    if p < ultima {
                        self.problema(
                            unisci(base, n.nome),
                            format!("elemento fuori ordine: deve precedere {}", campi[ultima]),
                        );
                    }
                    ultima = ultima.max(p);
                    trovati[p] = Some(f);
                }
                _ => self.elemento_non_previsto(f, base, &campi),
            }
        }
        for ((campo, trovato), obbligatorio) in campi.iter().zip(&trovati).zip(obbligatori) {
            if obbligatorio && trovato.is_none() {
                self.problema(unisci(base, campo), "elemento obbligatorio mancante");
            }
        }
        trovati
    }

    /// The text of a simple element, without surrounding blanks.
    fn foglia(&mut self, i: usize, base: &str) -> Option<&'d str> {
        let n = &self.nodi[i];
        if n.primo_figlio.is_some() {
            self.problema(
                unisci(base, n.nome),
                "contenuto non ammesso: atteso un valore semplice, trovati elementi",
            );
            return None;
        }
        Some(
            n.testo
                .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')),
        )
    }

    fn tipo_indicatore(&mut self, i: usize) -> Option<TipoIndicatore> {
        let valore = self.foglia(i, "request")?;
        let tipo = TipoIndicatore::da_nome(valore);
        if tipo.is_none() {
            self.problema(
                "request/TipoIndicatore",
                format!(
                    "tipo di indicatore sconosciuto «{}»: ammessi Ordinario, Minorenne, Universitario, SocioSanitario, Dottorato, Residenziale",
                    citazione(valore)
                ),
            );
        }
        tipo
    }

    fn codice_fiscale(&mut self, i: usize, base: &str) -> Option<String> {
        let valore = self.foglia(i, base)?;
        if codice_fiscale_valido(valore) {
            Some(valore.to_owned())
        } else {
            // The value itself is not repeated: it is personal data and the
            // message may be logged.
            self.problema(
                unisci(base, self.nodi[i].nome),
                "codice fiscale non valido: attesi 16 caratteri maiuscoli (persona fisica) o 11 cifre",
            );
            None
        }
    }

    fn protocollo_dsu(&mut self, i: usize, base: &str) -> Option<String> {
        let valore = self.foglia(i, base)?;
        if protocollo_dsu_valido(valore) {
            Some(valore.to_owned())
        } else {
            self.problema(
                unisci(base, "ProtocolloDSU"),
                "protocollo DSU non valido: atteso INPS-ISEE-AAAA-NNNNNNNNX-NN (es. INPS-ISEE-2026-00012345A-00)",
            );
            None
        }
    }

    fn protocollo_mittente(&mut self, i: usize, base: &str) -> Option<String> {
        let valore = self.foglia(i, base)?;
        let caratteri = valore.chars().count();
        if caratteri <= MAX_PROTOCOLLO_MITTENTE {
            Some(valore.to_owned())
        } else {
            self.problema(
                unisci(base, "ProtocolloMittente"),
                format!(
                    "protocollo mittente troppo lungo: {caratteri} caratteri, massimo {MAX_PROTOCOLLO_MITTENTE}"
                ),
            );
            None
        }
    }

    fn data(&mut self, i: usize, base: &str) -> Option<NaiveDate> {
        let valore = self.foglia(i, base)?;
        let data = leggi_data_xsd(valore);
        if data.is_none() {
            self.problema(
                unisci(base, self.nodi[i].nome),
                format!(
                    "data non valida «{}»: atteso il formato AAAA-MM-GG (xs:date)",
                    citazione(valore)
                ),
            );
        }
        data
    }

    /// The three purpose fields; `Err(())` when one of them is invalid.
    fn domanda(&mut self, campi: [Option<usize>; 3], base: &str) -> Result<DatiDomanda, ()> {
        let mut valida = true;
        let mut domanda = DatiDomanda::default();
        if let Some(f) = campi[0] {
            match self.foglia(f, base) {
                Some(v) if prestazione_valida(v) => domanda.prestazione = Some(v.to_owned()),
                Some(v) => {
                    valida = false;
                    self.problema(
                        unisci(base, "PrestazioneDaErogare"),
                        format!(
                            "prestazione sconosciuta «{}»: ammessi i codici A1.01–A1.20, A2.01–A2.12, A3.01–A3.03 e Z9.99",
                            citazione(v)
                        ),
                    );
                }
                None => valida = false,
            }
        }
        if let Some(f) = campi[1] {
            match self.foglia(f, base) {
                Some(v) if v.chars().count() <= MAX_PROTOCOLLO_DOMANDA => {
                    domanda.protocollo_domanda = Some(v.to_owned());
                }
                Some(v) => {
                    valida = false;
                    self.problema(
                        unisci(base, "ProtocolloDomandaEnteErogatore"),
                        format!(
                            "protocollo della domanda troppo lungo: {} caratteri, massimo {MAX_PROTOCOLLO_DOMANDA}",
                            v.chars().count()
                        ),
                    );
                }
                None => valida = false,
            }
        }
        if let Some(f) = campi[2] {
            match self.foglia(f, base) {
                Some(v) => match StatoDomanda::da_nome(v) {
                    Some(s) => domanda.stato_domanda = Some(s),
                    None => {
                        valida = false;
                        self.problema(
                            unisci(base, "StatodomandaPrestazione"),
                            format!(
                                "stato della domanda non valido «{}»: ammessi «Da Erogare» ed «Erogata»",
                                citazione(v)
                            ),
                        );
                    }
                },
                None => valida = false,
            }
        }
        if valida { Ok(domanda) } else { Err(()) }
    }

    fn ricerca_cf(&mut self, i: usize, base: &str) -> Option<RicercaCf> {
        let [cf, data, p, pd, s] = self.sequenza(
            i,
            base,
            [
                "CodiceFiscale",
                "DataValidita",
                CAMPI_DOMANDA[0],
                CAMPI_DOMANDA[1],
                CAMPI_DOMANDA[2],
            ],
            [true, false, false, false, false],
            |ns| ns == Ns::Consultazione,
        );
        let codice_fiscale = cf.and_then(|f| self.codice_fiscale(f, base));
        let data_validita = data.map(|f| self.data(f, base).ok_or(()));
        let domanda = self.domanda([p, pd, s], base);
        Some(RicercaCf {
            codice_fiscale: codice_fiscale?,
            data_validita: data_validita.transpose().ok()?,
            domanda: domanda.ok()?,
        })
    }

    fn ricerca_prot_dsu(&mut self, i: usize, base: &str) -> Option<RicercaProtDsu> {
        let [prot, cf, p, pd, s] = self.sequenza(
            i,
            base,
            [
                "ProtocolloDSU",
                "CodiceFiscaleBeneficiario",
                CAMPI_DOMANDA[0],
                CAMPI_DOMANDA[1],
                CAMPI_DOMANDA[2],
            ],
            [true, true, false, false, false],
            |ns| ns == Ns::Consultazione,
        );
        let protocollo_dsu = prot.and_then(|f| self.protocollo_dsu(f, base));
        let codice_fiscale = cf.and_then(|f| self.codice_fiscale(f, base));
        let domanda = self.domanda([p, pd, s], base);
        Some(RicercaProtDsu {
            protocollo_dsu: protocollo_dsu?,
            codice_fiscale_beneficiario: codice_fiscale?,
            domanda: domanda.ok()?,
        })
    }

    fn ricerca_prot_mittente(&mut self, i: usize, base: &str) -> Option<RicercaProtMittente> {
        let [prot, cf, p, pd, s] = self.sequenza(
            i,
            base,
            [
                "ProtocolloMittente",
                "CodiceFiscaleBeneficiario",
                CAMPI_DOMANDA[0],
                CAMPI_DOMANDA[1],
                CAMPI_DOMANDA[2],
            ],
            [true, true, false, false, false],
            |ns| ns == Ns::Consultazione,
        );
        let protocollo = prot.and_then(|f| self.protocollo_mittente(f, base));
        let codice_fiscale = cf.and_then(|f| self.codice_fiscale(f, base));
        let domanda = self.domanda([p, pd, s], base);
        Some(RicercaProtMittente {
            protocollo_mittente: protocollo?,
            codice_fiscale_beneficiario: codice_fiscale?,
            domanda: domanda.ok()?,
        })
    }
}
