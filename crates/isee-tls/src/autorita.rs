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
//! An ente gets its client certificate the way INPS issues it: the ente makes its own key
//! and a certificate signing request ([`crea_richiesta`], `isee certificati csr`), the
//! authority signs the request ([`Autorita::firma_csr`], `isee certificati firma`) and the
//! private key never leaves the ente. The all-in-one [`Autorita::rilascia_client_con`]
//! (`isee certificati client`) generates the key itself, for sandboxes and tests. Keys are
//! EC P-256 or RSA 2048/3072 ([`AlgoritmoChiave`]): RSA is what much Java client code
//! expects.
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
    PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, PublicKeyData, RevokedCertParams, RsaKeySize, SanType,
    SerialNumber, SubjectPublicKeyInfo,
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

/// The kind of key generated for a certificate's subject.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AlgoritmoChiave {
    /// ECDSA on P-256, signing with SHA-256 (`ec-p256`).
    #[default]
    EcP256,
    /// RSA, 2048-bit modulus (`rsa-2048`).
    Rsa2048,
    /// RSA, 3072-bit modulus (`rsa-3072`).
    Rsa3072,
}

impl AlgoritmoChiave {
    /// Every algorithm, in the order the CLI lists them.
    pub const TUTTI: [AlgoritmoChiave; 3] = [
        AlgoritmoChiave::EcP256,
        AlgoritmoChiave::Rsa2048,
        AlgoritmoChiave::Rsa3072,
    ];

    /// The name on the command line.
    pub fn nome(self) -> &'static str {
        match self {
            AlgoritmoChiave::EcP256 => "ec-p256",
            AlgoritmoChiave::Rsa2048 => "rsa-2048",
            AlgoritmoChiave::Rsa3072 => "rsa-3072",
        }
    }

    fn genera(self) -> Result<KeyPair> {
        Ok(match self {
            AlgoritmoChiave::EcP256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?,
            AlgoritmoChiave::Rsa2048 => {
                KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)?
            }
            AlgoritmoChiave::Rsa3072 => {
                KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_3072)?
            }
        })
    }

    fn descrizione(self) -> &'static str {
        match self {
            AlgoritmoChiave::EcP256 => "EC P-256",
            AlgoritmoChiave::Rsa2048 => "RSA 2048",
            AlgoritmoChiave::Rsa3072 => "RSA 3072",
        }
    }
}

impl fmt::Display for AlgoritmoChiave {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nome())
    }
}

impl std::str::FromStr for AlgoritmoChiave {
    type Err = ErroreTls;

    fn from_str(s: &str) -> Result<Self> {
        AlgoritmoChiave::TUTTI
            .into_iter()
            .find(|a| a.nome() == s.trim())
            .ok_or_else(|| {
                ErroreTls::RichiestaNonValida(format!(
                    "algoritmo «{s}» sconosciuto: ammessi ec-p256, rsa-2048, rsa-3072"
                ))
            })
    }
}

/// What the ente makes on its own side: a private key and a certificate signing request
/// (PKCS#10) for it. Only `csr_pem` goes to the authority.
#[derive(Clone)]
pub struct RichiestaCertificato {
    /// The private key, PKCS#8 PEM: it stays with the ente.
    pub chiave_pem: String,
    /// The CSR, PEM (`CERTIFICATE REQUEST`), signed with that key.
    pub csr_pem: String,
}

impl fmt::Debug for RichiestaCertificato {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RichiestaCertificato")
            .field("csr_pem", &self.csr_pem)
            .finish_non_exhaustive()
    }
}

/// Makes a fresh key of kind `algoritmo` and a CSR for it with subject CN = `cn` (and
/// C = IT). This is the ente's side: no authority is involved.
pub fn crea_richiesta(cn: &str, algoritmo: AlgoritmoChiave) -> Result<RichiestaCertificato> {
    let cn = cn.trim();
    let n = cn.chars().count();
    if n == 0 || n > MAX_DENOMINAZIONE {
        return Err(ErroreTls::EnteNonValido(format!(
            "nome comune (CN) della richiesta: da 1 a {MAX_DENOMINAZIONE} caratteri (ne ha {n})"
        )));
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CountryName, "IT");
    params.distinguished_name.push(DnType::CommonName, cn);
    let chiave = algoritmo.genera()?;
    let csr = params.serialize_request(&chiave)?;
    Ok(RichiestaCertificato {
        chiave_pem: chiave.serialize_pem(),
        csr_pem: csr.pem()?,
    })
}

