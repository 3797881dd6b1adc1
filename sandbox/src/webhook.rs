//! The webhook delivery engine shared by every provider.
//!
//! A provider hands an [`OutgoingWebhook`] to its [`WebhookSender`]; the delivery lands in one
//! outbox with a due time on the **sandbox clock**. A background task (polling every 25 ms of
//! real time) posts due deliveries over real HTTP, records each attempt, and schedules the next
//! attempt according to the webhook's [`RetryPolicy`], again in clock time: a test that
//! advances the clock past a retry delay sees the retry at once.
//!
//! Outbound rules (see [`crate::outbound`]): an attempt to a host the [`OutboundPolicy`] does
//! not allow is recorded as a failed attempt without any connection (and follows the retry
//! policy like an unreachable receiver); redirects are not followed; at most
//! [`OutboundPolicy::concurrency`] attempts are in flight across every provider, the rest wait
//! their turn; a host that stops answering is backed off ([`HostBackoff`]); each provider's
//! log keeps at most [`OutboundPolicy::delivery_log_capacity`] finished deliveries.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankkit_core::clock::{Clock, ManualClock};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use url::Url;

use crate::outbound::{log_refusal, Gate, HostBackoff, Outbound, OutboundPolicy, Refusal, Target};
use crate::sync::lock;

/// How often the delivery task looks for due deliveries (real time).
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// How many due deliveries past the first that found no free slot are still looked at, per
/// turn, for ones to refused hosts (which need no slot).
const REFUSED_LOOKAHEAD: usize = 1024;

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
    /// Why there was no status (timeout, connection refused, host not allowed…).
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
    bodiless: bool,
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
            bodiless: false,
        }
    }

    /// Sends no body and no `Content-Type` (e.g. Monobank's GET callback); the delivery log
    /// still shows the JSON given to [`new`](Self::new) (use `Value::Null`).
    pub fn without_body(mut self) -> Self {
        self.bodiless = true;
        self
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

    /// The exact bytes that will be posted (sign these); empty for
    /// [`without_body`](Self::without_body).
    pub fn body_bytes(&self) -> Vec<u8> {
        if self.bodiless {
            Vec::new()
        } else {
            self.body.to_string().into_bytes()
        }
    }
}

/// Where an entry stands in the outbox's indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// In `due` at this time.
    Queued(DateTime<Utc>),
    /// Due at this time, parked until its host's backoff lets attempts start again.
    Parked(DateTime<Utc>),
    /// An attempt is under way.
    InFlight,
    /// Finished (delivered or gave up): in the provider's `finished` list.
    Done,
}

struct Entry {
    delivery: Delivery,
    method: http::Method,
    content_type: String,
    bytes: Vec<u8>,
    headers: Vec<(String, String)>,
    policy: RetryPolicy,
    on_give_up: Option<GiveUpHook>,
    target: Target,
    slot: Slot,
}

/// The delivery log and its indexes. Finding due deliveries reads only `due` (scheduled,
/// not in flight, ordered by due time) and the parked hosts, never the finished ones.
#[derive(Default)]
struct OutboxState {
    next_id: u64,
    /// Every delivery in the log, by id (ids grow, so oldest first).
    entries: BTreeMap<u64, Entry>,
    /// Deliveries waiting for their time, by due time then id.
    due: BTreeSet<(DateTime<Utc>, u64)>,
    /// Due deliveries whose host is backed off, by `host:port`.
    parked: HashMap<String, BTreeSet<(DateTime<Utc>, u64)>>,
    /// Finished deliveries of each provider, in the order they finished.
    finished: HashMap<String, VecDeque<u64>>,
    /// Per-host backoff of hosts that stopped answering.
    hosts: HostBackoff,
}

