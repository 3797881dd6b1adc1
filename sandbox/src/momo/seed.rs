//! The seeded MoMo world: one API user with its key, the three subscription keys, the product
//! balances, and the account holders `basicuserinfo`, `active` and consent answer for: every
//! well-formed id with MTN's canned sandbox profile, and a few named extras.

use serde_json::{json, Value};

use crate::rng::SeededRng;

/// The only currency of the sandbox target environment.
pub(crate) const CURRENCY: &str = "EUR";
/// The only target environment.
pub(crate) const TARGET_ENVIRONMENT: &str = "sandbox";
/// The seeded API user's `providerCallbackHost` (real MoMo wants a hostname; tests' receivers
/// listen on 127.0.0.1).
pub(crate) const CALLBACK_HOST: &str = "127.0.0.1";
/// Starting `availableBalance` in cents: collection, disbursement, remittance.
pub(crate) const BALANCES: [i64; 3] = [250_000, 500_000, 300_000];

/// The MSISDN whose payments succeed (no magic number in any table).
pub(crate) const SUCCESS_MSISDN: &str = "46733123456";
/// Fails in both tables.
pub(crate) const FAILURE_MSISDN: &str = "46733123450";
/// Stays pending in the documented table.
pub(crate) const PENDING_MSISDN: &str = "46733123454";
/// Stays pending in the measured table.
pub(crate) const MEASURED_PENDING_MSISDN: &str = "46733123453";

/// What a client needs.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) api_user: String,
    pub(crate) api_key: String,
    /// Subscription keys: collection, disbursement, remittance.
    pub(crate) keys: [String; 3],
}

/// A UUID v4 from the seeded generator (the same seed gives the same ids).
pub(crate) fn uuid(rng: &mut SeededRng) -> String {
    let mut bytes = [0_u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

pub(crate) fn credentials(rng: &mut SeededRng) -> Credentials {
    let api_user = uuid(rng);
    let api_key = rng.hex(32);
    let keys = [rng.hex(32), rng.hex(32), rng.hex(32)];
    Credentials {
        api_user,
        api_key,
        keys,
    }
}

/// MTN's canned sandbox `basicuserinfo` (any well-formed id), as recorded in the MTN-Group
/// SDK docs (JavaScript, PHP, Android; 2023), `updated_at` being the time of the request.
fn canned_basic(updated_at: i64) -> Value {
    json!({
        "sub": "0",
        "name": "Sand Box",
        "given_name": "Sand",
        "family_name": "Box",
        "birthdate": "1976-08-13",
        "locale": "sv_SE",
        "gender": "MALE",
        "updated_at": updated_at,
    })
}

/// MTN's canned consent `userinfo` (any well-formed MSISDN), as recorded in MTN's sandbox
/// notebook (MoMoOpenAPI/MoMoOpenAPI_SandBox, 2024), `updated_at` being the time of the
/// request.
fn canned_full(updated_at: i64) -> Value {
    json!({
        "sub": "0",
        "name": "Sand Box",
        "given_name": "Sand",
        "family_name": "Box",
        "birthdate": "1976-08-13",
        "locale": "sv_SE",
        "status": "ACTIVE",
        "gender": "MALE",
        "email": "email@domain.test",
        "email_verified": true,
        "phone_number": "46123456789",
        "phone_number_verified": true,
        "address": {
            "formatted": "Street 17\n123 45 Karlskrona\nBlekinge\nSweden",
            "street_address": "Street 17",
            "postal_code": "123 45",
            "locality": "Karlskrona",
            "region": "Blekinge",
            "country": "Sweden",
        },
        "updated_at": updated_at,
        "credit_score": 123,
        "active": true,
        "country_of_birth": "Sweden",
        "region_of_birth": "Blekinge",
        "city_of_birth": "Karlskrona",
        "occupation": "Manager",
        "employer_name": "Ericsson",
        "identification_type": "PASS",
        "identification_value": "S1234567",
    })
}

/// Whether `id` is well formed for `id_type` (case-insensitive): an MSISDN is 1 to 15
/// digits (ITU-T E.164 without `+`), an e-mail is `local@domain.tld`, a party code is a
/// UUID (the swagger's `IsUuid`).
pub(crate) fn well_formed(id_type: &str, id: &str) -> bool {
    if id_type.eq_ignore_ascii_case("msisdn") {
        (1..=15).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
    } else if id_type.eq_ignore_ascii_case("email") {
        match id.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain
                        .split_once('.')
                        .is_some_and(|(name, tld)| !name.is_empty() && !tld.is_empty())
                    && !id.chars().any(char::is_whitespace)
            }
            None => false,
        }
    } else if id_type.eq_ignore_ascii_case("party_code") {
        uuid::Uuid::try_parse(id).is_ok()
    } else {
        false
    }
}

