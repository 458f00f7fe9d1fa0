//! The eight ISEE e-services INPS publishes on PDND (message 3269 of 30-10-2025), each
//! with its audience, its operations, its disclosure level and its access policy,
//! and a ninth of this project's, REST only: Consultazione Dichiarazione ISEE, the
//! DSU content for an ente's controls (docs/CONSULTAZIONE.md).
//!
//! The catalogue is data, not code paths: the pipeline in [`crate::servizio`] reads
//! the policy of the e-service a request arrived on and applies it, so that a policy
//! change (a category added by INPS, say) is one line here and one test.

use isee_soap::Operazione;
use uuid::Uuid;

/// How much of a citizen's ISEE an operation discloses (issue 3: three levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Divulgazione {
    /// Yes/no against a threshold code (`ConsultazioneSogliaIndicatore`).
    Soglia,
    /// The indicator values (ISEE, ISE, ISR, ISP, scala) with the DSU protocol.
    Indicatore,
    /// The attestation: household, calculation lines, omissions and discrepancies.
    Attestazione,
    /// The whole DSU as INPS's `ISEE_Dichiarazione` document: every member's
    /// incomes, assets and personal data (ConsultazioneDichiarazione). The widest.
    Dichiarazione,
}

/// Who may call an e-service and how the call must be made.
#[derive(Clone, Copy, Debug)]
pub struct Politica {
    /// IPA categories allowed (message 3269, lists under a)-d)); compared by code.
    pub categorie: &'static [&'static str],
    /// Comuni (L6) only if capoluogo di provincia (message 3269, last paragraph of d).
    pub solo_capoluoghi: bool,
    /// Comuni only, and only for DSUs whose nucleus resides in the Comune (b).
    pub solo_residenti: bool,
    /// Mutual TLS with a client certificate the service issued (ID_AUTH_CHANNEL_02, d).
    pub certificato_client: bool,
    /// The operator's SPID/CIE evidence as AUDIT_REST_02, and an MV62-like
    /// authorisation in the service's register (a).
    pub operatore: bool,
    /// The caller must give the DSU protocol with the fiscal code (c).
    pub riscontro: bool,
    /// Whether the legacy "cooperazione applicativa, mutua autenticazione" mode
    /// (the SII's channel "in cooperazione applicativa … secondo lo schema di mutua
    /// autenticazione", docs/CONSULTAZIONE.md: mTLS and INPS's
    /// `Identity` header, **no** PDND voucher) *may* be enabled for this e-service
    /// by configuration (`[[cooperazione_applicativa]]`). Only the certificate-based
    /// services: the others have no client certificate to authenticate the ente.
    /// The voucher stays required unless a configured agreement names the
    /// e-service ([`crate::servizio::Servizio::voucher_obbligatorio`]).
    pub cooperazione_applicativa: bool,
}

/// The seven IPA categories of message 3269 (consultazione-pdnd.md §4.1).
pub const CATEGORIE_3269: &[&str] = &["L6", "L4", "L7", "L17", "L43", "L15", "L39"];
/// Comuni e loro Consorzi e Associazioni.
pub const CATEGORIA_COMUNI: &str = "L6";

/// One e-service of the catalogue.
#[derive(Clone, Copy, Debug)]
pub struct EServizio {
    /// Our stable slug, used in REST paths, in the access log and in the operator
    /// authorisations (`isee-enti` uses the two Operatori slugs).
    pub codice: &'static str,
    /// The name INPS gives it on PDND.
    pub nome: &'static str,
    /// The SOAP endpoint's last path segment, after INPS's
    /// `…/pdnd/soap/ConsultazioneISEE/v2/` (seen for the Residenti variant, §1.1),
    /// and the last segment of the voucher audience. A REST-only e-service
    /// ([`EServizio::soap`] false) has no SOAP endpoint: the name is its audience's.
    pub endpoint: &'static str,
    pub operazioni: &'static [Operazione],
    pub politica: Politica,
}

impl EServizio {
    /// The PDND e-service id. INPS's real ids are only partly public (§1.1), so ours
    /// are UUID v5 of the slug: stable across installations and documented.
    pub fn id(&self) -> Uuid {
        Uuid::new_v5(&NAMESPACE_ISEE, self.codice.as_bytes())
    }

    /// The id of the published descriptor (version 2, like INPS's Residenti variant).
    pub fn descriptor_id(&self) -> Uuid {
        Uuid::new_v5(&NAMESPACE_ISEE, format!("{}/v2", self.codice).as_bytes())
    }

    /// The voucher audience of this e-service: `<base>/<endpoint>`, no scheme, as
    /// PDND audiences are written (`api.inps.it/pdnd/soap/ConsultazioneISEE/v1`).
    pub fn audience(&self, base: &str) -> String {
        format!("{}/{}", base.trim_end_matches('/'), self.endpoint)
    }

