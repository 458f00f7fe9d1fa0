//! The service's own certification authority: the stand-in for INPS's issuance of client
//! certificates to enti (ID_AUTH_CHANNEL_02).
//!
//! An authority is a directory:
//!
//! | file | content |
//! |---|---|
//! | `ca.pem` | the self-signed CA certificate (ECDSA P-256, 10 years, path length 0) |
//! | `ca-chiave.pem` | its private key, PKCS#8, mode 0600 |
//! | `rilasciati.jsonl` | one [`Rilascio`] per issued certificate, in issuance order |
//! | `crl.pem` | the current CRL, rewritten at creation and at every revocation |
//!
//! The register exists because a CRL names serial numbers, and an operator revokes "the
//! certificate of Comune di Ravenna", not a serial: without a record of what was issued
//! there is nothing to look the serial up in. No certificate leaves [`Autorita`] unless its
//! record was written first.
//!
//! One operator at a time: concurrent `revoca` runs on the same directory could lose an
//! update (the register is rewritten whole). That is acceptable for a tool run by hand.

use crate::{ErroreTls, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, RevokedCertParams, SanType, SerialNumber,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// The CA certificate.
pub const FILE_CA: &str = "ca.pem";
/// The CA private key.
pub const FILE_CHIAVE_CA: &str = "ca-chiave.pem";
/// The issuance register.
pub const FILE_RILASCI: &str = "rilasciati.jsonl";
/// The current CRL.
pub const FILE_CRL: &str = "crl.pem";

/// The CA certificate outlives every certificate it signs; ten years is the usual span of a
/// private CA and keeps re-keying a rare, planned event.
const GIORNI_CA: i64 = 3650;
/// Certificates start a few minutes in the past: a peer whose clock is slightly behind
/// would otherwise refuse a certificate issued a moment ago as "not yet valid".
const MARGINE_OROLOGIO: Duration = Duration::minutes(5);
/// The CRL's nextUpdate. rustls does not enforce it by default (see README), but relying
/// parties that do need a date; a month leaves room for a forgotten re-issue.
const GIORNI_CRL: i64 = 30;
/// X.520 upper bound of commonName and organizationName.
const MAX_DENOMINAZIONE: usize = 64;
/// OID of `organizationIdentifier` (X.520, used by ETSI EN 319 412-1 for `VATIT-…`).
pub(crate) const OID_ORGANIZATION_IDENTIFIER: &[u64] = &[2, 5, 4, 97];
/// Prefix of the organisation identifier: ETSI EN 319 412-1 §5.1.4, Italian VAT/fiscal
/// number of a legal person.
pub(crate) const PREFISSO_VAT: &str = "VATIT-";
/// Prefix of the SAN URI that carries the IPA code of the ente.
pub(crate) const PREFISSO_URN_IPA: &str = "urn:ipa:";

/// The ente a client certificate is issued to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnteCertificato {
    /// Codice IPA (e.g. `c_h199`), written as SAN URI `urn:ipa:<codice>`.
    pub codice_ipa: String,
    /// Codice fiscale numerico of the ente (11 digits with check digit), written as
    /// `organizationIdentifier` = `VATIT-<codice>`.
    pub codice_fiscale: String,
    /// Name of the ente, written as CN and O.
    pub denominazione: String,
}

/// A freshly issued certificate with its key. The key exists only here: the authority
/// keeps the certificate's fingerprint, never the key.
#[derive(Clone)]
pub struct CertificatoRilasciato {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Its private key, PKCS#8 PEM.
    pub chiave_pem: String,
    /// Serial number, lowercase hex of the DER integer's bytes.
    pub seriale: String,
    /// SHA-256 of the certificate's DER, lowercase hex.
    pub impronta_sha256: String,
    /// notAfter.
    pub scadenza: OffsetDateTime,
}

impl fmt::Debug for CertificatoRilasciato {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key must not end up in a log line through `{:?}`.
        f.debug_struct("CertificatoRilasciato")
            .field("seriale", &self.seriale)
            .field("impronta_sha256", &self.impronta_sha256)
            .field("scadenza", &self.scadenza)
            .finish_non_exhaustive()
    }
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TipoCertificato {
    /// Client certificate of an ente (EKU clientAuth).
    Client,
    /// Certificate of the service's own listener (EKU serverAuth).
    Server,
}

