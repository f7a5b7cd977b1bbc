//! uniffi's own command line, built at the version the SDK uses (bindings
//! and library must come from the same uniffi release).

fn main() {
    uniffi::uniffi_bindgen_main()
}