    pub fn ammette(&self, op: Operazione) -> bool {
        self.operazioni.contains(&op)
    }

    /// Whether the e-service is served over SOAP (it has an operation of the WSDL);
    /// `dichiarazione` is REST only.
    pub fn soap(&self) -> bool {
        self.operazioni.iter().any(|o| o.soap())
    }

    /// The highest disclosure among the e-service's operations.
    pub fn divulgazione_massima(&self) -> Divulgazione {
        self.operazioni
            .iter()
            .map(|o| divulgazione(*o))
            .max()
            .unwrap_or(Divulgazione::Soglia)
    }
}

/// The namespace of our e-service UUIDs (UUID v5 of the project's URL namespace name).
pub const NAMESPACE_ISEE: Uuid = Uuid::from_u128(0x6a0c_1f7e_5b1d_5c2e_9a6f_3e0b_7d4c_1a20);

/// What an operation discloses.
pub fn divulgazione(op: Operazione) -> Divulgazione {
    use Operazione::*;
    match op {
        ConsultazioneSogliaIndicatore => Divulgazione::Soglia,
        ConsultazioneAttestazione
        | ConsultazioneAttestazioneResidenti
        | ConsultazioneAttestazioneOperatori => Divulgazione::Attestazione,
        ConsultazioneIndicatore
        | ConsultazioneIndicatoreResidenti
        | ConsultazioneIndicatoreOperatori
        | ConsultazioneIndicatoreRiscontro
        | ConsultazioneIndicatoreNucleoRiscontro => Divulgazione::Indicatore,
        ConsultazioneDichiarazione => Divulgazione::Dichiarazione,
    }
}

const CERTIFICATO: Politica = Politica {
    categorie: CATEGORIE_3269,
    solo_capoluoghi: true,
    solo_residenti: false,
    certificato_client: true,
    operatore: false,
    riscontro: false,
    cooperazione_applicativa: true,
};
const RESIDENTI: Politica = Politica {
    categorie: &[CATEGORIA_COMUNI],
    solo_capoluoghi: false,
    solo_residenti: true,
    certificato_client: false,
    operatore: false,
    riscontro: false,
    cooperazione_applicativa: false,
};
const RISCONTRO: Politica = Politica {
    categorie: CATEGORIE_3269,
    solo_capoluoghi: false,
    solo_residenti: false,
    certificato_client: false,
    operatore: false,
    riscontro: true,
    cooperazione_applicativa: false,
};
const OPERATORI: Politica = Politica {
    categorie: CATEGORIE_3269,
    solo_capoluoghi: false,
    solo_residenti: false,
    certificato_client: false,
    operatore: true,
    riscontro: false,
    cooperazione_applicativa: false,
};

/// Consultazione Dichiarazione: the widest disclosure, so every safeguard at once —
/// the categories of message 3269, the client certificate of the ente **and** the
/// voucher (no legacy mode), the operator's evidence and an authorisation for this
/// e-service. Not reserved to capoluoghi: that rule of message 3269 is INPS's for
/// its two certificate e-services; here the purpose INPS approves and the
/// operator's authorisation are what restrict it.
const DICHIARAZIONE: Politica = Politica {
    categorie: CATEGORIE_3269,
    solo_capoluoghi: false,
    solo_residenti: false,
    certificato_client: true,
    operatore: true,
    riscontro: true,
    cooperazione_applicativa: false,
};

use Operazione as Op;