/// One line of `rilasciati.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rilascio {
    /// Serial number, lowercase hex.
    pub seriale: String,
    /// Client or server.
    pub tipo: TipoCertificato,
    /// Codice IPA (client certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipa: Option<String>,
    /// Codice fiscale of the ente (client certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cf: Option<String>,
    /// Denominazione of the ente, or the names of a server certificate.
    pub soggetto: String,
    /// SHA-256 of the DER, lowercase hex.
    pub impronta: String,
    /// notBefore.
    #[serde(with = "time::serde::rfc3339")]
    pub valido_dal: OffsetDateTime,
    /// notAfter.
    #[serde(with = "time::serde::rfc3339")]
    pub scadenza: OffsetDateTime,
    /// Revoked (listed in the CRL).
    pub revocato: bool,
    /// When it was revoked.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub revocato_il: Option<OffsetDateTime>,
}

/// The certification authority of one directory.
pub struct Autorita {
    dir: PathBuf,
    cert_pem: String,
    emittente: Issuer<'static, KeyPair>,
}

impl fmt::Debug for Autorita {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Autorita")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Autorita {
    /// Creates a new authority in `dir` (created if missing): key, self-signed certificate
    /// with CN = O = `nome`, and an empty CRL. Refuses if a CA certificate or key is already
    /// there, because overwriting a CA key orphans every certificate it signed.
    pub fn crea(dir: &Path, nome: &str) -> Result<Self> {
        let nome = nome.trim();
        if nome.is_empty() || nome.chars().count() > MAX_DENOMINAZIONE {
            return Err(ErroreTls::EnteNonValido(format!(
                "il nome dell'autorità deve avere da 1 a {MAX_DENOMINAZIONE} caratteri"
            )));
        }
        fs::create_dir_all(dir).map_err(ErroreTls::file(dir))?;
        let percorso_cert = dir.join(FILE_CA);
        let percorso_chiave = dir.join(FILE_CHIAVE_CA);
        for p in [&percorso_cert, &percorso_chiave] {
            if p.exists() {
                return Err(ErroreTls::EsisteGia(p.clone()));
            }
        }

        let adesso = adesso();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CountryName, "IT");
        params
            .distinguished_name
            .push(DnType::OrganizationName, nome);
        params.distinguished_name.push(DnType::CommonName, nome);
        // Path length 0: this CA signs end-entity certificates only, so a stolen client
        // key can never be turned into an issuer.
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = adesso - MARGINE_OROLOGIO;
        params.not_after = adesso + Duration::days(GIORNI_CA);
        params.serial_number = Some(seriale_casuale()?);

        let chiave = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = params.self_signed(&chiave)?;
        // Key first, with create_new: two concurrent `crea` cannot both win.
        scrivi_nuovo(&percorso_chiave, &chiave.serialize_pem(), true)?;
        scrivi_nuovo(&percorso_cert, &cert.pem(), false)?;