impl OutboxState {
    /// Puts an entry in `due` at `at`.
    fn schedule(&mut self, id: u64, at: DateTime<Utc>) {
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.slot = Slot::Queued(at);
            self.due.insert((at, id));
        }
    }

    /// Takes an entry out of whichever queue holds it.
    fn unqueue(&mut self, id: u64) {
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        match (entry.slot, &entry.target) {
            (Slot::Queued(at), _) => {
                self.due.remove(&(at, id));
            }
            (Slot::Parked(at), Target::Allowed { host, .. }) => {
                if let Some(queue) = self.parked.get_mut(host) {
                    queue.remove(&(at, id));
                    if queue.is_empty() {
                        self.parked.remove(host);
                    }
                }
            }
            _ => {}
        }
    }

    /// Moves parked deliveries back to `due` for hosts whose backoff lets attempts start:
    /// all of them when the host answers again, the earliest one (the probe) when its wait
    /// is over.
    fn unpark(&mut self, now: Instant) {
        let OutboxState {
            parked,
            due,
            entries,
            hosts,
            ..
        } = self;
        parked.retain(|host, queue| {
            let release = match hosts.gate(host, now) {
                Gate::Open => queue.len(),
                Gate::Probe => 1,
                Gate::Closed => 0,
            };
            for _ in 0..release {
                let Some((at, id)) = queue.pop_first() else {
                    break;
                };
                if let Some(entry) = entries.get_mut(&id) {
                    entry.slot = Slot::Queued(at);
                    due.insert((at, id));
                }
            }
            !queue.is_empty()
        });
    }

    /// Marks an entry finished and drops the provider's oldest finished entries past `keep`.
    fn finish(&mut self, id: u64, provider: &str, keep: usize) {
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.slot = Slot::Done;
        }
        let finished = self.finished.entry(provider.to_owned()).or_default();
        finished.push_back(id);
        while finished.len() > keep {
            let Some(oldest) = finished.pop_front() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }
}

/// Every delivery of one sandbox, with what outbound requests share (client, cap, policy).
pub(crate) struct WebhookOutbox {
    clock: ManualClock,
    outbound: Arc<Outbound>,
    state: Mutex<OutboxState>,
}

impl fmt::Debug for WebhookOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookOutbox")
            .field("deliveries", &lock(&self.state).entries.len())
            .field("outbound", &self.outbound)
            .finish_non_exhaustive()
    }
}

/// How one attempt goes out.
enum Transport {
    /// Not at all: the host is refused.
    Refused(Refusal),
    /// Over HTTP, holding one permit of the concurrency cap.
    Http {
        url: Url,
        host: String,
        _permit: OwnedSemaphorePermit,
    },
}

struct Job {
    id: u64,
    provider: String,
    method: http::Method,
    content_type: String,
    bytes: Vec<u8>,
    headers: Vec<(String, String)>,
    timeout: Duration,
    send: Transport,
}

impl WebhookOutbox {
    pub(crate) fn new(clock: ManualClock, outbound: Arc<OutboundPolicy>) -> Arc<Self> {
        Arc::new(WebhookOutbox {
            clock,
            outbound: Outbound::new(outbound),
            state: Mutex::new(OutboxState::default()),
        })
    }

    /// What outbound requests share (for the Monobank URL check).
    pub(crate) fn outbound(&self) -> &Arc<Outbound> {
        &self.outbound
    }

    fn enqueue(&self, provider: &str, webhook: OutgoingWebhook) -> u64 {
        let now = Clock::now(&self.clock);
        let bytes = webhook.body_bytes();
        let target = self.outbound.target(&webhook.url);
        let due = webhook.due_at.map_or(now, |due| due.max(now));
        let mut state = lock(&self.state);
        state.next_id += 1;
        let id = state.next_id;
        state.entries.insert(
            id,
            Entry {
                delivery: Delivery {
                    id,
                    provider: provider.to_owned(),
                    url: webhook.url,
                    event_type: webhook.event_type,
                    method: webhook.method.as_str().to_owned(),
                    body: webhook.body,
                    attempts: Vec::new(),
                    state: DeliveryState::Pending,
                    next_attempt_at: Some(due),
                },
                method: webhook.method,
                content_type: webhook.content_type,
                bytes,
                headers: webhook.headers,
                policy: webhook.policy,
                on_give_up: webhook.on_give_up,
                target,
                slot: Slot::Done,
            },
        );
        state.schedule(id, due);
        id
    }

