//! `bankkit-bench`: measures bankkit side by side with a baseline in one run and prints
//! the figures and their ratios. Run in release mode:
//!
//! ```sh
//! cargo run --release -p bankkit-bench -- typed        # typed client vs reqwest + serde_json
//! cargo run --release -p bankkit-bench -- wiremock     # the sandbox vs WireMock (Java)
//! cargo run --release -p bankkit-bench -- statement    # statement stream peak memory
//! cargo run --release -p bankkit-bench -- conformance  # conformance suite wall time
//! ```
//!
//! `wiremock` needs Java 17+ and WireMock's standalone jar: set `WIREMOCK_JAR`, or install
//! the npm package `wiremock` and point `WIREMOCK_NPM_DIR` at the directory it was
//! installed in (the jar is `node_modules/wiremock/build/wiremock-standalone-*.jar`).
//! Nothing is downloaded by the bench.

#![allow(clippy::float_arithmetic)]

mod conformance;
mod load;
mod statement;
mod typed;
mod wiremock_java;

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: bankkit-bench <typed|wiremock|statement|conformance|all> [options]

  typed        [--calls N] [--concurrency C]   typed Monobank client-info vs reqwest + serde_json
  wiremock     [--seconds S] [--concurrency C] the sandbox vs WireMock (Java), same route and bytes
  statement    [--sizes 10000,100000]          peak RSS walking N transactions, one child per size
  conformance                                  the conformance suite, every provider, in-process
  all                                          each of the above with its defaults

  wiremock needs java and the WireMock standalone jar: WIREMOCK_JAR=/path/to/jar, or
  WIREMOCK_NPM_DIR=<dir where `npm install wiremock` ran>.";

/// The error type of the benches: a message for the user.
type BenchResult<T> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first().cloned() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let options = &args[1..];
    // The child of `statement`: one size per process, so each peak RSS is its own.
    if command == "statement-child" {
        return match statement::child(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bankkit-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bankkit-bench: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command.as_str() {
            "typed" => typed::run(options).await,
            "wiremock" => wiremock_java::run(options).await,
            "statement" => statement::run(options),
            "conformance" => conformance::run().await,
            "all" => {
                typed::run(&[]).await?;
                wiremock_java::run(&[]).await?;
                statement::run(&[])?;
                conformance::run().await
            }
            "-h" | "--help" | "help" => {
                println!("{USAGE}");
                Ok(())
            }
            other => Err(format!("unknown bench {other:?}\n{USAGE}")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bankkit-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The value of `--name` in `options`, parsed, or `default`.
fn option<T: std::str::FromStr>(options: &[String], name: &str, default: T) -> BenchResult<T> {
    match options.iter().position(|o| o == name) {
        None => Ok(default),
        Some(i) => options
            .get(i + 1)
            .ok_or_else(|| format!("{name} needs a value"))?
            .parse()
            .map_err(|_| format!("{name}: not a valid value")),
    }
}

/// Seconds with three decimals.
fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