        let autorita = Autorita {
            dir: dir.to_path_buf(),
            cert_pem: cert.pem(),
            emittente: Issuer::new(params, chiave),
        };
        autorita.scrivi_crl()?;
        Ok(autorita)
    }

    /// Loads the authority of `dir`, checking that key and certificate belong together.
    pub fn carica(dir: &Path) -> Result<Self> {
        let percorso_cert = dir.join(FILE_CA);
        let percorso_chiave = dir.join(FILE_CHIAVE_CA);
        let cert_pem =
            fs::read_to_string(&percorso_cert).map_err(ErroreTls::file(&percorso_cert))?;
        let chiave_pem =
            fs::read_to_string(&percorso_chiave).map_err(ErroreTls::file(&percorso_chiave))?;
        let chiave = KeyPair::from_pem(&chiave_pem)?;

        let der = pem_certificato(&cert_pem, "certificato della CA")?;
        let (_, x509) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| ErroreTls::CertificatoIllegibile(e.to_string()))?;
        if x509.public_key().subject_public_key.data.as_ref() != chiave.public_key_raw() {
            return Err(ErroreTls::Pem {
                cosa: "chiave della CA",
                dettaglio: format!(
                    "{} non corrisponde a {}",
                    percorso_chiave.display(),
                    percorso_cert.display()
                ),
            });
        }
        if !x509.is_ca() {
            return Err(ErroreTls::CertificatoIllegibile(format!(
                "{} non è il certificato di una CA",
                percorso_cert.display()
            )));
        }
        let emittente = Issuer::from_ca_cert_der(&der.into(), chiave)?;
        Ok(Autorita {
            dir: dir.to_path_buf(),
            cert_pem,
            emittente,
        })
    }

    /// The authority's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate, PEM: what the server trusts for client certificates and what a
    /// client trusts for the server certificate.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Path of the current CRL (`dir/crl.pem`).
    pub fn percorso_crl(&self) -> PathBuf {
        self.dir.join(FILE_CRL)
    }

    /// Issues a client certificate to `ente`, valid from now for `giorni` days.
    pub fn rilascia_client(
        &self,
        ente: &EnteCertificato,
        giorni: u32,
    ) -> Result<CertificatoRilasciato> {
        if giorni == 0 {
            return Err(ErroreTls::ValiditaNonValida("almeno un giorno".into()));
        }
        let adesso = adesso();
        self.rilascia_client_periodo(
            ente,
            adesso - MARGINE_OROLOGIO,
            adesso + Duration::days(i64::from(giorni)),
        )
    }

    /// Issues a client certificate with an explicit validity period. Besides renewals
    /// aligned to a date, this is how tests obtain an already expired certificate.
    pub fn rilascia_client_periodo(
        &self,
        ente: &EnteCertificato,
        valido_dal: OffsetDateTime,
        scadenza: OffsetDateTime,
    ) -> Result<CertificatoRilasciato> {
        valida_ente(ente)?;
        let denominazione = ente.denominazione.trim();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CountryName, "IT");
        params
            .distinguished_name
            .push(DnType::OrganizationName, denominazione);
        params.distinguished_name.push(
            DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()),
            // PrintableString, as qualified certificates of Italian CAs write it; the
            // value was checked to be 11 digits, so the conversion cannot fail.
            DnValue::PrintableString(
                format!("{PREFISSO_VAT}{}", ente.codice_fiscale)
                    .try_into()
                    .map_err(|e: rcgen::Error| ErroreTls::EnteNonValido(e.to_string()))?,
            ),
        );
        params
            .distinguished_name
            .push(DnType::CommonName, denominazione);
        params.subject_alt_names = vec![SanType::URI(
            format!("{PREFISSO_URN_IPA}{}", ente.codice_ipa)
                .try_into()
                .map_err(|e: rcgen::Error| ErroreTls::EnteNonValido(e.to_string()))?,
        )];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let rilascio = Rilascio {
            seriale: String::new(),
            tipo: TipoCertificato::Client,
            ipa: Some(ente.codice_ipa.clone()),
            cf: Some(ente.codice_fiscale.clone()),
            soggetto: denominazione.to_owned(),
            impronta: String::new(),
            valido_dal,
            scadenza,
            revocato: false,
            revocato_il: None,
        };
        self.rilascia(params, rilascio)
    }

    /// Issues a certificate for the service's own listener: `nomi` are DNS names or IP
    /// addresses (each becomes a SAN; the first is also the CN).
    pub fn rilascia_server(&self, nomi: &[String], giorni: u32) -> Result<CertificatoRilasciato> {
        let Some(primo) = nomi.first() else {
            return Err(ErroreTls::EnteNonValido(
                "almeno un nome DNS o indirizzo IP per il certificato del server".into(),
            ));
        };
        if giorni == 0 {
            return Err(ErroreTls::ValiditaNonValida("almeno un giorno".into()));
        }
        let mut params = CertificateParams::new(nomi.to_vec())?;
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, primo.as_str());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let adesso = adesso();
        let rilascio = Rilascio {
            seriale: String::new(),
            tipo: TipoCertificato::Server,
            ipa: None,
            cf: None,
            soggetto: nomi.join(", "),
            impronta: String::new(),
            valido_dal: adesso - MARGINE_OROLOGIO,
            scadenza: adesso + Duration::days(i64::from(giorni)),
            revocato: false,
            revocato_il: None,
        };
        self.rilascia(params, rilascio)
    }

    /// Signs `params` with a fresh P-256 key, records the issuance, returns both.
    fn rilascia(
        &self,
        mut params: CertificateParams,
        mut rilascio: Rilascio,
    ) -> Result<CertificatoRilasciato> {
        let valido_dal = rilascio
            .valido_dal
            .replace_nanosecond(0)
            .unwrap_or(rilascio.valido_dal);
        let scadenza = rilascio
            .scadenza
            .replace_nanosecond(0)
            .unwrap_or(rilascio.scadenza);
        if scadenza <= valido_dal {
            return Err(ErroreTls::ValiditaNonValida(format!(
                "la scadenza ({scadenza}) precede l'inizio ({valido_dal})"
            )));
        }
        let seriale = seriale_casuale()?;
        params.serial_number = Some(seriale.clone());
        params.not_before = valido_dal;
        params.not_after = scadenza;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        // The AKI lets verifiers pick the right CA key after a re-keying.
        params.use_authority_key_identifier_extension = true;

        let chiave = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = params.signed_by(&chiave, &self.emittente)?;
        rilascio.seriale = hex::encode(seriale.to_bytes());
        rilascio.impronta = isee_hash::sha256_hex(cert.der());
        rilascio.valido_dal = valido_dal;
        rilascio.scadenza = scadenza;
        self.registra(&rilascio)?;
        tracing::info!(
            seriale = %rilascio.seriale,
            tipo = ?rilascio.tipo,
            soggetto = %rilascio.soggetto,
            "certificato rilasciato"
        );
        Ok(CertificatoRilasciato {
            cert_pem: cert.pem(),
            chiave_pem: chiave.serialize_pem(),
            seriale: rilascio.seriale,
            impronta_sha256: rilascio.impronta,
            scadenza,
        })
    }

    /// Every certificate issued, in issuance order.
    pub fn rilasciati(&self) -> Result<Vec<Rilascio>> {
        let percorso = self.dir.join(FILE_RILASCI);
        let testo = match fs::read_to_string(&percorso) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ErroreTls::file(&percorso)(e)),
        };
        testo
            .lines()
            .enumerate()
            .filter(|(_, riga)| !riga.trim().is_empty())
            .map(|(i, riga)| {
                serde_json::from_str(riga).map_err(|e| ErroreTls::Registro {
                    percorso: percorso.clone(),
                    riga: i + 1,
                    dettaglio: e.to_string(),
                })
            })
            .collect()
    }

    /// Revokes the certificate with serial `seriale` (hex, case and `:` separators
    /// ignored) and rewrites `crl.pem`. Revoking twice is not an error and keeps the first
    /// revocation date. A running server sees the revocation only once it loads the new CRL
    /// (see [`crate::config_server`]).
    pub fn revoca(&self, seriale: &str) -> Result<()> {
        let cercato = normalizza_seriale(seriale);
        let mut rilasci = self.rilasciati()?;
        let Some(r) = rilasci.iter_mut().find(|r| r.seriale == cercato) else {
            return Err(ErroreTls::SerialeIgnoto(seriale.to_owned()));
        };
        if r.revocato {
            tracing::info!(seriale = %cercato, "certificato già revocato");
        } else {
            r.revocato = true;
            r.revocato_il = Some(adesso());
            scrivi_atomico(&self.dir.join(FILE_RILASCI), &righe_jsonl(&rilasci)?)?;
            tracing::info!(seriale = %cercato, "certificato revocato");
        }
        self.scrivi_crl()?;
        Ok(())
    }

    /// A CRL, signed now by the CA, listing every revoked certificate of the register.
    pub fn crl_pem(&self) -> Result<String> {
        let adesso = adesso();
        let revocati = self
            .rilasciati()?
            .into_iter()
            .filter(|r| r.revocato)
            .map(|r| {
                let byte = hex::decode(&r.seriale).map_err(|e| ErroreTls::Registro {
                    percorso: self.dir.join(FILE_RILASCI),
                    riga: 0,
                    dettaglio: format!("seriale {}: {e}", r.seriale),
                })?;
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&byte),
                    revocation_time: r.revocato_il.unwrap_or(adesso),
                    reason_code: None,
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // RFC 5280 §5.2.3 wants a monotonically increasing CRL number; the issuing second
        // is one, as long as two CRLs are not signed within the same second by hand.
        let numero = adesso.unix_timestamp().max(1).to_be_bytes();
        let primo = numero
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(numero.len() - 1);
        let params = CertificateRevocationListParams {
            this_update: adesso,
            next_update: adesso + Duration::days(GIORNI_CRL),
            crl_number: SerialNumber::from_slice(&numero[primo..]),
            issuing_distribution_point: None,
            revoked_certs: revocati,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.emittente)?.pem()?)
    }

    /// Writes a fresh CRL to `dir/crl.pem` (atomically) and returns its path.
    pub fn scrivi_crl(&self) -> Result<PathBuf> {
        let percorso = self.percorso_crl();
        scrivi_atomico(&percorso, &self.crl_pem()?)?;
        Ok(percorso)
    }

    fn registra(&self, rilascio: &Rilascio) -> Result<()> {
        let percorso = self.dir.join(FILE_RILASCI);
        let mut riga = serde_json::to_string(rilascio).map_err(|e| ErroreTls::Registro {
            percorso: percorso.clone(),
            riga: 0,
            dettaglio: e.to_string(),
        })?;
        riga.push('\n');
        // One write of one short line with O_APPEND: lines from two processes do not
        // interleave.
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&percorso)
            .map_err(ErroreTls::file(&percorso))?;
        f.write_all(riga.as_bytes())
            .map_err(ErroreTls::file(&percorso))?;
        f.sync_all().map_err(ErroreTls::file(&percorso))
    }
}

