//! What the provider API remembers: companies (registrations with their keys and settings)
//! and access requests (with the customer's decision and their own rate windows).

use std::collections::{HashMap, VecDeque};

use k256::ecdsa::VerifyingKey;
use serde_json::{json, Value};

use crate::rng::{mix64, SeededRng};

/// Permission letters the bank knows: personal data, statements, FOP accounts, jars.
pub(crate) const KNOWN_PERMISSIONS: &str = "psfj";

/// Where a company's registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistrationStatus {
    New,
    Declined,
    Approved,
}

impl RegistrationStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::New => "New",
            RegistrationStatus::Declined => "Declined",
            RegistrationStatus::Approved => "Approved",
        }
    }
}

/// How new registrations are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistrationMode {
    /// Approved as soon as they arrive (the default).
    Auto,
    /// Held as `New` until a control event approves or declines them.
    Manual,
}

/// A registered company: its key, what it told the bank, and its settings.
#[derive(Debug, Clone)]
pub(crate) struct Company {
    /// Hex SHA-1 of the public point (`X-Key-Id`).
    pub(crate) key_id: String,
    /// `pubkey` as the registration sent it (base64 of the PEM).
    pub(crate) pubkey: String,
    pub(crate) public: VerifyingKey,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) contact_person: String,
    pub(crate) phone: String,
    pub(crate) email: String,
    /// Base64 of the logo image.
    pub(crate) logo: String,
    /// The permission letters the bank granted the company (e.g. `psf`).
    pub(crate) permission: String,
    pub(crate) status: RegistrationStatus,
    /// The corp webhook URL, once set.
    pub(crate) webhook: Option<String>,
    /// The seeded company (never dropped).
    pub(crate) seeded: bool,
}

impl Company {
    /// `GET /personal/corp/settings`.
    pub(crate) fn settings_json(&self) -> Value {
        let mut settings = json!({
            "id": self.key_id,
            "pubkey": self.pubkey,
            "name": self.name,
            "permission": self.permission,
            "logo": self.logo,
        });
        if let Some(webhook) = &self.webhook {
            settings["webhook"] = json!(webhook);
        }
        settings
    }

    /// As the control API lists it (without the logo).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "key_id": self.key_id,
            "pubkey": self.pubkey,
            "name": self.name,
            "description": self.description,
            "contact_person": self.contact_person,
            "phone": self.phone,
            "email": self.email,
            "permission": self.permission,
            "status": self.status.as_str(),
            "webhook": self.webhook,
            "seeded": self.seeded,
        })
    }
}

/// Where an access request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessState {
    Pending,
    Approved,
    Refused,
}

impl AccessState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccessState::Pending => "pending",
            AccessState::Approved => "approved",
            AccessState::Refused => "refused",
        }
    }
}

/// A company's request for a customer's data (`tokenRequestId`).
#[derive(Debug, Clone)]
pub(crate) struct AccessRequest {
    pub(crate) id: String,
    /// The company that asked.
    pub(crate) key_id: String,
    /// The permission letters asked for.
    pub(crate) permissions: String,
    /// `X-Callback`, if given.
    pub(crate) callback: Option<String>,
    pub(crate) state: AccessState,
    /// The customer who decided (their `clientId`).
    pub(crate) client_id: Option<String>,
    /// Unix seconds.
    pub(crate) created_at: i64,
    pub(crate) decided_at: Option<i64>,
    /// Unix second of the last answered signed client-info / statement.
    pub(crate) client_info_at: Option<i64>,
    pub(crate) statement_at: Option<i64>,
}

impl AccessRequest {
    /// Whether the request was granted `letter`.
    pub(crate) fn allows(&self, letter: char) -> bool {
        self.permissions.contains(letter)
    }

    /// As the control API lists it.
    pub(crate) fn to_json(&self, company_name: Option<&str>) -> Value {
        json!({
            "request_id": self.id,
            "key_id": self.key_id,
            "company": company_name,
            "permissions": self.permissions,
            "state": self.state.as_str(),
            "callback": self.callback,
            "client_id": self.client_id,
            "created_at": self.created_at,
            "decided_at": self.decided_at,
        })
    }
}

/// Why an access request could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecideError {
    Unknown,
    AlreadyDecided(AccessState),
}

/// Companies and access requests, bounded: registrations other than the seeded one by
/// `max_companies` (oldest first), access requests by `max_requests` (refused ones first, then
/// the oldest).
#[derive(Debug, Clone)]
pub(crate) struct Companies {
    companies: HashMap<String, Company>,
    /// Registrations other than the seeded one, oldest first.
    registration_order: VecDeque<String>,
    requests: HashMap<String, AccessRequest>,
    /// Access requests, oldest first.
    request_order: VecDeque<String>,
    pub(crate) mode: RegistrationMode,
    /// Largest allowed difference between `X-Time` and the sandbox clock, in seconds.
    pub(crate) time_tolerance: i64,
    id_key: u64,
    next_request: u64,
    max_companies: usize,
    max_requests: usize,
}

