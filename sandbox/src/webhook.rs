//! The webhook delivery engine shared by every provider.
//!
//! A provider hands an [`OutgoingWebhook`] to its [`WebhookSender`]; the delivery lands in one
//! outbox with a due time on the **sandbox clock**. A background task (polling every 25 ms of
//! real time) posts due deliveries over real HTTP, records each attempt, and schedules the next
//! attempt according to the webhook's [`RetryPolicy`], again in clock time: a test that
//! advances the clock past a retry delay sees the retry at once.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankkit_core::clock::{Clock, ManualClock};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::task::{JoinHandle, JoinSet};

use crate::outbound::OutboundPolicy;
use crate::sync::lock;

/// How often the delivery task looks for due deliveries (real time).
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not attempted yet, or the first attempt is under way.
    Pending,
    /// The last attempt failed; another is scheduled (`next_attempt_at`).
    Failed,
    /// The receiver accepted it. Final.
    Delivered,
    /// Every attempt the retry policy allows failed. Final.
    GaveUp,
}

impl DeliveryState {
    /// Whether no further attempt will be made.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryState::Delivered | DeliveryState::GaveUp)
    }
}

/// One attempt to deliver a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// Sandbox-clock time the attempt started.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered in time.
    pub status: Option<u16>,
    /// Why there was no status (timeout, connection refused…).
    pub error: Option<String>,
}

/// One webhook in the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Sequence number, unique within a sandbox.
    pub id: u64,
    /// The provider that sent it.
    pub provider: String,
    /// The receiver's URL.
    pub url: String,
    /// The event type, in the provider's terms (e.g. `"StatementItem"`).
    pub event_type: String,
    /// The HTTP method of every attempt (`"POST"` unless the provider chose another).
    #[serde(default = "default_method")]
    pub method: String,
    /// The JSON body posted.
    pub body: Value,
    /// Attempts so far, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// Where it stands.
    pub state: DeliveryState,
    /// Sandbox-clock time of the next attempt, while one is planned.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

fn default_method() -> String {
    "POST".to_owned()
}

/// Which receiver statuses count as delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptedStatus {
    /// Only this exact status.
    Exactly(u16),
    /// Any 2xx status.
    AnySuccess,
}

impl AcceptedStatus {
    fn accepts(self, status: u16) -> bool {
        match self {
            AcceptedStatus::Exactly(expected) => status == expected,
            AcceptedStatus::AnySuccess => (200..300).contains(&status),
        }
    }
}

/// How a provider retries a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Real time the receiver has to answer one attempt.
    pub attempt_timeout: Duration,
    /// Sandbox-clock delay before each retry: `retry_delays[0]` after the first failure, and so
    /// on. Its length is the number of retries.
    pub retry_delays: Vec<Duration>,
    /// What counts as delivered.
    pub accepted: AcceptedStatus,
}

impl Default for RetryPolicy {
    /// One attempt, 5 s timeout, any 2xx.
    fn default() -> Self {
        RetryPolicy {
            attempt_timeout: Duration::from_secs(5),
            retry_delays: Vec::new(),
            accepted: AcceptedStatus::AnySuccess,
        }
    }
}

/// Called once when a delivery gives up (e.g. Monobank switches the webhook off).
pub type GiveUpHook = Arc<dyn Fn(&Delivery) + Send + Sync>;

/// A webhook a provider wants delivered: a JSON POST (or another method) to `url`, now or
/// at a later time on the sandbox clock.
#[derive(Clone)]
pub struct OutgoingWebhook {
    url: String,
    event_type: String,
    body: Value,
    headers: Vec<(String, String)>,
    policy: RetryPolicy,
    on_give_up: Option<GiveUpHook>,
    method: http::Method,
    content_type: String,
    due_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for OutgoingWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingWebhook")
            .field("url", &self.url)
            .field("event_type", &self.event_type)
            .field("policy", &self.policy)
            .field("method", &self.method)
            .field("due_at", &self.due_at)
            .finish_non_exhaustive()
    }
}

impl OutgoingWebhook {
    /// A POST of `body` (as `application/json`) to `url`, with the default [`RetryPolicy`].
    pub fn new(url: impl Into<String>, event_type: impl Into<String>, body: Value) -> Self {
        OutgoingWebhook {
            url: url.into(),
            event_type: event_type.into(),
            body,
            headers: Vec::new(),
            policy: RetryPolicy::default(),
            on_give_up: None,
            method: http::Method::POST,
            content_type: "application/json".to_owned(),
            due_at: None,
        }
    }

