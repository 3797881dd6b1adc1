//! The sandbox's error type.

/// What can go wrong when starting or driving the sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// No registered provider has this name.
    #[error("unknown sandbox provider `{0}`")]
    UnknownProvider(String),
    /// A provider's public port could not be bound.
    #[error("could not listen on 127.0.0.1:{port} for provider `{provider}`")]
    Bind {
        /// The provider (or `provider.host`) whose server was starting.
        provider: String,
        /// The requested port (0 = any free port).
        port: u16,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The event names an account the provider does not have.
    #[error("unknown account `{0}`")]
    UnknownAccount(String),
    /// The provider does not know this kind of event.
    #[error("unsupported event: {0}")]
    UnsupportedEvent(String),
    /// The event is of a known kind but its fields are wrong.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
}