/// Lowercase hex without separators, the register's spelling of a serial.
pub fn normalizza_seriale(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn adesso() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    // Certificates carry whole seconds; keeping the same value in the register lets a
    // record be compared with the certificate it describes.
    t.replace_nanosecond(0).unwrap_or(t)
}

/// 127 random bits, positive and without a leading zero byte (so the hex in the register
/// is the DER integer's content as x509-parser reports it). RFC 5280 asks for at least 64
/// unpredictable bits.
fn seriale_casuale() -> Result<SerialNumber> {
    let mut byte = [0u8; 16];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut byte)
        .map_err(|_| ErroreTls::Casuale)?;
    byte[0] &= 0x7f;
    if byte[0] == 0 {
        byte[0] = 1;
    }
    Ok(SerialNumber::from_slice(&byte))
}

fn valida_ente(ente: &EnteCertificato) -> Result<()> {
    let ipa = &ente.codice_ipa;
    if ipa.is_empty()
        || ipa.len() > 64
        || !ipa
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ErroreTls::EnteNonValido(format!(
            "codice IPA «{ipa}»: lettere, cifre, '_' o '-', al massimo 64 caratteri"
        )));
    }
    if !codice_fiscale_ente_valido(&ente.codice_fiscale) {
        return Err(ErroreTls::EnteNonValido(format!(
            "codice fiscale «{}»: un ente ha un codice fiscale numerico di 11 cifre con cifra di controllo",
            ente.codice_fiscale
        )));
    }
    let n = ente.denominazione.trim().chars().count();
    if n == 0 || n > MAX_DENOMINAZIONE {
        return Err(ErroreTls::EnteNonValido(format!(
            "denominazione: da 1 a {MAX_DENOMINAZIONE} caratteri (ne ha {n})"
        )));
    }
    Ok(())
}

