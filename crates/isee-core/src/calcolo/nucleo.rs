//! The set of people a calculation counts, and the facts about them the scala needs.

use crate::data::nato_entro;
use crate::dsu::{
    Abitazione, Componente, CondizioniNucleo, Dsu, GenitoreNonConvivente, Immobile,
    PatrimonioAggiornato, Rapporto, RapportoFinanziario, RiepilogoNucleo, SituazioneGenitore,
    Variazione,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A member as counted by one calculation: the relation may differ from the DSU's (a
/// student attracted into the parents' nucleus counts as their child).
#[derive(Clone, Copy)]
pub(crate) struct Membro<'a> {
    pub c: &'a Componente,
    pub rapporto: Rapporto,
}

/// The members of one calculation. The ordinary nucleus is read straight from the
/// DSU (every member but an attracted GNC), so the most common calculation builds no
/// list; the other types list their members.
pub(crate) enum Membri<'a> {
    Ordinari(&'a [Componente]),
    Lista(Vec<Membro<'a>>),
}

impl<'a> Membri<'a> {
    pub(super) fn iter(&self) -> IterMembri<'_, 'a> {
        match self {
            Membri::Ordinari(c) => IterMembri::Ordinari(c.iter()),
            Membri::Lista(l) => IterMembri::Lista(l.iter()),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Membri::Ordinari(c) => c.iter().filter(|c| c.rapporto != Rapporto::GNC).count(),
            Membri::Lista(l) => l.len(),
        }
    }

    pub(super) fn push(&mut self, m: Membro<'a>) {
        if let Membri::Ordinari(_) = self {
            *self = Membri::Lista(self.iter().collect());
        }
        if let Membri::Lista(l) = self {
            l.push(m);
        }
    }
}

impl<'a> FromIterator<Membro<'a>> for Membri<'a> {
    fn from_iter<I: IntoIterator<Item = Membro<'a>>>(it: I) -> Self {
        Membri::Lista(it.into_iter().collect())
    }
}

pub(crate) enum IterMembri<'s, 'a> {
    Ordinari(std::slice::Iter<'a, Componente>),
    Lista(std::slice::Iter<'s, Membro<'a>>),
}

impl<'a> Iterator for IterMembri<'_, 'a> {
    type Item = Membro<'a>;

    #[inline]
    fn next(&mut self) -> Option<Membro<'a>> {
        match self {
            IterMembri::Ordinari(it) => {
                it.by_ref()
                    .find(|c| c.rapporto != Rapporto::GNC)
                    .map(|c| Membro {
                        c,
                        rapporto: c.rapporto,
                    })
            }
            IterMembri::Lista(it) => it.next().copied(),
        }
    }
}

/// Property counted on top of the members' own (donations, art. 6 c.3).
#[derive(Clone, Debug)]
pub(crate) struct ImmobileAggiunto {
    pub descrizione: String,
    pub valore: Decimal,
}

/// The people and circumstances of one calculation.
pub(crate) struct Nucleo<'a> {
    pub membri: Membri<'a>,
    /// The home; `None` for a person counted alone (componente aggiuntiva).
    pub abitazione: Option<&'a Abitazione>,
    pub condizioni: Option<&'a CondizioniNucleo>,
    /// Facts replaced wholesale, for a person counted alone.
    pub condizioni_fisse: Option<Condizioni>,
    /// ISEE corrente: members whose incomes are replaced.
    pub variazioni: &'a [Variazione],
    pub moltiplicatore_due_mesi: Decimal,
    /// ISEE corrente, patrimonio route: every member's updated assets.
    pub patrimonio_aggiornato: Option<&'a [PatrimonioAggiornato]>,
    pub immobili_aggiunti: Vec<ImmobileAggiunto>,
    /// Leave out property received as a donation from a beneficiary (Allegato 2 c.1
    /// lett. b).
    pub escludi_donazioni_ricevute: bool,
    /// The DSU's non-cohabiting parents and members, for Allegato 1 lett. c) second
    /// sentence: an attracted parent of a minor child of this nucleus counts as a
    /// parent for the maggiorazione even where he or she is not a member.
    pub genitori_esterni: Option<GenitoriEsterni<'a>>,
    pub data: NaiveDate,
}

/// Where the derivation finds the non-cohabiting parents (see
/// [`Nucleo::genitori_esterni`]).
#[derive(Clone, Copy)]
pub(crate) struct GenitoriEsterni<'a> {
    pub genitori: &'a [GenitoreNonConvivente],
    pub componenti: &'a [Componente],
}

