//! The seeded user: three accounts (a closed prepaid one, a current account and a joint one),
//! three pots, merchants and about 150 days of transactions ending an hour before the clock's
//! start, plus one approved authorisation with its tokens.
//!
//! The current account has a few card payments a day, a monthly salary, rent and top-up, and
//! weekly pot transfers: well over 100 transactions in the last 90 days, so a client must page
//! with `since`. Pot balances are the sum of the transfers into them; account balances the sum
//! of their (not declined) transactions. Card payments of the last two days are not settled
//! yet (`settled: ""`), and one recent payment was declined.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde_json::json;

use super::history::Transactions;
use super::state::{
    AccountData, ApprovalMode, Bank, Consent, Grant, NewTransaction, OAuthClient, User,
    SEEDED_GRANT,
};
use super::wire::{self, Address, LocaleUk, Merchant, Owner, PaymentDetails, Pot};
use crate::bounded::BoundedMap;
use crate::limits::StateLimits;
use crate::rng::SeededRng;
use crate::time::{after, rfc3339};

const DAY: i64 = 86_400;
/// Days of history on the current account.
const HISTORY_DAYS: i64 = 150;

const NAMES: &[(&str, &str)] = &[
    ("Amelia Clarke", "Amelia"),
    ("Oliver Bennett", "Oliver"),
    ("Priya Sharma", "Priya"),
    ("James O'Connor", "James"),
    ("Sophie Turner", "Sophie"),
];

const PARTNERS: &[(&str, &str)] = &[
    ("Daniel Hughes", "Daniel"),
    ("Grace Patel", "Grace"),
    ("Thomas Wright", "Thomas"),
];

/// A merchant: name, category, emoji, logo host, street, city, postcode, region, latitude,
/// longitude, online, amount range (pence).
struct Shop {
    name: &'static str,
    category: &'static str,
    emoji: &'static str,
    logo: &'static str,
    street: &'static str,
    city: &'static str,
    postcode: &'static str,
    region: &'static str,
    latitude: f64,
    longitude: f64,
    online: bool,
    min: i64,
    max: i64,
}