/// 11 digits whose last is the check digit of the Italian numeric fiscal code (the same
/// algorithm as the partita IVA: odd positions as they are, even positions doubled with
/// 9 subtracted above 9).
pub(crate) fn codice_fiscale_ente_valido(cf: &str) -> bool {
    let cifre: Vec<u32> = cf.chars().filter_map(|c| c.to_digit(10)).collect();
    if cf.len() != 11 || cifre.len() != 11 {
        return false;
    }
    let somma: u32 = cifre[..10]
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    (10 - somma % 10) % 10 == cifre[10]
}

fn righe_jsonl(rilasci: &[Rilascio]) -> Result<String> {
    let mut testo = String::new();
    for r in rilasci {
        testo.push_str(&serde_json::to_string(r).map_err(|e| ErroreTls::Registro {
            percorso: PathBuf::from(FILE_RILASCI),
            riga: 0,
            dettaglio: e.to_string(),
        })?);
        testo.push('\n');
    }
    Ok(testo)
}

/// The first certificate of a PEM text, DER.
pub(crate) fn pem_certificato(pem: &str, cosa: &'static str) -> Result<Vec<u8>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or_else(|| ErroreTls::Pem {
            cosa,
            dettaglio: "nessun certificato".into(),
        })?
        .map(|c| c.to_vec())
        .map_err(|e| ErroreTls::Pem {
            cosa,
            dettaglio: e.to_string(),
        })
}