impl<'a> GenitoriEsterni<'a> {
    pub(crate) fn di(dsu: &'a Dsu) -> Option<Self> {
        (!dsu.genitori_non_conviventi.is_empty()).then_some(GenitoriEsterni {
            genitori: &dsu.genitori_non_conviventi,
            componenti: &dsu.componenti,
        })
    }
}

/// Facts about the nucleus that the scala and the franchigie need.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Condizioni {
    pub componenti: u32,
    pub conviventi_anagrafici: u32,
    pub figli: u32,
    pub figli_conviventi: u32,
    pub minorenni: bool,
    pub minori_tre_anni: bool,
    pub lavoro_genitori: bool,
    pub unico_genitore: bool,
    /// Non-cohabiting parents counted only for the maggiorazione of lett. b)-c)
    /// (Allegato 1 lett. c), second sentence).
    pub genitori_non_conviventi: u32,
    pub disabili: u32,
}

impl<'a> Nucleo<'a> {
    pub(super) fn new(
        membri: Membri<'a>,
        abitazione: Option<&'a Abitazione>,
        condizioni: Option<&'a CondizioniNucleo>,
        data: NaiveDate,
    ) -> Self {
        Nucleo {
            membri,
            abitazione,
            condizioni,
            condizioni_fisse: None,
            variazioni: &[],
            moltiplicatore_due_mesi: Decimal::ONE,
            patrimonio_aggiornato: None,
            immobili_aggiunti: Vec::new(),
            escludi_donazioni_ricevute: false,
            genitori_esterni: None,
            data,
        }
    }

    /// Counts the DSU's attracted non-cohabiting parents for the maggiorazione of
    /// Allegato 1 lett. b)-c) (see [`Nucleo::genitori_esterni`]).
    pub(super) fn con_genitori_esterni(mut self, dsu: &'a Dsu) -> Self {
        self.genitori_esterni = GenitoriEsterni::di(dsu);
        self
    }

    /// Derives the facts from the members, then applies the DSU's `CondizioniNucleo`.
    pub(super) fn condizioni(&self, mesi_lavoro_minimi: u8) -> Condizioni {
        if let Some(c) = self.condizioni_fisse {
            return c;
        }
        let mut c = Condizioni {
            componenti: self.membri.len() as u32,
            ..Condizioni::default()
        };
        let mut genitori = 0u32;
        let mut genitori_al_lavoro = 0u32;
        let mut altri_non_minori = 0u32;
        // Cut-off birth dates, once per nucleus: comparing dates is cheaper than
        // computing every age.
        let maggiorenne_se_nato_entro = nato_entro(self.data, 18);
        let tre_anni_se_nato_entro = nato_entro(self.data, 3);
        for m in self.membri.iter() {
            let nascita = m.c.data_nascita.get().unwrap_or(NaiveDate::MIN);
            if m.c.convivenza_anagrafica {
                c.conviventi_anagrafici += 1;
            }
            if m.c.disabilita.is_some() {
                c.disabili += 1;
            }
            if m.rapporto.e_figlio() {
                c.figli += 1;
                if m.rapporto.e_figlio_convivente() {
                    c.figli_conviventi += 1;
                }
                if nascita > maggiorenne_se_nato_entro {
                    c.minorenni = true;
                    if nascita > tre_anni_se_nato_entro {
                        c.minori_tre_anni = true;
                    }
                } else {
                    altri_non_minori += 1;
                }
            } else if matches!(m.rapporto, Rapporto::D | Rapporto::C | Rapporto::GNC) {
                genitori += 1;
                if m.c.mesi_lavoro >= mesi_lavoro_minimi {
                    genitori_al_lavoro += 1;
                }
            } else {
                altri_non_minori += 1;
            }
        }
        // Allegato 1 lett. c), second sentence: "ai soli fini della maggiorazione" the
        // non-cohabiting parent, not married to the other parent, who recognised the
        // children is part of the nucleus, unless one of the cases of art. 7 c.1
        // a)-e) applies. In the DSU that is a parent declared `attratto` (none of the
        // cases) for a minor child of this nucleus; when he or she is already a member
        // (ISEE minorenni) the loop above has counted him or her.
        if let Some(esterni) = self.genitori_esterni {
            for g in esterni.genitori {
                if g.situazione != SituazioneGenitore::Attratto
                    || self
                        .membri
                        .iter()
                        .any(|m| m.c.codice_fiscale == g.codice_fiscale)
                {
                    continue;
                }
                let di_un_minore_del_nucleo = self.membri.iter().any(|m| {
                    m.rapporto.e_figlio()
                        && m.c.data_nascita.get().unwrap_or(NaiveDate::MIN)
                            > maggiorenne_se_nato_entro
                        && g.figli.contains(&m.c.codice_fiscale)
                });
                let Some(foglio) = esterni
                    .componenti
                    .iter()
                    .find(|x| x.rapporto == Rapporto::GNC && x.codice_fiscale == g.codice_fiscale)
                else {
                    continue;
                };
                if di_un_minore_del_nucleo {
                    c.genitori_non_conviventi += 1;
                    genitori += 1;
                    if foglio.mesi_lavoro >= mesi_lavoro_minimi {
                        genitori_al_lavoro += 1;
                    }
                }
            }
        }
        // Allegato 1 lett. b): both parents, or the only one present, worked ≥ 6
        // months. Lett. c): a nucleus of one parent and minor children only.
        c.lavoro_genitori = genitori > 0 && genitori_al_lavoro == genitori;
        c.unico_genitore = genitori == 1 && altri_non_minori == 0 && c.minorenni;
        if let Some(o) = self.condizioni {
            if let Some(v) = o.numero_figli {
                c.figli = u32::from(v);
            }
            if let Some(v) = o.numero_figli_conviventi {
                c.figli_conviventi = u32::from(v);
            }
            if let Some(v) = o.presenza_minorenni {
                c.minorenni = v;
            }
            if let Some(v) = o.presenza_minori_3_anni {
                c.minori_tre_anni = v;
            }
            if let Some(v) = o.lavoro_genitori {
                c.lavoro_genitori = v;
            }
            if let Some(v) = o.unico_genitore {
                c.unico_genitore = v;
            }
        }
        c
    }

