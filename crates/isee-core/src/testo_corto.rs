//! Short codes (fiscal codes, cadastral codes) stored inline, without a heap
//! allocation: a DSU has several, and a batch reads millions of DSUs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Up to 31 bytes of text, stored inline. Longer text is cut at a character boundary
/// (only malformed codes are that long; the validation reports them).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TestoCorto {
    len: u8,
    buf: [u8; 31],
}

impl TestoCorto {
    pub fn new(s: &str) -> TestoCorto {
        let mut fine = s.len().min(31);
        while !s.is_char_boundary(fine) {
            fine -= 1;
        }
        let mut buf = [0u8; 31];
        buf[..fine].copy_from_slice(&s.as_bytes()[..fine]);
        TestoCorto {
            len: fine as u8,
            buf,
        }
    }

    /// The text without surrounding white space, cut like [`TestoCorto::new`]; the cut
    /// may expose white space, which is trimmed too, so that reading back what this
    /// returns gives the same value (a DSU written and read again is the same DSU).
    pub fn senza_spazi(s: &str) -> TestoCorto {
        let t = TestoCorto::new(s.trim());
        match t.as_str().trim_end() {
            corto if corto.len() < t.as_str().len() => TestoCorto::new(corto),
            _ => t,
        }
    }

    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut at a char boundary: always valid UTF-8.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl fmt::Debug for TestoCorto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TestoCorto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TestoCorto {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TestoCorto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TestoCorto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("un testo")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TestoCorto, E> {
                Ok(TestoCorto::new(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// A cadastral (Belfiore) code of an Italian comune, or a foreign state's code (Z…).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodiceComune(TestoCorto);

impl CodiceComune {
    pub fn new(s: &str) -> CodiceComune {
        CodiceComune(TestoCorto::senza_spazi(s))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn estero(&self) -> bool {
        self.0.as_bytes().first() == Some(&b'Z')
    }
}

impl fmt::Display for CodiceComune {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl schemars::JsonSchema for CodiceComune {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CodiceComune".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Codice catastale (Belfiore) del comune, es. H501; per l'estero il codice dello Stato (Z…).",
            "type": "string",
            "pattern": "^[A-Z][0-9]{3}$"
        })
    }
}

impl From<&str> for CodiceComune {
    fn from(s: &str) -> Self {
        CodiceComune::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taglia_ai_confini_dei_caratteri() {
        let lungo = "è".repeat(40);
        let t = TestoCorto::new(&lungo);
        assert!(t.as_str().len() <= 31);
        assert!(t.as_str().chars().all(|c| c == 'è'));
        assert_eq!(TestoCorto::new("H501").as_str(), "H501");
    }

    /// Found by the `dsu_json` fuzz target: trimming before the cut left a trailing
    /// space at the cut, which the next read trimmed, so a DSU written and read back
    /// differed from the one read.
    #[test]
    fn senza_spazi_anche_dopo_il_taglio() {
        let t = TestoCorto::senza_spazi("  PLMLEI11CDI_CUI_LAVORO_DIPEND: 03G478K ");
        assert_eq!(t.as_str(), "PLMLEI11CDI_CUI_LAVORO_DIPEND:");
        assert_eq!(TestoCorto::senza_spazi(t.as_str()), t);
        assert_eq!(TestoCorto::senza_spazi(" H501 ").as_str(), "H501");
    }
}
