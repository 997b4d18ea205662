//! Mnemonic parsing: arbitrary text never panics; a phrase that parses re-parses, from its
//! display form, to the same mnemonic.
#![no_main]

use cairn_crypto::{Language, Mnemonic};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&code, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let language = Language::from_code(code % 10).expect("codes 0..=9 exist");
    for mnemonic in [Mnemonic::parse(text), Mnemonic::parse_in(language, text)].into_iter().flatten() {
        let phrase = mnemonic.expose_phrase();
        let again =
            Mnemonic::parse_in(mnemonic.language(), phrase.expose_str()).expect("display form parses");
        assert!(again == mnemonic, "display form parsed to a different mnemonic");
    }
});
