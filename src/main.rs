fn main() {
    std::process::exit(leverage::cli::main());
}