const SHOPS: &[Shop] = &[
    Shop {
        name: "Pret A Manger",
        category: "eating_out",
        emoji: "🥪",
        logo: "pret.co.uk",
        street: "1 Hudson's Place",
        city: "London",
        postcode: "SW1V 1JT",
        region: "Greater London",
        latitude: 51.4952,
        longitude: -0.1441,
        online: false,
        min: 350,
        max: 1_200,
    },
    Shop {
        name: "Tesco",
        category: "groceries",
        emoji: "🍏",
        logo: "tesco.com",
        street: "22 Goodge Street",
        city: "London",
        postcode: "W1T 2QF",
        region: "Greater London",
        latitude: 51.5190,
        longitude: -0.1357,
        online: false,
        min: 800,
        max: 6_500,
    },
    Shop {
        name: "Sainsbury's",
        category: "groceries",
        emoji: "🛒",
        logo: "sainsburys.co.uk",
        street: "129 Kingsway",
        city: "London",
        postcode: "WC2B 6NH",
        region: "Greater London",
        latitude: 51.5165,
        longitude: -0.1196,
        online: false,
        min: 900,
        max: 7_000,
    },
    Shop {
        name: "Transport for London",
        category: "transport",
        emoji: "🚇",
        logo: "tfl.gov.uk",
        street: "5 Endeavour Square",
        city: "London",
        postcode: "E20 1JN",
        region: "Greater London",
        latitude: 51.5432,
        longitude: -0.0089,
        online: true,
        min: 170,
        max: 820,
    },
    Shop {
        name: "Uber",
        category: "transport",
        emoji: "🚕",
        logo: "uber.com",
        street: "1 St Katharine's Way",
        city: "London",
        postcode: "E1W 1UN",
        region: "Greater London",
        latitude: 51.5066,
        longitude: -0.0719,
        online: true,
        min: 700,
        max: 2_800,
    },
    Shop {
        name: "Amazon",
        category: "shopping",
        emoji: "📦",
        logo: "amazon.co.uk",
        street: "1 Principal Place",
        city: "London",
        postcode: "EC2A 2FA",
        region: "Greater London",
        latitude: 51.5226,
        longitude: -0.0793,
        online: true,
        min: 799,
        max: 4_999,
    },
    Shop {
        name: "Costa Coffee",
        category: "eating_out",
        emoji: "☕",
        logo: "costa.co.uk",
        street: "9 Bridge Street",
        city: "Manchester",
        postcode: "M3 3BT",
        region: "Greater Manchester",
        latitude: 53.4811,
        longitude: -2.2500,
        online: false,
        min: 280,
        max: 650,
    },
    Shop {
        name: "Boots",
        category: "shopping",
        emoji: "💊",
        logo: "boots.com",
        street: "44 Strand",
        city: "London",
        postcode: "WC2N 5HR",
        region: "Greater London",
        latitude: 51.5089,
        longitude: -0.1246,
        online: false,
        min: 300,
        max: 2_500,
    },
    Shop {
        name: "Deliveroo",
        category: "eating_out",
        emoji: "🍔",
        logo: "deliveroo.co.uk",
        street: "1 Cathedral Piazza",
        city: "London",
        postcode: "SW1E 5BP",
        region: "Greater London",
        latitude: 51.4979,
        longitude: -0.1391,
        online: true,
        min: 1_500,
        max: 3_500,
    },
    Shop {
        name: "Greggs",
        category: "eating_out",
        emoji: "🥐",
        logo: "greggs.co.uk",
        street: "14 Northumberland Street",
        city: "Newcastle upon Tyne",
        postcode: "NE1 7DE",
        region: "Tyne and Wear",
        latitude: 54.9756,
        longitude: -1.6131,
        online: false,
        min: 150,
        max: 600,
    },
    Shop {
        name: "Waitrose",
        category: "groceries",
        emoji: "🥕",
        logo: "waitrose.com",
        street: "98 Marylebone High Street",
        city: "London",
        postcode: "W1U 4SD",
        region: "Greater London",
        latitude: 51.5203,
        longitude: -0.1516,
        online: false,
        min: 1_200,
        max: 7_500,
    },
    Shop {
        name: "Trainline",
        category: "transport",
        emoji: "🚆",
        logo: "thetrainline.com",
        street: "120 Holborn",
        city: "London",
        postcode: "EC1N 2TD",
        region: "Greater London",
        latitude: 51.5181,
        longitude: -0.1090,
        online: true,
        min: 1_500,
        max: 9_000,
    },
    Shop {
        name: "Spotify",
        category: "entertainment",
        emoji: "🎧",
        logo: "spotify.com",
        street: "4 Pancras Square",
        city: "London",
        postcode: "N1C 4AG",
        region: "Greater London",
        latitude: 51.5338,
        longitude: -0.1257,
        online: true,
        min: 1_199,
        max: 1_200,
    },
];