    /// Sends with this HTTP method instead of POST (e.g. MoMo's PUT callbacks).
    pub fn method(mut self, method: http::Method) -> Self {
        self.method = method;
        self
    }

    /// Sends this `Content-Type` instead of `application/json` (the body stays the JSON).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Makes the first attempt when the sandbox clock reaches `due` instead of at once (a
    /// time already past means at once).
    pub fn due_at(mut self, due: DateTime<Utc>) -> Self {
        self.due_at = Some(due);
        self
    }

    /// Adds a request header (e.g. a signature over [`body_bytes`](Self::body_bytes)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the retry policy.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Runs `hook` when the delivery gives up.
    pub fn on_give_up(mut self, hook: GiveUpHook) -> Self {
        self.on_give_up = Some(hook);
        self
    }

    /// The exact bytes that will be posted (sign these).
    pub fn body_bytes(&self) -> Vec<u8> {
        self.body.to_string().into_bytes()
    }
}

struct Entry {
    delivery: Delivery,
    method: http::Method,
    content_type: String,
    bytes: Vec<u8>,
    headers: Vec<(String, String)>,
    policy: RetryPolicy,
    on_give_up: Option<GiveUpHook>,
    in_flight: bool,
}

#[derive(Default)]
struct OutboxState {
    next_id: u64,
    entries: Vec<Entry>,
}

/// Every delivery of one sandbox, with the HTTP client that makes them.
pub(crate) struct WebhookOutbox {
    clock: ManualClock,
    client: reqwest::Client,
    state: Mutex<OutboxState>,
}

impl fmt::Debug for WebhookOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookOutbox")
            .field("deliveries", &lock(&self.state).entries.len())
            .finish_non_exhaustive()
    }
}

struct Job {
    id: u64,
    method: http::Method,
    content_type: String,
    url: String,
    bytes: Vec<u8>,
    headers: Vec<(String, String)>,
    timeout: Duration,
}

impl WebhookOutbox {
    pub(crate) fn new(clock: ManualClock, outbound: Arc<OutboundPolicy>) -> Arc<Self> {
        let _ = outbound;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Arc::new(WebhookOutbox {
            clock,
            client,
            state: Mutex::new(OutboxState::default()),
        })
    }

    fn enqueue(&self, provider: &str, webhook: OutgoingWebhook) -> u64 {
        let now = Clock::now(&self.clock);
        let bytes = webhook.body_bytes();
        let mut state = lock(&self.state);
        state.next_id += 1;
        let id = state.next_id;
        state.entries.push(Entry {
            delivery: Delivery {
                id,
                provider: provider.to_owned(),
                url: webhook.url,
                event_type: webhook.event_type,
                method: webhook.method.as_str().to_owned(),
                body: webhook.body,
                attempts: Vec::new(),
                state: DeliveryState::Pending,
                next_attempt_at: Some(webhook.due_at.map_or(now, |due| due.max(now))),
            },
            method: webhook.method,
            content_type: webhook.content_type,
            bytes,
            headers: webhook.headers,
            policy: webhook.policy,
            on_give_up: webhook.on_give_up,
            in_flight: false,
        });
        id
    }

    pub(crate) fn deliveries(&self, provider: &str) -> Vec<Delivery> {
        lock(&self.state)
            .entries
            .iter()
            .filter(|entry| entry.delivery.provider == provider)
            .map(|entry| entry.delivery.clone())
            .collect()
    }

    /// Removes a delivery that no attempt has started yet; whether it did.
    fn cancel(&self, provider: &str, id: u64) -> bool {
        let mut state = lock(&self.state);
        let before = state.entries.len();
        state.entries.retain(|entry| {
            entry.delivery.id != id
                || entry.delivery.provider != provider
                || entry.in_flight
                || !entry.delivery.attempts.is_empty()
        });
        state.entries.len() != before
    }

    pub(crate) fn clear(&self, provider: &str) {
        lock(&self.state)
            .entries
            .retain(|entry| entry.delivery.provider != provider);
    }