    pub(super) fn variazione(&self, m: &Membro) -> Option<&'a Variazione> {
        self.variazioni
            .iter()
            .find(|v| v.codice_fiscale == m.c.codice_fiscale)
    }

    /// The member's financial assets: the updated ones on the patrimonio route.
    pub(super) fn mobiliare(&self, m: &Membro<'a>) -> &'a [RapportoFinanziario] {
        match self.patrimonio_aggiornato {
            Some(p) => p
                .iter()
                .find(|x| x.codice_fiscale == m.c.codice_fiscale)
                .map(|x| x.patrimonio_mobiliare.as_slice())
                .unwrap_or(&[]),
            None => &m.c.patrimonio_mobiliare,
        }
    }

    pub(super) fn immobiliare(&self, m: &Membro<'a>) -> &'a [Immobile] {
        match self.patrimonio_aggiornato {
            Some(p) => p
                .iter()
                .find(|x| x.codice_fiscale == m.c.codice_fiscale)
                .map(|x| x.patrimonio_immobiliare.as_slice())
                .unwrap_or(&[]),
            None => &m.c.patrimonio_immobiliare,
        }
    }

    pub(super) fn codici(&self) -> Vec<crate::codice_fiscale::CodiceFiscale> {
        self.membri.iter().map(|m| m.c.codice_fiscale).collect()
    }
}

/// The facts of another nucleus from INPS's summary block.
pub(crate) fn condizioni_da_riepilogo(r: &RiepilogoNucleo) -> Condizioni {
    Condizioni {
        componenti: u32::from(r.numero_componenti.max(1)),
        conviventi_anagrafici: u32::from(r.numero_conviventi),
        figli: u32::from(r.numero_figli),
        figli_conviventi: u32::from(r.numero_figli_conviventi),
        minorenni: r.presenza_minorenni,
        minori_tre_anni: r.presenza_minori_3_anni,
        lavoro_genitori: r.attivita_lavorativa,
        unico_genitore: r.genitore_solo,
        genitori_non_conviventi: 0,
        disabili: u32::from(r.disabili_media)
            + u32::from(r.disabili_grave)
            + u32::from(r.disabili_non_autosufficienti),
    }
}

/// The ordinary nucleus: every member but an attracted non-cohabiting parent.
pub(crate) fn membri_ordinari(componenti: &[Componente]) -> Membri<'_> {
    Membri::Ordinari(componenti)
}
