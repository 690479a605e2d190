//! libFuzzer entry point of the `decoders` target (see the crate docs).
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nimbus_fuzz::run("decoders", input));