/// Generates the seeded bank for `seed`, with history ending an hour before `start`.
pub(crate) fn generate(seed: u64, start: DateTime<Utc>) -> Bank {
    let mut rng = SeededRng::for_stream(seed, "monzo");
    let (name, first_name) = rng.pick(NAMES).copied().unwrap_or(NAMES[0]);
    let (partner_name, partner_first) = rng.pick(PARTNERS).copied().unwrap_or(PARTNERS[0]);
    let user = User {
        id: format!("user_0000{}", rng.alnum(18)),
        name: name.to_owned(),
    };
    let partner_id = format!("user_0000{}", rng.alnum(18));
    let client = OAuthClient {
        id: format!("oauth2client_0000{}", rng.alnum(18)),
        secret: format!("mnzconf_{}", rng.alnum(86)),
        redirect_uri: "http://127.0.0.1:8765/callback".to_owned(),
    };
    let mut bank = Bank {
        client,
        user,
        accounts: Vec::new(),
        pots: Vec::new(),
        transactions: Transactions::default(),
        merchants: Vec::new(),
        added_merchants: BoundedMap::default(),
        added_merchant_names: HashMap::new(),
        grants: HashMap::new(),
        next_grant: SEEDED_GRANT + 1,
        access_tokens: BoundedMap::default(),
        refresh_tokens: BoundedMap::default(),
        live_access: None,
        live_refresh: None,
        codes: BoundedMap::default(),
        approval: ApprovalMode::Automatic,
        consent: Consent::Allow,
        seeded_access_token: String::new(),
        seeded_refresh_token: String::new(),
        webhooks: Vec::new(),
        receipts: BoundedMap::default(),
        uploads: BoundedMap::default(),
        upload_bytes: 0,
        attachments: BoundedMap::default(),
        pot_moves: BoundedMap::default(),
        feed_items: 0,
        // Seeding keeps everything; the sandbox's own limits are set once it is seeded.
        limits: StateLimits::default().max_added_transactions(usize::MAX),
        id_key: rng.next_u64(),
        next_id: 0,
    };
    let owner = Owner {
        user_id: bank.user.id.clone(),
        preferred_name: name.to_owned(),
        preferred_first_name: first_name.to_owned(),
    };
    let partner = Owner {
        user_id: partner_id,
        preferred_name: partner_name.to_owned(),
        preferred_first_name: partner_first.to_owned(),
    };

    // Accounts, oldest first: a prepaid card closed years ago, the current account, a joint one.
    let prepaid = account(
        &mut bank,
        &mut rng,
        "uk_prepaid",
        format!("{name}'s Account"),
        start - TimeDelta::days(2_400),
        vec![owner.clone()],
        false,
    );
    bank.accounts.push(AccountData {
        wire: wire::Account {
            closed: true,
            ..prepaid
        },
        balance: 0,
    });
    let user_id = bank.user.id.clone();
    let current = account(
        &mut bank,
        &mut rng,
        "uk_retail",
        user_id,
        start - TimeDelta::days(1_900),
        vec![owner.clone()],
        true,
    );
    bank.accounts.push(AccountData {
        wire: current,
        balance: 0,
    });
    let joint_description = bank.new_id("joint");
    let joint = account(
        &mut bank,
        &mut rng,
        "uk_retail_joint",
        joint_description,
        start - TimeDelta::days(640),
        vec![owner, partner],
        true,
    );
    bank.accounts.push(AccountData {
        wire: joint,
        balance: 0,
    });
    let main = 1;
    let joint = 2;

    for shop in SHOPS {
        let merchant = merchant(&mut bank, shop, start);
        bank.merchants.push(merchant);
    }

    let main_id = bank.accounts[main].wire.id.clone();
    let pots = [
        (
            "Holiday",
            "beach_ball",
            Some(150_000),
            "flexible_savings",
            false,
        ),
        ("Rainy day", "raspberry", None, "default", false),
        ("House deposit", "yellow", Some(2_500_000), "default", true),
    ];
    for (pot_name, style, goal, pot_type, locked) in pots {
        let id = bank.new_id("pot");
        let created = start - TimeDelta::days(HISTORY_DAYS + 30);
        bank.pots.push(Pot {
            id,
            name: pot_name.to_owned(),
            style: style.to_owned(),
            balance: 0,
            currency: "GBP".to_owned(),
            goal_amount: goal,
            pot_type: pot_type.to_owned(),
            product_id: if pot_type == "flexible_savings" {
                "XXX_flexible_savings".to_owned()
            } else {
                "default".to_owned()
            },
            current_account_id: main_id.clone(),
            cover_image_url: format!(
                "https://images.monzo.com/pots/{}.png",
                style.replace('_', "-")
            ),
            isa_wrapper: String::new(),
            round_up: pot_name == "Rainy day",
            round_up_multiplier: if pot_name == "Rainy day" {
                Some(1)
            } else {
                None
            },
            is_tax_pot: false,
            created: rfc3339(created),
            updated: rfc3339(created),
            deleted: false,
            locked,
            locked_until: locked.then(|| rfc3339(start + TimeDelta::days(120))),
            charity_id: String::new(),
            available_for_bills: pot_type == "default" && !locked,
            has_virtual_cards: false,
        });
    }

    history_of_current_account(&mut bank, &mut rng, main, start);
    history_of_joint_account(&mut bank, &mut rng, joint, start);

    // The seeded authorisation, approved; stamped again at the clock's now on start and reset.
    bank.grants.insert(
        SEEDED_GRANT,
        Grant {
            approved_at: Some(start),
            tokens: 0,
        },
    );
    let tokens = bank.issue_tokens(SEEDED_GRANT, start);
    bank.seeded_access_token = tokens.access_token;
    bank.seeded_refresh_token = tokens.refresh_token;
    bank.pin_seeded();
    bank
}