/// An account holder as the API answers for it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AccountHolder<'a> {
    /// A seeded holder with a profile of its own.
    Named(&'a Holder),
    /// Any other well-formed id: MTN's canned profile, active.
    Canned,
}

impl AccountHolder<'_> {
    pub(crate) fn active(&self) -> bool {
        match self {
            AccountHolder::Named(holder) => holder.active,
            AccountHolder::Canned => true,
        }
    }

    /// The `basicuserinfo` body asked at `now` (seconds).
    pub(crate) fn basic(&self, now: i64) -> Value {
        match self {
            AccountHolder::Named(holder) => holder.basic(),
            AccountHolder::Canned => canned_basic(now),
        }
    }

    /// The consent `userinfo` body asked at `now` (seconds): a named holder's own KYC
    /// (`updated_at` the start of the day), else MTN's canned one.
    pub(crate) fn full(&self, now: i64) -> Value {
        match self {
            AccountHolder::Named(holder) => holder.full(now - now.rem_euclid(86_400)),
            AccountHolder::Canned => canned_full(now),
        }
    }
}

/// A seeded account holder with a profile of its own.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    /// `msisdn`, `email` or `party_code` (compared case-insensitively).
    pub(crate) id_type: &'static str,
    pub(crate) id: &'static str,
    pub(crate) given_name: &'static str,
    pub(crate) family_name: &'static str,
    pub(crate) birthdate: &'static str,
    pub(crate) locale: &'static str,
    pub(crate) gender: &'static str,
    pub(crate) active: bool,
    pub(crate) email: &'static str,
    pub(crate) phone: &'static str,
    pub(crate) street: &'static str,
    pub(crate) postal_code: &'static str,
    pub(crate) locality: &'static str,
    pub(crate) region: &'static str,
    pub(crate) country: &'static str,
    pub(crate) occupation: &'static str,
    pub(crate) employer: &'static str,
    pub(crate) id_document: (&'static str, &'static str),
}

impl Holder {
    /// The `basicuserinfo` body.
    pub(crate) fn basic(&self) -> Value {
        json!({
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate,
            "locale": self.locale,
            "gender": self.gender,
            "status": if self.active { "ACTIVE" } else { "INACTIVE" },
        })
    }

    /// The consent `userinfo` body (full KYC).
    pub(crate) fn full(&self, updated_at: i64) -> Value {
        json!({
            "sub": "0",
            "name": format!("{} {}", self.given_name, self.family_name),
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate,
            "locale": self.locale,
            "status": if self.active { "ACTIVE" } else { "INACTIVE" },
            "gender": self.gender,
            "email": self.email,
            "email_verified": true,
            "phone_number": self.phone,
            "phone_number_verified": true,
            "address": {
                "formatted": format!("{}, {} {}, {}", self.street, self.postal_code, self.locality, self.country),
                "street_address": self.street,
                "postal_code": self.postal_code,
                "locality": self.locality,
                "region": self.region,
                "country": self.country,
            },
            "updated_at": updated_at,
            "credit_score": "0",
            "active": self.active,
            "country_of_birth": self.country,
            "region_of_birth": self.region,
            "city_of_birth": self.locality,
            "occupation": self.occupation,
            "employer_name": self.employer,
            "identification_type": self.id_document.0,
            "identification_value": self.id_document.1,
        })
    }
}

