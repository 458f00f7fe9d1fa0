//! The `isee` command. Everything it does is in [`isee_cli::comandi`]; this file only
//! picks the allocator and hands over the exit code (ripgrep's layout).

// The batch allocates and frees millions of small DSU records across threads;
// mimalloc is markedly faster than the system allocator for that pattern.
#[global_allocator]
static ALLOCATORE: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    isee_cli::comandi::esegui()
}