fn account(
    bank: &mut Bank,
    rng: &mut SeededRng,
    account_type: &str,
    description: String,
    created: DateTime<Utc>,
    owners: Vec<Owner>,
    with_numbers: bool,
) -> wire::Account {
    let id = bank.new_id("acc");
    let numbers = with_numbers.then(|| LocaleUk {
        account_number: rng.digits(8),
        sort_code: "040004".to_owned(),
    });
    wire::Account {
        id,
        closed: false,
        created: rfc3339(created),
        description,
        account_type: account_type.to_owned(),
        owner_type: if owners.len() > 1 {
            "joint"
        } else {
            "personal"
        }
        .to_owned(),
        is_flex: false,
        product_type: "standard".to_owned(),
        currency: "GBP".to_owned(),
        legal_entity: "monzo_uk".to_owned(),
        country_code: "GB".to_owned(),
        country_code_alpha3: "GBR".to_owned(),
        owners,
        account_number: numbers.as_ref().map(|n| n.account_number.clone()),
        sort_code: numbers.as_ref().map(|n| n.sort_code.clone()),
        payment_details: numbers.map(|locale_uk| PaymentDetails { locale_uk }),
    }
}

fn merchant(bank: &mut Bank, shop: &Shop, start: DateTime<Utc>) -> Merchant {
    let id = bank.new_id("merch");
    let group_id = bank.new_id("grp");
    let created = rfc3339(start - TimeDelta::days(2_000));
    let formatted = format!("{}, {} {}", shop.street, shop.city, shop.postcode);
    Merchant {
        id,
        group_id,
        name: shop.name.to_owned(),
        logo: format!(
            "https://mondo-logo-cache.appspot.com/twitter/{}/?size=large",
            shop.logo
        ),
        emoji: shop.emoji.to_owned(),
        category: shop.category.to_owned(),
        online: shop.online,
        atm: false,
        address: Address {
            short_formatted: formatted.clone(),
            formatted,
            address: shop.street.to_owned(),
            city: shop.city.to_owned(),
            region: shop.region.to_owned(),
            country: "GBR".to_owned(),
            postcode: shop.postcode.to_owned(),
            latitude: shop.latitude,
            longitude: shop.longitude,
            zoom_level: 17,
            approximate: false,
        },
        created: created.clone(),
        updated: created,
        metadata: BTreeMap::from([
            ("website".to_owned(), format!("https://www.{}", shop.logo)),
            ("created_for_merchant".to_owned(), String::new()),
        ]),
        disable_feedback: false,
    }
}

/// A card payment at merchant `shop` (index into the seeded merchants).
pub(crate) fn card_payment(
    bank: &Bank,
    account: usize,
    created: DateTime<Utc>,
    amount: i64,
    merchant: usize,
    settled: Option<DateTime<Utc>>,
) -> NewTransaction {
    card_payment_at(
        account,
        created,
        amount,
        bank.merchants.get(merchant),
        settled,
    )
}

/// A card payment at `merchant` (none: a plain "Card payment").
pub(crate) fn card_payment_at(
    account: usize,
    created: DateTime<Utc>,
    amount: i64,
    merchant: Option<&Merchant>,
    settled: Option<DateTime<Utc>>,
) -> NewTransaction {
    let (name, category, id) = merchant.map_or_else(
        || ("Card payment".to_owned(), "general".to_owned(), None),
        |m| (m.name.clone(), m.category.clone(), Some(m.id.clone())),
    );
    let mut new = NewTransaction::new(account, created, amount, description_for(&name));
    new.category = category;
    new.merchant = id;
    new.settled = settled;
    new
}

/// Card statement text: upper case, padded like a terminal's.
pub(crate) fn description_for(name: &str) -> String {
    format!("{:<22}LONDON        GBR", name.to_uppercase())
}

/// A Faster Payment from or to someone else.
pub(crate) fn bank_transfer(
    account: usize,
    created: DateTime<Utc>,
    amount: i64,
    counterparty_name: &str,
    reference: &str,
    rng: &mut SeededRng,
) -> NewTransaction {
    let mut new = NewTransaction::new(account, created, amount, reference);
    new.category = if amount > 0 { "income" } else { "bills" }.to_owned();
    new.scheme = "payport_faster_payments".to_owned();
    new.include_in_spending = amount < 0;
    new.counterparty = json!({
        "account_number": rng.digits(8),
        "name": counterparty_name,
        "sort_code": format!("{}{}", rng.digits(2), rng.digits(4)),
        "user_id": format!("anonuser_{}", rng.hex(22)),
    });
    new.metadata
        .insert("faster_payment".to_owned(), "true".to_owned());
    new.metadata
        .insert("notes".to_owned(), reference.to_owned());
    new
}

/// Distinct, increasing times within the day starting at `day`.
fn times_in_day(rng: &mut SeededRng, day: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
    let mut seconds: Vec<i64> = (0..count)
        .map(|_| rng.range(7 * 3_600, 22 * 3_600))
        .collect();
    seconds.sort_unstable();
    seconds.dedup();
    seconds
        .into_iter()
        .map(|s| day + TimeDelta::seconds(s) + TimeDelta::milliseconds(rng.range(0, 1_000)))
        .collect()
}

