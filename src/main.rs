//! The `leakhound` command line.

fn main() {
    std::process::exit(leakhound::cli::main());
}