/// A certificate the authority signed from a CSR: there is no key here, the ente has it.
#[derive(Clone, Debug)]
pub struct CertificatoFirmato {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Serial number, lowercase hex.
    pub seriale: String,
    /// SHA-256 of the certificate's DER, lowercase hex.
    pub impronta_sha256: String,
    /// notAfter.
    pub scadenza: OffsetDateTime,
    /// The key the CSR carried ("RSA 2048", "EC P-256", …).
    pub chiave: String,
    /// The CN the CSR asked for, if any: for the operator to compare with the ente. The
    /// certificate carries the ente's data the authority was given, not this.
    pub cn_richiesto: Option<String>,
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
    /// The subject's key ("EC P-256", "RSA 2048", …); absent in records written before
    /// it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chiave: Option<String>,
    /// Signed from the ente's CSR: the authority never had the key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub da_csr: bool,
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
        let (params, rilascio) = parametri_client(ente, valido_dal, scadenza)?;
        self.rilascia(params, rilascio, AlgoritmoChiave::EcP256)
    }

    /// Issues a client certificate to `ente` with a key of kind `algoritmo` that the
    /// authority generates (the all-in-one path: sandboxes, tests). An ente that keeps
    /// its key to itself sends a CSR instead ([`Autorita::firma_csr`]).
    pub fn rilascia_client_con(
        &self,
        ente: &EnteCertificato,
        giorni: u32,
        algoritmo: AlgoritmoChiave,
    ) -> Result<CertificatoRilasciato> {
        if giorni == 0 {
            return Err(ErroreTls::ValiditaNonValida("almeno un giorno".into()));
        }
        let adesso = adesso();
        let (params, rilascio) = parametri_client(
            ente,
            adesso - MARGINE_OROLOGIO,
            adesso + Duration::days(i64::from(giorni)),
        )?;
        self.rilascia(params, rilascio, algoritmo)
    }

    /// Signs the ente's certificate signing request `csr_pem` (PKCS#10, PEM): the
    /// certificate binds the CSR's public key to `ente`, valid from now for `giorni`
    /// days, with the same subject, SAN and EKU clientAuth as [`Autorita::rilascia_client`].
    ///
    /// Only the CSR's public key is used, once its signature proves the requester holds
    /// the private key; its subject and requested extensions are not copied (the identity
    /// is the one the authority's operator states). Keys: RSA of at least 2048 bits, EC
    /// P-256 or P-384.
    pub fn firma_csr(
        &self,
        csr_pem: &str,
        ente: &EnteCertificato,
        giorni: u32,
    ) -> Result<CertificatoFirmato> {
        if giorni == 0 {
            return Err(ErroreTls::ValiditaNonValida("almeno un giorno".into()));
        }
        let richiesta = leggi_csr(csr_pem)?;
        let adesso = adesso();
        let (params, mut rilascio) = parametri_client(
            ente,
            adesso - MARGINE_OROLOGIO,
            adesso + Duration::days(i64::from(giorni)),
        )?;
        rilascio.chiave = Some(richiesta.descrizione.clone());
        rilascio.da_csr = true;
        let (cert_pem, rilascio) = self.firma(params, rilascio, &richiesta.chiave)?;
        Ok(CertificatoFirmato {
            cert_pem,
            seriale: rilascio.seriale,
            impronta_sha256: rilascio.impronta,
            scadenza: rilascio.scadenza,
            chiave: richiesta.descrizione,
            cn_richiesto: richiesta.cn,
        })
    }
}

/// Subject, SAN and EKU of an ente's client certificate, and its register record.
fn parametri_client(
    ente: &EnteCertificato,
    valido_dal: OffsetDateTime,
    scadenza: OffsetDateTime,
) -> Result<(CertificateParams, Rilascio)> {
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
        chiave: None,
        da_csr: false,
        revocato: false,
        revocato_il: None,
    };
    Ok((params, rilascio))
}

