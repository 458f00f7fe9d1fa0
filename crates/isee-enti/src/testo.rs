//! Text helpers shared by the two importers: decoding and code shapes.

use encoding_rs::WINDOWS_1252;
use std::borrow::Cow;

/// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252,
/// ISTAT's charset. A Windows-1252 file with accents is never valid UTF-8 by chance
/// in practice (an accented letter alone is an invalid UTF-8 sequence), and a pure
/// ASCII file reads the same either way.
pub(crate) fn decodifica(byte: &[u8]) -> Cow<'_, str> {
    let senza_bom = byte.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(byte);
    match std::str::from_utf8(senza_bom) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(senza_bom).0,
    }
}

/// A header as compared: lower case, every run of whitespace (newlines included)
/// one space, no space around `/`.
pub(crate) fn normalizza_intestazione(h: &str) -> String {
    let parole = h.split_whitespace().collect::<Vec<_>>().join(" ");
    parole.to_lowercase().replace(" /", "/").replace("/ ", "/")
}

/// A comune's ISTAT code as six digits: spreadsheets and JSON numbers drop the
/// leading zeros (`58091` for Roma's `058091`).
pub(crate) fn codice_istat(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{s:0>6}"))
}

/// A Belfiore (cadastral) code: one letter and three digits, upper case.
pub(crate) fn codice_catastale(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_uppercase();
    let b = s.as_bytes();
    (b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit))
        .then_some(s)
}

/// The delimiter of a CSV file, from its first line: IPA's export uses commas,
/// ISTAT's semicolons; a header never contains the other one unquoted in practice.
pub(crate) fn separatore(testo: &str, predefinito: u8) -> u8 {
    let prima = testo.lines().next().unwrap_or("");
    let virgole = prima.matches(',').count();
    let punti_e_virgola = prima.matches(';').count();
    match predefinito {
        b';' if virgole > punti_e_virgola => b',',
        b',' if punti_e_virgola > virgole => b';',
        d => d,
    }
}

/// The file line where each CSV record starts, for warnings. The `csv` crate's own
/// line count lags by one after a CRLF terminator (it reports the `\n` of the
/// previous line as the start of the record), so lines are counted here from the
/// record's byte offset, skipping line ends, in one forward pass.
pub(crate) struct ContaRighe<'a> {
    testo: &'a [u8],
    pos: usize,
    riga: usize,
}

impl<'a> ContaRighe<'a> {
    pub(crate) fn new(testo: &'a str) -> ContaRighe<'a> {
        ContaRighe {
            testo: testo.as_bytes(),
            pos: 0,
            riga: 1,
        }
    }

    /// The line of the record starting at byte `inizio`; offsets must not decrease.
    pub(crate) fn riga(&mut self, inizio: u64) -> usize {
        let mut b = usize::try_from(inizio)
            .unwrap_or(usize::MAX)
            .min(self.testo.len());
        while b < self.testo.len() && matches!(self.testo[b], b'\r' | b'\n') {
            b += 1;
        }
        if b > self.pos {
            self.riga += self.testo[self.pos..b]
                .iter()
                .filter(|&&c| c == b'\n')
                .count();
            self.pos = b;
        }
        self.riga
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codici() {
        assert_eq!(codice_istat("58091").as_deref(), Some("058091"));
        assert_eq!(codice_istat(" 058091 ").as_deref(), Some("058091"));
        assert_eq!(codice_istat("1234567"), None);
        assert_eq!(codice_istat("05809A"), None);
        assert_eq!(codice_istat(""), None);
        assert_eq!(codice_catastale("h501").as_deref(), Some("H501"));
        assert_eq!(codice_catastale("H50"), None);
        assert_eq!(codice_catastale("1501"), None);
    }

    #[test]
    fn intestazioni() {
        assert_eq!(
            normalizza_intestazione(
                "Flag Comune capoluogo di provincia/\r\ncittà  metropolitana / libero consorzio "
            ),
            "flag comune capoluogo di provincia/città metropolitana/libero consorzio"
        );
    }

    #[test]
    fn decodifica_windows_1252() {
        assert_eq!(decodifica(b"Forl\xEC"), "Forlì");
        assert_eq!(decodifica("Forlì".as_bytes()), "Forlì");
        assert_eq!(decodifica(b"\xEF\xBB\xBFForl\xC3\xAC"), "Forlì");
    }
}