fn history_of_current_account(
    bank: &mut Bank,
    rng: &mut SeededRng,
    main: usize,
    start: DateTime<Utc>,
) {
    let end = start - TimeDelta::hours(1);
    let first_day = day_floor(start - TimeDelta::days(HISTORY_DAYS));
    let opening = bank_transfer(
        main,
        first_day + TimeDelta::hours(8),
        180_000,
        bank.user.name.clone().as_str(),
        "Moving money over",
        rng,
    );
    let opening_id = bank
        .push_transaction(opening)
        .map(|t| t.id)
        .unwrap_or_default();
    let pot_ids: Vec<String> = bank.pots.iter().map(|pot| pot.id.clone()).collect();
    let mut declined = false;
    for day_index in 0..=HISTORY_DAYS {
        let day = first_day + TimeDelta::days(day_index);
        let mut events: Vec<NewTransaction> = Vec::new();
        let purchases = usize::try_from(rng.range(2, 5)).unwrap_or(2);
        let times = times_in_day(rng, day, purchases + 2);
        for (n, time) in times.iter().enumerate() {
            if n == 0 && day.day() == 25 {
                events.push(bank_transfer(
                    main,
                    *time,
                    285_000,
                    "ACME ANALYTICS LTD",
                    "SALARY",
                    rng,
                ));
                continue;
            }
            if n == 0 && day.day() == 1 {
                events.push(bank_transfer(
                    main,
                    *time,
                    -95_000,
                    "Harbour Lettings",
                    "RENT",
                    rng,
                ));
                continue;
            }
            if n == 0 && day.day() == 12 {
                let mut top_up = NewTransaction::new(main, *time, 10_000, "Top up");
                top_up.category = "mondo".to_owned();
                top_up.is_load = true;
                top_up.include_in_spending = false;
                events.push(top_up);
                continue;
            }
            if n == 1 && day.weekday() == chrono::Weekday::Mon {
                // Weekly transfer into a pot (the locked one now and then).
                let which = usize::try_from(rng.range(0, 3)).unwrap_or(0);
                let Some(pot_id) = pot_ids.get(which) else {
                    continue;
                };
                let amount = rng.range(20, 101) * 100;
                let mut transfer = NewTransaction::new(main, *time, -amount, pot_id.clone());
                transfer.category = "savings".to_owned();
                transfer.scheme = "uk_retail_pot".to_owned();
                transfer.include_in_spending = false;
                transfer
                    .metadata
                    .insert("pot_id".to_owned(), pot_id.clone());
                transfer
                    .metadata
                    .insert("trigger".to_owned(), "user".to_owned());
                events.push(transfer);
                continue;
            }
            if n >= purchases {
                continue;
            }
            let merchant = usize::try_from(rng.range(0, SHOPS.len() as i64)).unwrap_or(0);
            let shop = &SHOPS[merchant];
            let amount = -rng.range(shop.min, shop.max + 1);
            let age = end - *time;
            let settled = if age < TimeDelta::days(2) {
                None
            } else {
                Some(*time + TimeDelta::hours(rng.range(20, 50)))
            };
            let mut payment = card_payment(bank, main, *time, amount, merchant, settled);
            if !declined && age < TimeDelta::days(6) && age > TimeDelta::days(3) {
                payment.decline_reason = Some("INSUFFICIENT_FUNDS".to_owned());
                payment.settled = None;
                payment.amount = -48_999;
                payment.description = description_for("Apple Store");
                declined = true;
            }
            events.push(payment);
        }
        for event in events {
            if event.created > end {
                continue;
            }
            let pot = event.metadata.get("pot_id").cloned();
            let amount = event.amount;
            bank.push_transaction(event);
            if let Some(pot) = pot.and_then(|id| bank.pot_index(&id)) {
                bank.pots[pot].balance -= amount;
            }
        }
    }
    keep_in_credit(bank, main, &opening_id);
}

/// The lowest the current account may fall at any point of its seeded history.
const LOWEST_BALANCE: i64 = 25_000;