impl Companies {
    pub(crate) fn new(
        seeded: Company,
        id_key: u64,
        time_tolerance: i64,
        max_companies: usize,
        max_requests: usize,
    ) -> Companies {
        let mut companies = HashMap::new();
        companies.insert(seeded.key_id.clone(), seeded);
        Companies {
            companies,
            registration_order: VecDeque::new(),
            requests: HashMap::new(),
            request_order: VecDeque::new(),
            mode: RegistrationMode::Auto,
            time_tolerance,
            id_key,
            next_request: 0,
            max_companies: max_companies.max(1),
            max_requests: max_requests.max(1),
        }
    }

    pub(crate) fn company(&self, key_id: &str) -> Option<&Company> {
        self.companies.get(key_id)
    }

    pub(crate) fn company_mut(&mut self, key_id: &str) -> Option<&mut Company> {
        self.companies.get_mut(key_id)
    }

    /// Records a registration (approved at once in [`RegistrationMode::Auto`]); a key already
    /// registered keeps its record. Returns the registration's status.
    pub(crate) fn register(&mut self, mut company: Company) -> RegistrationStatus {
        if let Some(existing) = self.companies.get(&company.key_id) {
            return existing.status;
        }
        company.status = match self.mode {
            RegistrationMode::Auto => RegistrationStatus::Approved,
            RegistrationMode::Manual => RegistrationStatus::New,
        };
        let status = company.status;
        self.registration_order.push_back(company.key_id.clone());
        self.companies.insert(company.key_id.clone(), company);
        while self.registration_order.len() > self.max_companies {
            if let Some(oldest) = self.registration_order.pop_front() {
                self.companies.remove(&oldest);
            }
        }
        status
    }

    /// Approves or declines a registration that is still `New`; a decided one stays as it is.
    pub(crate) fn decide_registration(&mut self, key_id: &str, approve: bool) -> Option<&Company> {
        let company = self.companies.get_mut(key_id)?;
        if company.status == RegistrationStatus::New {
            company.status = if approve {
                RegistrationStatus::Approved
            } else {
                RegistrationStatus::Declined
            };
        }
        Some(company)
    }

    /// A new pending access request of `key_id`.
    pub(crate) fn new_request(
        &mut self,
        key_id: &str,
        permissions: String,
        callback: Option<String>,
        now: i64,
    ) -> AccessRequest {
        let id = loop {
            self.next_request += 1;
            let mut rng = SeededRng::new(mix64(self.id_key ^ self.next_request));
            let id = rng.id(24);
            if !self.requests.contains_key(&id) {
                break id;
            }
        };
        let request = AccessRequest {
            id: id.clone(),
            key_id: key_id.to_owned(),
            permissions,
            callback,
            state: AccessState::Pending,
            client_id: None,
            created_at: now,
            decided_at: None,
            client_info_at: None,
            statement_at: None,
        };
        self.requests.insert(id.clone(), request.clone());
        self.request_order.push_back(id);
        while self.request_order.len() > self.max_requests {
            self.drop_one_request();
        }
        request
    }

    /// Drops the oldest refused request, or else the oldest.
    fn drop_one_request(&mut self) {
        let position = self
            .request_order
            .iter()
            .position(|id| {
                self.requests
                    .get(id)
                    .is_none_or(|request| request.state == AccessState::Refused)
            })
            .unwrap_or(0);
        if let Some(id) = self.request_order.remove(position) {
            self.requests.remove(&id);
        }
    }

    pub(crate) fn request(&self, id: &str) -> Option<&AccessRequest> {
        self.requests.get(id)
    }

    pub(crate) fn request_mut(&mut self, id: &str) -> Option<&mut AccessRequest> {
        self.requests.get_mut(id)
    }

    /// Approves (for customer `client_id`) or refuses a pending request.
    pub(crate) fn decide_request(
        &mut self,
        id: &str,
        approve: bool,
        client_id: &str,
        now: i64,
    ) -> Result<AccessRequest, DecideError> {
        let request = self.requests.get_mut(id).ok_or(DecideError::Unknown)?;
        if request.state != AccessState::Pending {
            return Err(DecideError::AlreadyDecided(request.state));
        }
        request.state = if approve {
            AccessState::Approved
        } else {
            AccessState::Refused
        };
        request.client_id = Some(client_id.to_owned());
        request.decided_at = Some(now);
        Ok(request.clone())
    }

