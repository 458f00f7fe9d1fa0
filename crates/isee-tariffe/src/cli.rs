//! Command line for `isee tariffa`.
