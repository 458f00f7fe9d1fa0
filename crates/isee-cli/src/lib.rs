//! The command line of `isee`, the project's one binary: argument parsing, file
//! handling, terminal output and progress bars for every subcommand, one module per
//! area in [`comandi`]. Library crates never see clap, anyhow or indicatif.

pub mod comandi;