#[allow(clippy::too_many_arguments)]
const fn person(
    id_type: &'static str,
    id: &'static str,
    given_name: &'static str,
    family_name: &'static str,
    birthdate: &'static str,
    gender: &'static str,
    email: &'static str,
    phone: &'static str,
    occupation: &'static str,
    id_document: (&'static str, &'static str),
) -> Holder {
    Holder {
        id_type,
        id,
        given_name,
        family_name,
        birthdate,
        locale: "sv_SE",
        gender,
        active: true,
        email,
        phone,
        street: "Drottninggatan 71",
        postal_code: "111 36",
        locality: "Stockholm",
        region: "Stockholm County",
        country: "SE",
        occupation,
        employer: "Sandbox AB",
        id_document,
    }
}

pub(crate) fn holders() -> Vec<Holder> {
    let mut holders = vec![
        person(
            "msisdn",
            SUCCESS_MSISDN,
            "Maja",
            "Sandberg",
            "1988-05-17",
            "FEMALE",
            "maja.sandberg@example.se",
            "+46733123456",
            "Shop owner",
            ("NRIN", "198805170226"),
        ),
        person(
            "email",
            "maja.sandberg@example.se",
            "Maja",
            "Sandberg",
            "1988-05-17",
            "FEMALE",
            "maja.sandberg@example.se",
            "+46733123456",
            "Shop owner",
            ("NRIN", "198805170226"),
        ),
    ];
    holders.push(Holder {
        locale: "en_UG",
        street: "Plot 22 Kampala Road",
        postal_code: "256",
        locality: "Kampala",
        region: "Central",
        country: "UG",
        employer: "Nakato Traders Ltd",
        ..person(
            "msisdn",
            "256772123456",
            "Grace",
            "Nakato",
            "1992-05-20",
            "FEMALE",
            "grace.nakato@example.ug",
            "+256772123456",
            "Trader",
            ("NIN", "CF92052012345A"),
        )
    });
    holders.push(Holder {
        locale: "en_GH",
        street: "14 Oxford Street, Osu",
        postal_code: "GA-029",
        locality: "Accra",
        region: "Greater Accra",
        country: "GH",
        employer: "Mensah Logistics",
        ..person(
            "msisdn",
            "233241234567",
            "Kwame",
            "Mensah",
            "1986-11-02",
            "MALE",
            "kwame.mensah@example.gh",
            "+233241234567",
            "Logistics manager",
            ("GHANA_CARD", "GHA-719203847-5"),
        )
    });
    holders.push(Holder {
        locale: "fr_CM",
        active: false,
        street: "Rue Joss 118",
        postal_code: "BP 4021",
        locality: "Douala",
        region: "Littoral",
        country: "CM",
        employer: "",
        ..person(
            "msisdn",
            "237677123456",
            "Aïcha",
            "Mbarga",
            "1999-01-15",
            "FEMALE",
            "aicha.mbarga@example.cm",
            "+237677123456",
            "Student",
            ("CNI", "110293847"),
        )
    });
    holders.push(Holder {
        locale: "en_UG",
        gender: "",
        street: "Plot 5 Jinja Road",
        postal_code: "256",
        locality: "Kampala",
        region: "Central",
        country: "UG",
        employer: "",
        ..person(
            "party_code",
            "MOMOSHOP01",
            "Momo",
            "Shop",
            "2015-04-01",
            "",
            "payments@momoshop.example.ug",
            "+256312000111",
            "Merchant",
            ("TIN", "1000234567"),
        )
    });
    holders
}