/// Tops up the opening transfer so that the running balance of account `index` never falls
/// below [`LOWEST_BALANCE`], whatever day of the month the sandbox starts on (salary days and
/// spending otherwise could leave it overdrawn, and clients check funds before pot moves).
fn keep_in_credit(bank: &mut Bank, index: usize, opening_id: &str) {
    let Some(account_id) = bank.accounts.get(index).map(|a| a.wire.id.clone()) else {
        return;
    };
    let mut running = 0_i64;
    let mut lowest = i64::MAX;
    for t in bank
        .transactions
        .iter()
        .filter(|t| t.account_id == account_id && t.decline_reason.is_none())
    {
        running += t.amount;
        lowest = lowest.min(running);
    }
    if lowest >= LOWEST_BALANCE {
        return;
    }
    let top_up = LOWEST_BALANCE - lowest;
    if let Some(opening) = bank.transactions.iter_mut().find(|t| t.id == opening_id) {
        opening.amount += top_up;
        opening.local_amount += top_up;
        if let Some(account) = bank.accounts.get_mut(index) {
            account.balance += top_up;
        }
    }
}

fn history_of_joint_account(
    bank: &mut Bank,
    rng: &mut SeededRng,
    joint: usize,
    start: DateTime<Utc>,
) {
    let end = start - TimeDelta::hours(1);
    let first_day = day_floor(start - TimeDelta::days(HISTORY_DAYS / 2));
    let partner = bank.accounts[joint]
        .wire
        .owners
        .get(1)
        .map(|o| o.preferred_name.clone())
        .unwrap_or_default();
    let mut day_index = 0;
    while day_index <= HISTORY_DAYS / 2 {
        let day = first_day + TimeDelta::days(day_index);
        let times = times_in_day(rng, day, 2);
        if let Some(time) = times.first() {
            let event = if day_index % 30 == 0 {
                bank_transfer(joint, *time, 60_000, &partner, "Household", rng)
            } else {
                let grocers = [1usize, 2, 10];
                let merchant = rng.pick(&grocers).copied().unwrap_or(1);
                let amount = -rng.range(1_500, 9_000);
                let settled =
                    (end - *time >= TimeDelta::days(2)).then(|| *time + TimeDelta::hours(30));
                card_payment(bank, joint, *time, amount, merchant, settled)
            };
            if event.created <= end {
                bank.push_transaction(event);
            }
        }
        day_index += 3;
    }
}

fn day_floor(time: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = time.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(DAY), 0).unwrap_or(time)
}

/// The merchant called `name` (case-insensitive), created on the spot if unknown; its index.
pub(crate) fn merchant_named(bank: &mut Bank, name: &str, now: DateTime<Utc>) -> Merchant {
    if let Some(seeded) = bank
        .merchants
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
    {
        return seeded.clone();
    }
    let key = name.to_ascii_lowercase();
    if let Some(added) = bank
        .added_merchant_names
        .get(&key)
        .and_then(|id| bank.added_merchants.get(id))
    {
        return added.clone();
    }
    let shop = Shop {
        name: "",
        category: "general",
        emoji: "💳",
        logo: "",
        street: "1 Market Street",
        city: "London",
        postcode: "EC1A 1AA",
        region: "Greater London",
        latitude: 51.5154,
        longitude: -0.0985,
        online: false,
        min: 0,
        max: 0,
    };
    // `merchant` dates the merchant 2 000 days before the time it is given: today.
    let mut created = merchant(bank, &shop, after(now, 2_000 * DAY));
    created.name = name.to_owned();
    created.logo = String::new();
    created.metadata.clear();
    bank.add_merchant(key, created.clone());
    created
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_account_stays_in_credit_whatever_day_the_sandbox_starts() {
        let first: DateTime<Utc> = "2026-11-01T12:00:00Z".parse().unwrap();
        for day in 0..62 {
            let start = first + TimeDelta::days(day) + TimeDelta::hours(day % 24);
            let bank = generate(20_261_101, start);
            let main = bank
                .accounts
                .iter()
                .find(|a| a.wire.account_type == "uk_retail")
                .unwrap();
            let mut running = 0;
            for t in bank
                .transactions
                .iter()
                .filter(|t| t.account_id == main.wire.id && t.decline_reason.is_none())
            {
                running += t.amount;
                assert!(
                    running >= LOWEST_BALANCE,
                    "start {start}: fell to {running}"
                );
            }
            assert_eq!(running, main.balance, "start {start}");
            for pot in &bank.pots {
                assert!(
                    pot.balance >= 1_000,
                    "start {start}: pot {} holds {}",
                    pot.id,
                    pot.balance
                );
            }
        }
    }
}