    /// Starts the background task that delivers due webhooks; abort it to stop.
    pub(crate) fn spawn_worker(self: &Arc<Self>) -> JoinHandle<()> {
        let outbox = Arc::clone(self);
        tokio::spawn(async move {
            let mut attempts = JoinSet::new();
            loop {
                tokio::time::sleep(POLL_INTERVAL).await;
                while attempts.try_join_next().is_some() {}
                for job in outbox.take_due() {
                    let outbox = Arc::clone(&outbox);
                    attempts.spawn(async move { outbox.attempt(job).await });
                }
            }
        })
    }

    fn take_due(&self) -> Vec<Job> {
        let now = Clock::now(&self.clock);
        let mut state = lock(&self.state);
        state
            .entries
            .iter_mut()
            .filter(|entry| {
                !entry.in_flight && entry.delivery.next_attempt_at.is_some_and(|due| due <= now)
            })
            .map(|entry| {
                entry.in_flight = true;
                Job {
                    id: entry.delivery.id,
                    method: entry.method.clone(),
                    content_type: entry.content_type.clone(),
                    url: entry.delivery.url.clone(),
                    bytes: entry.bytes.clone(),
                    headers: entry.headers.clone(),
                    timeout: entry.policy.attempt_timeout,
                }
            })
            .collect()
    }

    async fn attempt(&self, job: Job) {
        let at = Clock::now(&self.clock);
        let mut request = self
            .client
            .request(job.method, &job.url)
            .timeout(job.timeout)
            .header(http::header::CONTENT_TYPE, job.content_type)
            .body(job.bytes);
        for (name, value) in &job.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let attempt = match request.send().await {
            Ok(response) => DeliveryAttempt {
                at,
                status: Some(response.status().as_u16()),
                error: None,
            },
            Err(error) => DeliveryAttempt {
                at,
                status: None,
                error: Some(describe(&error, job.timeout)),
            },
        };
        if let Some((hook, delivery)) = self.record(job.id, attempt) {
            hook(&delivery);
        }
    }

    /// Records an attempt; returns the give-up hook to run (outside the lock) if it gave up.
    fn record(&self, id: u64, attempt: DeliveryAttempt) -> Option<(GiveUpHook, Delivery)> {
        let now = Clock::now(&self.clock);
        let mut state = lock(&self.state);
        let entry = state.entries.iter_mut().find(|e| e.delivery.id == id)?;
        entry.in_flight = false;
        let accepted = attempt
            .status
            .is_some_and(|status| entry.policy.accepted.accepts(status));
        entry.delivery.attempts.push(attempt);
        let failures = entry.delivery.attempts.len();
        if accepted {
            entry.delivery.state = DeliveryState::Delivered;
            entry.delivery.next_attempt_at = None;
            return None;
        }
        match entry.policy.retry_delays.get(failures - 1) {
            Some(delay) => {
                let delay = TimeDelta::from_std(*delay).unwrap_or(TimeDelta::MAX);
                entry.delivery.state = DeliveryState::Failed;
                entry.delivery.next_attempt_at = now.checked_add_signed(delay);
                None
            }
            None => {
                entry.delivery.state = DeliveryState::GaveUp;
                entry.delivery.next_attempt_at = None;
                let hook = entry.on_give_up.clone()?;
                Some((hook, entry.delivery.clone()))
            }
        }
    }
}

fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        error.to_string()
    }
}

/// A provider's way to send webhooks through the shared outbox.
#[derive(Clone)]
pub struct WebhookSender {
    provider: &'static str,
    outbox: Arc<WebhookOutbox>,
}

impl fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSender")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl WebhookSender {
    pub(crate) fn new(provider: &'static str, outbox: Arc<WebhookOutbox>) -> Self {
        WebhookSender { provider, outbox }
    }

    /// Queues a webhook for delivery now (sandbox clock), or when it is due
    /// ([`OutgoingWebhook::due_at`]); returns its delivery id.
    pub fn send(&self, webhook: OutgoingWebhook) -> u64 {
        self.outbox.enqueue(self.provider, webhook)
    }

    /// Withdraws a queued delivery of this provider that no attempt has started yet (e.g. a
    /// callback scheduled for a transition that will no longer happen); whether it did.
    pub fn cancel(&self, id: u64) -> bool {
        self.outbox.cancel(self.provider, id)
    }

    /// This provider's deliveries, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.outbox.deliveries(self.provider)
    }

    pub(crate) fn clear(&self) {
        self.outbox.clear(self.provider);
    }
}
