//! `bankkit-conformance`: starts the embedded sandbox, runs every registered provider
//! through the core traits and prints a check x provider matrix. Exits 0 only if every
//! check of every declared capability passes.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
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
    let report = bankkit_conformance::run(&sandbox).await;
    print!("{}", report.matrix());
    println!("finished in {:.1?}", started.elapsed());
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
