//! isee-registro: storage.
#![forbid(unsafe_code)]