/// The catalogue. The threshold query rides on the three indicator e-services that
/// search by fiscal code: it discloses less than the indicator they already grant.
/// The last, `dichiarazione`, is this project's and REST only.
pub const CATALOGO: [EServizio; 9] = [
    EServizio {
        codice: "indicatore",
        nome: "Consultazione Indicatore ISEE",
        endpoint: "ConsultazioneIndicatore",
        operazioni: &[
            Op::ConsultazioneIndicatore,
            Op::ConsultazioneSogliaIndicatore,
        ],
        politica: CERTIFICATO,
    },
    EServizio {
        codice: "attestazione",
        nome: "Consultazione Attestazione ISEE",
        endpoint: "ConsultazioneAttestazione",
        operazioni: &[Op::ConsultazioneAttestazione],
        politica: CERTIFICATO,
    },
    EServizio {
        codice: "indicatore-residenti",
        nome: "Consultazione Indicatore Residenti ISEE",
        endpoint: "ConsultazioneIndicatoreResidenti",
        operazioni: &[
            Op::ConsultazioneIndicatoreResidenti,
            Op::ConsultazioneSogliaIndicatore,
        ],
        politica: RESIDENTI,
    },
    EServizio {
        codice: "attestazione-residenti",
        nome: "Consultazione Attestazione Residenti ISEE",
        endpoint: "ConsultazioneAttestazioneResidenti",
        operazioni: &[Op::ConsultazioneAttestazioneResidenti],
        politica: RESIDENTI,
    },
    EServizio {
        codice: "indicatore-riscontro",
        nome: "Consultazione Indicatore Riscontro ISEE",
        endpoint: "ConsultazioneIndicatoreRiscontro",
        operazioni: &[Op::ConsultazioneIndicatoreRiscontro],
        politica: RISCONTRO,
    },
    EServizio {
        codice: "nucleo-riscontro",
        nome: "Consultazione Indicatore Nucleo Riscontro ISEE",
        endpoint: "ConsultazioneIndicatoreNucleoRiscontro",
        operazioni: &[Op::ConsultazioneIndicatoreNucleoRiscontro],
        politica: RISCONTRO,
    },
    EServizio {
        codice: "indicatore-operatori",
        nome: "Consultazione Indicatore ISEE Operatori",
        endpoint: "ConsultazioneIndicatoreOperatori",
        operazioni: &[
            Op::ConsultazioneIndicatoreOperatori,
            Op::ConsultazioneSogliaIndicatore,
        ],
        politica: OPERATORI,
    },
    EServizio {
        codice: "attestazione-operatori",
        nome: "Consultazione Attestazione ISEE Operatori",
        endpoint: "ConsultazioneAttestazioneOperatori",
        operazioni: &[Op::ConsultazioneAttestazioneOperatori],
        politica: OPERATORI,
    },
    EServizio {
        codice: "dichiarazione",
        nome: "Consultazione Dichiarazione ISEE",
        endpoint: "ConsultazioneDichiarazione",
        operazioni: &[Op::ConsultazioneDichiarazione],
        politica: DICHIARAZIONE,
    },
];

pub fn per_codice(codice: &str) -> Option<&'static EServizio> {
    CATALOGO.iter().find(|e| e.codice == codice)
}

/// The e-service of a SOAP endpoint: REST-only e-services have none.
pub fn per_endpoint(endpoint: &str) -> Option<&'static EServizio> {
    CATALOGO.iter().find(|e| e.endpoint == endpoint && e.soap())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn nove_eservizi_con_id_e_audience_distinti() {
        let mut ids: Vec<Uuid> = CATALOGO.iter().map(|e| e.id()).collect();
        ids.extend(CATALOGO.iter().map(|e| e.descriptor_id()));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 18);
        let mut aud: Vec<String> = CATALOGO.iter().map(|e| e.audience("x/v2")).collect();
        aud.sort();
        aud.dedup();
        assert_eq!(aud.len(), 9);
    }

    #[test]
    fn la_dichiarazione_solo_rest_con_certificato_voucher_e_operatore() {
        let d = per_codice("dichiarazione").unwrap();
        assert_eq!(d.divulgazione_massima(), Divulgazione::Dichiarazione);
        assert!(Divulgazione::Dichiarazione > Divulgazione::Attestazione);
        let p = d.politica;
        assert!(p.certificato_client && p.operatore && p.riscontro);
        assert!(!p.cooperazione_applicativa);
        assert!(!d.soap());
        assert!(per_endpoint(d.endpoint).is_none());
        assert!(
            CATALOGO
                .iter()
                .filter(|e| e.codice != d.codice)
                .all(|e| e.soap())
        );
        // The operator authorisations cover it.
        assert!(isee_enti::ESERVIZI_OPERATORI.contains(&d.codice));
        for e in CATALOGO.iter().filter(|e| e.politica.operatore) {
            assert!(
                isee_enti::ESERVIZI_OPERATORI.contains(&e.codice),
                "{}",
                e.codice
            );
        }
    }

    #[test]
    fn solo_i_comuni_per_i_residenti_e_capoluoghi_per_i_certificati() {
        let r = per_codice("attestazione-residenti").unwrap();
        assert_eq!(r.politica.categorie, &["L6"]);
        assert!(r.politica.solo_residenti && !r.politica.certificato_client);
        let c = per_codice("attestazione").unwrap();
        assert!(c.politica.certificato_client && c.politica.solo_capoluoghi);
        assert_eq!(c.divulgazione_massima(), Divulgazione::Attestazione);
        let s = per_codice("indicatore").unwrap();
        assert_eq!(s.divulgazione_massima(), Divulgazione::Indicatore);
        assert!(
            per_codice("indicatore-operatori")
                .unwrap()
                .politica
                .operatore
        );
        assert!(per_codice("nucleo-riscontro").unwrap().politica.riscontro);
    }

    #[test]
    fn cooperazione_applicativa_solo_per_i_servizi_a_certificato() {
        let ammessi: Vec<&str> = CATALOGO
            .iter()
            .filter(|e| e.politica.cooperazione_applicativa)
            .map(|e| e.codice)
            .collect();
        assert_eq!(ammessi, ["indicatore", "attestazione"]);
        assert!(
            CATALOGO
                .iter()
                .filter(|e| e.politica.cooperazione_applicativa)
                .all(|e| e.politica.certificato_client)
        );
    }
}
