//! `cargo run -p uniffi-bindgen -- generate <lib> -l kotlin -l swift -o <dir>`: the generator at
//! exactly the UniFFI version `cairn-ffi` links, so bindings and library never skew.

fn main() {
    uniffi::uniffi_bindgen_main()
}