impl Autorita {
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
            chiave: None,
            da_csr: false,
            revocato: false,
            revocato_il: None,
        };
        self.rilascia(params, rilascio, AlgoritmoChiave::EcP256)
    }

    /// Signs `params` with a fresh key of kind `algoritmo`, records the issuance,
    /// returns both.
    fn rilascia(
        &self,
        params: CertificateParams,
        mut rilascio: Rilascio,
        algoritmo: AlgoritmoChiave,
    ) -> Result<CertificatoRilasciato> {
        let chiave = algoritmo.genera()?;
        rilascio.chiave = Some(algoritmo.descrizione().to_owned());
        let (cert_pem, rilascio) = self.firma(params, rilascio, &chiave)?;
        Ok(CertificatoRilasciato {
            cert_pem,
            chiave_pem: chiave.serialize_pem(),
            seriale: rilascio.seriale,
            impronta_sha256: rilascio.impronta,
            scadenza: rilascio.scadenza,
        })
    }

    /// Signs `params` for the public key `soggetto`, records the issuance (before the
    /// certificate leaves), returns the certificate PEM and the record.
    fn firma(
        &self,
        mut params: CertificateParams,
        mut rilascio: Rilascio,
        soggetto: &impl PublicKeyData,
    ) -> Result<(String, Rilascio)> {
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

        let cert = params.signed_by(soggetto, &self.emittente)?;
        rilascio.seriale = hex::encode(seriale.to_bytes());
        rilascio.impronta = isee_hash::sha256_hex(cert.der());
        rilascio.valido_dal = valido_dal;
        rilascio.scadenza = scadenza;
        self.registra(&rilascio)?;
        tracing::info!(
            seriale = %rilascio.seriale,
            tipo = ?rilascio.tipo,
            soggetto = %rilascio.soggetto,
            chiave = rilascio.chiave.as_deref().unwrap_or(""),
            da_csr = rilascio.da_csr,
            "certificato rilasciato"
        );
        Ok((cert.pem(), rilascio))
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

/// What the authority takes from a CSR.
struct CsrLetta {
    chiave: SubjectPublicKeyInfo,
    descrizione: String,
    cn: Option<String>,
}

/// Reads a PKCS#10 request: PEM, structure, the signature made with the key it carries
/// (proof that the requester holds the private key), and an acceptable key.
fn leggi_csr(pem: &str) -> Result<CsrLetta> {
    use rustls_pki_types::CertificateSigningRequestDer;
    use rustls_pki_types::pem::PemObject as _;
    use x509_parser::prelude::{FromDer as _, X509CertificationRequest};
    use x509_parser::public_key::PublicKey;

    let der = CertificateSigningRequestDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        ErroreTls::Pem {
            cosa: "richiesta di certificato (CSR)",
            dettaglio: e.to_string(),
        }
    })?;
    let (resto, csr) = X509CertificationRequest::from_der(der.as_ref()).map_err(|e| {
        ErroreTls::RichiestaNonValida(format!("struttura PKCS#10 illeggibile ({e})"))
    })?;
    if !resto.is_empty() {
        return Err(ErroreTls::RichiestaNonValida(
            "dati in più dopo la richiesta PKCS#10".into(),
        ));
    }
    csr.verify_signature().map_err(|_| {
        ErroreTls::RichiestaNonValida(
            "la firma della richiesta non è valida: non è stata firmata con la chiave che contiene, o è stata alterata dopo la firma".into(),
        )
    })?;
    let info = &csr.certification_request_info;
    let spki = &info.subject_pki;
    let descrizione = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bit = rsa.key_size();
            if bit < 2048 {
                return Err(ErroreTls::RichiestaNonValida(format!(
                    "chiave RSA di {bit} bit: ne servono almeno 2048"
                )));
            }
            format!("RSA {bit}")
        }
        Ok(PublicKey::EC(punto)) => match punto.key_size() {
            256 => "EC P-256".to_owned(),
            384 => "EC P-384".to_owned(),
            bit => {
                return Err(ErroreTls::RichiestaNonValida(format!(
                    "chiave EC di {bit} bit: ammesse P-256 e P-384"
                )));
            }
        },
        _ => {
            return Err(ErroreTls::RichiestaNonValida(
                "tipo di chiave non ammesso: servono RSA (almeno 2048 bit) o EC P-256/P-384".into(),
            ));
        }
    };
    let chiave = SubjectPublicKeyInfo::from_der(spki.raw).map_err(|e| {
        ErroreTls::RichiestaNonValida(format!("chiave pubblica non utilizzabile ({e})"))
    })?;
    let cn = info
        .subject
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned);
    Ok(CsrLetta {
        chiave,
        descrizione,
        cn,
    })
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

    /// The certificate's public key (SPKI bit string) and whether it carries EKU clientAuth.
    fn chiave_ed_eku(cert_pem: &str) -> (Vec<u8>, bool) {
        let der = pem_certificato(cert_pem, "client").unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        let eku = cert
            .extended_key_usage()
            .unwrap()
            .is_some_and(|e| e.value.client_auth && !e.value.server_auth);
        (cert.public_key().subject_public_key.data.to_vec(), eku)
    }

    fn verifica_emittente(ca: &Autorita, cert_pem: &str) {
        let ca_der = pem_certificato(ca.cert_pem(), "ca").unwrap();
        let der = pem_certificato(cert_pem, "client").unwrap();
        let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        cert.verify_signature(Some(ca.public_key())).unwrap();
    }

    #[test]
    fn firma_csr_rsa_e_ec_senza_toccare_la_chiave() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        for (algoritmo, atteso) in [
            (AlgoritmoChiave::Rsa2048, "RSA 2048"),
            (AlgoritmoChiave::Rsa3072, "RSA 3072"),
            (AlgoritmoChiave::EcP256, "EC P-256"),
        ] {
            // The ente's side: the key stays here.
            let richiesta = crea_richiesta("Comune di Ravenna", algoritmo).unwrap();
            let chiave = KeyPair::from_pem(&richiesta.chiave_pem).unwrap();
            // The CA's side: only the CSR.
            let c = ca.firma_csr(&richiesta.csr_pem, &ravenna(), 30).unwrap();
            assert_eq!(c.chiave, atteso);
            assert_eq!(c.cn_richiesto.as_deref(), Some("Comune di Ravenna"));
            let (pubblica, eku_client) = chiave_ed_eku(&c.cert_pem);
            assert_eq!(pubblica, chiave.public_key_raw(), "{algoritmo}");
            assert!(eku_client, "{algoritmo}: EKU clientAuth");
            verifica_emittente(&ca, &c.cert_pem);
            // Same identity as the all-in-one path.
            let id = crate::identita_da_der(&pem_certificato(&c.cert_pem, "c").unwrap()).unwrap();
            assert_eq!(id.codice_ipa.as_deref(), Some("c_h199"));
        }
        let rilasci = ca.rilasciati().unwrap();
        assert_eq!(rilasci.len(), 3);
        assert!(
            rilasci
                .iter()
                .all(|r| r.da_csr && r.tipo == TipoCertificato::Client)
        );
        assert_eq!(rilasci[0].chiave.as_deref(), Some("RSA 2048"));
    }

    #[test]
    fn rilascia_client_con_rsa_ed_ec() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        for algoritmo in AlgoritmoChiave::TUTTI {
            let c = ca.rilascia_client_con(&ravenna(), 30, algoritmo).unwrap();
            let chiave = KeyPair::from_pem(&c.chiave_pem).unwrap();
            let rsa = matches!(
                algoritmo,
                AlgoritmoChiave::Rsa2048 | AlgoritmoChiave::Rsa3072
            );
            assert_eq!(chiave.algorithm() == &PKCS_RSA_SHA256, rsa, "{algoritmo}");
            // PKCS#8, the PEM Java's KeyFactory reads.
            assert!(c.chiave_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let (pubblica, eku_client) = chiave_ed_eku(&c.cert_pem);
            assert_eq!(pubblica, chiave.public_key_raw());
            assert!(eku_client);
            verifica_emittente(&ca, &c.cert_pem);
        }
        let bit: Vec<Option<String>> = ca
            .rilasciati()
            .unwrap()
            .into_iter()
            .map(|r| r.chiave)
            .collect();
        assert_eq!(
            bit,
            ["EC P-256", "RSA 2048", "RSA 3072"].map(|s| Some(s.to_owned()))
        );
        assert_eq!(
            "rsa-3072".parse::<AlgoritmoChiave>().unwrap(),
            AlgoritmoChiave::Rsa3072
        );
        let e = "rsa-1024".parse::<AlgoritmoChiave>().unwrap_err();
        assert!(
            e.to_string()
                .contains("ammessi ec-p256, rsa-2048, rsa-3072"),
            "{e}"
        );
    }

    #[test]
    fn csr_con_firma_non_valida_rifiutata() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let richiesta = crea_richiesta("Comune di Ravenna", AlgoritmoChiave::Rsa2048).unwrap();
        // Change one letter of the signed subject: the DER stays well formed, the
        // signature no longer matches.
        let mut p = pem::parse(&richiesta.csr_pem).unwrap();
        let mut der = p.contents().to_vec();
        let i = der
            .windows(7)
            .position(|w| w == b"Ravenna")
            .expect("CN in the CSR");
        der[i] = b'M';
        p = pem::Pem::new(p.tag(), der);
        let alterata = pem::encode(&p);
        let e = ca.firma_csr(&alterata, &ravenna(), 30).unwrap_err();
        assert!(matches!(e, ErroreTls::RichiestaNonValida(_)), "{e}");
        assert!(
            e.to_string()
                .contains("la firma della richiesta non è valida"),
            "{e}"
        );
        for (testo, cosa) in [
            ("", "PEM"),
            (
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                "PKCS#10",
            ),
        ] {
            let e = ca.firma_csr(testo, &ravenna(), 30).unwrap_err();
            assert!(e.to_string().contains(cosa), "{cosa}: {e}");
        }
        // A CSR signed correctly but for bad ente data, or zero days: refused too.
        let e = ca
            .firma_csr(
                &richiesta.csr_pem,
                &EnteCertificato {
                    codice_fiscale: "1".into(),
                    ..ravenna()
                },
                30,
            )
            .unwrap_err();
        assert!(matches!(e, ErroreTls::EnteNonValido(_)), "{e}");
        assert!(ca.firma_csr(&richiesta.csr_pem, &ravenna(), 0).is_err());
        assert!(ca.rilasciati().unwrap().is_empty(), "nothing issued");
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
