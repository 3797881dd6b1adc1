//! `bankkit-conformance`: starts the embedded sandbox, runs every registered provider (or
//! the ones chosen with `--provider`) through the core traits and prints a check x
//! provider matrix. Exits 0 only if every check of every declared capability passes.

use std::process::ExitCode;

use clap::Parser;

/// Runs the bankkit conformance suite against the embedded sandbox and prints a check x
/// provider matrix; exits 0 only if every check passes.
#[derive(Debug, Parser)]
#[command(name = "bankkit-conformance", version)]
struct Args {
    /// Run only this provider (and its variants), or only this variant by its label
    /// (`monobank-provider-api`). Repeat for more; all registered providers by default.
    #[arg(long = "provider", value_name = "NAME")]
    providers: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let sandbox = match bankkit_sandbox::Sandbox::start().await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("could not start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let report = if args.providers.is_empty() {
        bankkit_conformance::run(&sandbox).await
    } else {
        let chosen: Vec<&str> = args.providers.iter().map(String::as_str).collect();
        match bankkit_conformance::run_chosen(&sandbox, &chosen).await {
            Ok(report) => report,
            Err(message) => {
                eprintln!("bankkit-conformance: {message}");
                return ExitCode::from(2);
            }
        }
    };
    print!("{}", report.matrix());
    println!("finished in {:.1?}", started.elapsed());
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