/// Writes a file that must not exist yet; `privato` restricts it to the owner (a key).
pub fn scrivi_nuovo(percorso: &Path, testo: &str, privato: bool) -> Result<()> {
    let mut opzioni = fs::OpenOptions::new();
    opzioni.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opzioni.mode(if privato { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = privato;
    let mut f = opzioni.open(percorso).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ErroreTls::EsisteGia(percorso.to_path_buf())
        } else {
            ErroreTls::file(percorso)(e)
        }
    })?;
    f.write_all(testo.as_bytes())
        .map_err(ErroreTls::file(percorso))?;
    f.sync_all().map_err(ErroreTls::file(percorso))
}

/// Replaces a file by rename, so a reader (a server reloading the CRL) never sees half of it.
pub(crate) fn scrivi_atomico(percorso: &Path, testo: &str) -> Result<()> {
    let mut provvisorio = percorso.as_os_str().to_owned();
    provvisorio.push(".tmp");
    let provvisorio = PathBuf::from(provvisorio);
    {
        let mut f = fs::File::create(&provvisorio).map_err(ErroreTls::file(&provvisorio))?;
        f.write_all(testo.as_bytes())
            .map_err(ErroreTls::file(&provvisorio))?;
        f.sync_all().map_err(ErroreTls::file(&provvisorio))?;
    }
    fs::rename(&provvisorio, percorso).map_err(ErroreTls::file(percorso))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ravenna() -> EnteCertificato {
        EnteCertificato {
            codice_ipa: "c_h199".into(),
            codice_fiscale: "00354730392".into(),
            denominazione: "Comune di Ravenna".into(),
        }
    }

    #[test]
    fn cifra_di_controllo_del_codice_fiscale_numerico() {
        assert!(codice_fiscale_ente_valido("00354730392")); // Comune di Ravenna
        assert!(codice_fiscale_ente_valido("80078750587")); // INPS
        assert!(!codice_fiscale_ente_valido("00354730393"));
        assert!(!codice_fiscale_ente_valido("0035473039"));
        assert!(!codice_fiscale_ente_valido("RSSMRA80A01H501U"));
        assert!(!codice_fiscale_ente_valido("0035473039a"));
    }

    #[test]
    fn crea_non_sovrascrive_e_la_chiave_e_privata() {
        let dir = tempfile::tempdir().unwrap();
        Autorita::crea(dir.path(), "CA di prova").unwrap();
        let errore = Autorita::crea(dir.path(), "Altra CA").unwrap_err();
        assert!(matches!(errore, ErroreTls::EsisteGia(_)), "{errore}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let modo = fs::metadata(dir.path().join(FILE_CHIAVE_CA))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(modo & 0o777, 0o600);
        }
        assert!(dir.path().join(FILE_CRL).exists());
    }

    #[test]
    fn carica_firma_come_la_ca_creata() {
        let dir = tempfile::tempdir().unwrap();
        let creata = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let caricata = Autorita::carica(dir.path()).unwrap();
        assert_eq!(creata.cert_pem(), caricata.cert_pem());
        let c = caricata.rilascia_client(&ravenna(), 30).unwrap();
        // The certificate issued by the reloaded CA names the CA as issuer and verifies
        // against the CA's public key.
        let ca_der = pem_certificato(creata.cert_pem(), "ca").unwrap();
        let der = pem_certificato(&c.cert_pem, "client").unwrap();
        let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(cert.issuer(), ca.subject());
        cert.verify_signature(Some(ca.public_key())).unwrap();
    }

    #[test]
    fn carica_rifiuta_una_chiave_che_non_e_della_ca() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        Autorita::crea(a.path(), "A").unwrap();
        Autorita::crea(b.path(), "B").unwrap();
        fs::copy(b.path().join(FILE_CHIAVE_CA), a.path().join(FILE_CHIAVE_CA)).unwrap();
        let errore = Autorita::carica(a.path()).unwrap_err();
        assert!(errore.to_string().contains("non corrisponde"), "{errore}");
    }

    #[test]
    fn registro_e_revoca() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let c1 = ca.rilascia_client(&ravenna(), 365).unwrap();
        let s = ca
            .rilascia_server(&["localhost".into(), "127.0.0.1".into()], 30)
            .unwrap();
        let rilasci = ca.rilasciati().unwrap();
        assert_eq!(rilasci.len(), 2);
        assert_eq!(rilasci[0].seriale, c1.seriale);
        assert_eq!(rilasci[0].impronta, c1.impronta_sha256);
        assert_eq!(rilasci[0].ipa.as_deref(), Some("c_h199"));
        assert_eq!(rilasci[0].cf.as_deref(), Some("00354730392"));
        assert_eq!(rilasci[0].scadenza, c1.scadenza);
        assert_eq!(rilasci[1].tipo, TipoCertificato::Server);
        assert_eq!(rilasci[1].seriale, s.seriale);

        // Uppercase with colons, as openssl prints it.
        let con_due_punti = c1
            .seriale
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        ca.revoca(&con_due_punti).unwrap();
        let rilasci = ca.rilasciati().unwrap();
        assert!(rilasci[0].revocato && rilasci[0].revocato_il.is_some());
        assert!(!rilasci[1].revocato);
        let data = rilasci[0].revocato_il;
        ca.revoca(&c1.seriale).unwrap();
        assert_eq!(ca.rilasciati().unwrap()[0].revocato_il, data);

        let errore = ca.revoca("0102").unwrap_err();
        assert!(matches!(errore, ErroreTls::SerialeIgnoto(_)), "{errore}");

        // The CRL on disk lists exactly the revoked serial.
        let crl = fs::read_to_string(ca.percorso_crl()).unwrap();
        let der = {
            use rustls_pki_types::CertificateRevocationListDer;
            use rustls_pki_types::pem::PemObject as _;
            CertificateRevocationListDer::from_pem_slice(crl.as_bytes()).unwrap()
        };
        let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
        let seriali: Vec<String> = crl
            .iter_revoked_certificates()
            .map(|r| hex::encode(r.raw_serial()))
            .collect();
        assert_eq!(seriali, vec![c1.seriale.clone()]);
    }

    #[test]
    fn dati_dell_ente_non_validi() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        for ente in [
            EnteCertificato {
                codice_ipa: "c h199".into(),
                ..ravenna()
            },
            EnteCertificato {
                codice_ipa: String::new(),
                ..ravenna()
            },
            EnteCertificato {
                codice_fiscale: "00354730393".into(),
                ..ravenna()
            },
            EnteCertificato {
                denominazione: "  ".into(),
                ..ravenna()
            },
            EnteCertificato {
                denominazione: "x".repeat(65),
                ..ravenna()
            },
        ] {
            let errore = ca.rilascia_client(&ente, 30).unwrap_err();
            assert!(
                matches!(errore, ErroreTls::EnteNonValido(_)),
                "{ente:?}: {errore}"
            );
        }
        assert!(
            ca.rilasciati().unwrap().is_empty(),
            "nessun rilascio per dati rifiutati"
        );
        let adesso = OffsetDateTime::now_utc();
        let errore = ca
            .rilascia_client_periodo(&ravenna(), adesso, adesso)
            .unwrap_err();
        assert!(
            matches!(errore, ErroreTls::ValiditaNonValida(_)),
            "{errore}"
        );
    }
}