    /// Every registration (the seeded one first, then the oldest), as the control API lists
    /// them.
    pub(crate) fn companies_json(&self) -> Vec<Value> {
        let seeded = self.companies.values().filter(|company| company.seeded);
        let registered = self
            .registration_order
            .iter()
            .filter_map(|key_id| self.companies.get(key_id));
        seeded.chain(registered).map(Company::to_json).collect()
    }

    /// Every access request, oldest first, as the control API lists them.
    pub(crate) fn requests_json(&self) -> Vec<Value> {
        self.request_order
            .iter()
            .filter_map(|id| self.requests.get(id))
            .map(|request| {
                let name = self.company(&request.key_id).map(|c| c.name.as_str());
                request.to_json(name)
            })
            .collect()
    }

    /// The corp webhook URLs (each once) of approved companies holding an approved request
    /// of customer `client_id` that `allows` accepts.
    pub(crate) fn corp_webhooks_for(
        &self,
        client_id: &str,
        allows: impl Fn(&AccessRequest) -> bool,
    ) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        for id in &self.request_order {
            let Some(request) = self.requests.get(id) else {
                continue;
            };
            if request.state != AccessState::Approved
                || request.client_id.as_deref() != Some(client_id)
                || !allows(request)
            {
                continue;
            }
            let Some(company) = self.company(&request.key_id) else {
                continue;
            };
            if company.status != RegistrationStatus::Approved {
                continue;
            }
            if let Some(url) = &company.webhook {
                if !urls.contains(url) {
                    urls.push(url.clone());
                }
            }
        }
        urls
    }

    /// Counts for `GET /__bankkit/state`.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.registration_order.len(), self.requests.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monobank::keys::SeededKey;

    fn company(name: &str) -> Company {
        let key = SeededKey::from_seed(1, name);
        Company {
            key_id: key.key_id().to_owned(),
            pubkey: key.public_pem_base64(),
            public: *key.verifying_key(),
            name: name.to_owned(),
            description: String::new(),
            contact_person: String::new(),
            phone: String::new(),
            email: String::new(),
            logo: String::new(),
            permission: "psf".to_owned(),
            status: RegistrationStatus::Approved,
            webhook: None,
            seeded: false,
        }
    }

    fn companies(max_companies: usize, max_requests: usize) -> Companies {
        let mut seeded = company("seeded");
        seeded.seeded = true;
        Companies::new(seeded, 9, 300, max_companies, max_requests)
    }

    #[test]
    fn registrations_are_capped_oldest_first_and_the_seeded_company_stays() {
        let mut all = companies(2, 10);
        let seeded = company("seeded").key_id;
        let [a, b, c] = ["a", "b", "c"].map(company);
        let ids = [a.key_id.clone(), b.key_id.clone(), c.key_id.clone()];
        for company in [a, b, c] {
            assert_eq!(all.register(company), RegistrationStatus::Approved);
        }
        assert!(all.company(&seeded).is_some());
        assert!(all.company(&ids[0]).is_none());
        assert!(all.company(&ids[1]).is_some() && all.company(&ids[2]).is_some());
    }

    #[test]
    fn manual_registrations_wait_and_a_repeated_one_keeps_its_record() {
        let mut all = companies(10, 10);
        all.mode = RegistrationMode::Manual;
        let a = company("a");
        let id = a.key_id.clone();
        assert_eq!(all.register(a.clone()), RegistrationStatus::New);
        assert_eq!(
            all.decide_registration(&id, false).map(|c| c.status),
            Some(RegistrationStatus::Declined)
        );
        assert_eq!(all.register(a), RegistrationStatus::Declined);
        assert_eq!(
            all.decide_registration(&id, true).map(|c| c.status),
            Some(RegistrationStatus::Declined)
        );
    }

    #[test]
    fn requests_get_distinct_ids_are_decided_once_and_refused_ones_go_first() {
        let mut all = companies(10, 2);
        let key = company("seeded").key_id;
        let first = all.new_request(&key, "ps".into(), None, 1);
        let second = all.new_request(&key, "ps".into(), None, 2);
        assert_ne!(first.id, second.id);
        assert_eq!(first.id.len(), 24);
        assert!(all.decide_request(&second.id, false, "c", 3).is_ok());
        assert_eq!(
            all.decide_request(&second.id, true, "c", 4).unwrap_err(),
            DecideError::AlreadyDecided(AccessState::Refused)
        );
        let third = all.new_request(&key, "ps".into(), None, 5);
        assert!(all.request(&second.id).is_none(), "the refused one went");
        assert!(all.request(&first.id).is_some() && all.request(&third.id).is_some());
        assert_eq!(
            all.decide_request("nope", true, "c", 6).unwrap_err(),
            DecideError::Unknown
        );
    }
}