    pub(crate) fn deliveries(&self, provider: &str) -> Vec<Delivery> {
        lock(&self.state)
            .entries
            .values()
            .filter(|entry| entry.delivery.provider == provider)
            .map(|entry| entry.delivery.clone())
            .collect()
    }

    /// Removes a delivery that no attempt has started yet; whether it did.
    fn cancel(&self, provider: &str, id: u64) -> bool {
        let mut state = lock(&self.state);
        let cancellable = state.entries.get(&id).is_some_and(|entry| {
            entry.delivery.provider == provider
                && entry.delivery.attempts.is_empty()
                && matches!(entry.slot, Slot::Queued(_) | Slot::Parked(_))
        });
        if cancellable {
            state.unqueue(id);
            state.entries.remove(&id);
        }
        cancellable
    }

    pub(crate) fn clear(&self, provider: &str) {
        let mut state = lock(&self.state);
        let ids: Vec<u64> = state
            .entries
            .values()
            .filter(|entry| entry.delivery.provider == provider)
            .map(|entry| entry.delivery.id)
            .collect();
        for id in ids {
            state.unqueue(id);
            state.entries.remove(&id);
        }
        state.finished.remove(provider);
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

    /// Takes the due deliveries that may start now: refused ones (they fail without a
    /// request), and allowed ones while the cap has permits and their host is not backed off
    /// (those of a backed-off host are parked). The rest stay queued for a later turn.
    fn take_due(&self) -> Vec<Job> {
        let now = Clock::now(&self.clock);
        let real_now = Instant::now();
        let permits = self.outbound.permits();
        let mut state = lock(&self.state);
        state.unpark(real_now);
        let mut taken = Vec::new();
        let mut parked = Vec::new();
        let mut stale = Vec::new();
        {
            let OutboxState {
                due,
                entries,
                hosts,
                ..
            } = &mut *state;
            // Once every slot is taken, keep looking a little further for deliveries to
            // refused hosts: they send nothing, so they need no slot and need not wait.
            let mut past_saturation: Option<usize> = None;
            for &(at, id) in due.iter() {
                if at > now {
                    break;
                }
                if let Some(looked) = &mut past_saturation {
                    *looked += 1;
                    if *looked > REFUSED_LOOKAHEAD {
                        break;
                    }
                }
                let Some(entry) = entries.get(&id) else {
                    stale.push((at, id));
                    continue;
                };
                let send = match &entry.target {
                    Target::Refused(refusal) => Transport::Refused(refusal.clone()),
                    Target::Allowed { .. } if past_saturation.is_some() => continue,
                    Target::Allowed { url, host } => {
                        if hosts.gate(host, real_now) == Gate::Closed {
                            parked.push((at, id, host.clone()));
                            continue;
                        }
                        let Ok(permit) = Arc::clone(permits).try_acquire_owned() else {
                            past_saturation = Some(0);
                            continue;
                        };
                        hosts.start(host);
                        Transport::Http {
                            url: url.clone(),
                            host: host.clone(),
                            _permit: permit,
                        }
                    }
                };
                taken.push(Job {
                    id,
                    provider: entry.delivery.provider.clone(),
                    method: entry.method.clone(),
                    content_type: entry.content_type.clone(),
                    bytes: entry.bytes.clone(),
                    headers: entry.headers.clone(),
                    timeout: entry.policy.attempt_timeout,
                    send,
                });
            }
        }
        for key in stale {
            state.due.remove(&key);
        }
        for (at, id, host) in parked {
            state.due.remove(&(at, id));
            if let Some(entry) = state.entries.get_mut(&id) {
                entry.slot = Slot::Parked(at);
            }
            state.parked.entry(host).or_default().insert((at, id));
        }
        for job in &taken {
            if let Some(entry) = state.entries.get(&job.id) {
                if let Slot::Queued(at) = entry.slot {
                    state.due.remove(&(at, job.id));
                }
            }
            if let Some(entry) = state.entries.get_mut(&job.id) {
                entry.slot = Slot::InFlight;
            }
        }
        taken
    }

    async fn attempt(&self, job: Job) {
        let at = Clock::now(&self.clock);
        let (attempt, host) = match job.send {
            Transport::Refused(refusal) => {
                log_refusal(&job.provider, "webhook", &refusal);
                let attempt = DeliveryAttempt {
                    at,
                    status: None,
                    error: Some(refusal.reason),
                };
                (attempt, None)
            }
            Transport::Http { url, host, _permit } => {
                let attempt = match self.outbound.client() {
                    Some(client) => {
                        let mut request = client.request(job.method, url).timeout(job.timeout);
                        if !job.bytes.is_empty() {
                            request = request
                                .header(http::header::CONTENT_TYPE, job.content_type)
                                .body(job.bytes);
                        }
                        for (name, value) in &job.headers {
                            request = request.header(name.as_str(), value.as_str());
                        }
                        match request.send().await {
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
                        }
                    }
                    None => DeliveryAttempt {
                        at,
                        status: None,
                        error: Some("the sandbox has no HTTP client: nothing was sent".to_owned()),
                    },
                };
                // The permit is released here, when the attempt is over.
                (attempt, Some(host))
            }
        };
        if let Some((hook, delivery)) = self.record(job.id, host.as_deref(), attempt) {
            hook(&delivery);
        }
    }

    /// Records an attempt (and its host's health); returns the give-up hook to run (outside
    /// the lock) if it gave up.
    fn record(
        &self,
        id: u64,
        host: Option<&str>,
        attempt: DeliveryAttempt,
    ) -> Option<(GiveUpHook, Delivery)> {
        let now = Clock::now(&self.clock);
        let keep = self.outbound.policy().delivery_log_capacity();
        let mut state = lock(&self.state);
        if let Some(host) = host {
            state
                .hosts
                .finish(host, attempt.status.is_some(), Instant::now());
        }
        let entry = state.entries.get_mut(&id)?;
        let accepted = attempt
            .status
            .is_some_and(|status| entry.policy.accepted.accepts(status));
        entry.delivery.attempts.push(attempt);
        let failures = entry.delivery.attempts.len();
        if accepted {
            entry.delivery.state = DeliveryState::Delivered;
            entry.delivery.next_attempt_at = None;
            let provider = entry.delivery.provider.clone();
            state.finish(id, &provider, keep);
            return None;
        }
        match entry.policy.retry_delays.get(failures - 1) {
            Some(delay) => {
                let delay = TimeDelta::from_std(*delay).unwrap_or(TimeDelta::MAX);
                let next = now
                    .checked_add_signed(delay)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                entry.delivery.state = DeliveryState::Failed;
                entry.delivery.next_attempt_at = Some(next);
                state.schedule(id, next);
                None
            }
            None => {
                entry.delivery.state = DeliveryState::GaveUp;
                entry.delivery.next_attempt_at = None;
                let hook = entry
                    .on_give_up
                    .clone()
                    .map(|hook| (hook, entry.delivery.clone()));
                let provider = entry.delivery.provider.clone();
                state.finish(id, &provider, keep);
                hook
            }
        }
    }
}

fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else if error.is_redirect() {
        "redirect not followed".to_owned()
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

    /// What outbound requests share: policy, client, concurrency cap.
    pub(crate) fn outbound(&self) -> &Arc<Outbound> {
        self.outbox.outbound()
    }
}
