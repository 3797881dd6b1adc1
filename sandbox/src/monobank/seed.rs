//! The seeded client: accounts, jars and about 100 days of statements ending at the clock's
//! start.
//!
//! The default UAH card has about 1 400 items: a quiet history of a few operations a day, and a
//! busy stretch 40 to 50 days before start with over a thousand items in ten days, so that one
//! 31-day window holds more than 500 items and a client must both split windows and page. Item
//! times on one account are distinct and at least a minute apart, so paging by moving `to` to
//! the oldest item's time is unambiguous.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::state::{AccountData, AccountKind, Bank, NewItem};
use crate::rng::SeededRng;

const DAY: i64 = 86_400;

const NAMES: &[&str] = &[
    "Ткаченко Олена",
    "Коваленко Андрій",
    "Шевченко Марія",
    "Бондаренко Іван",
    "Мельник Оксана",
];

/// A kind of card purchase: MCC, merchants, amount range (kopiyky) and cashback percent.
struct Spend {
    mcc: u16,
    merchants: &'static [&'static str],
    min: i64,
    max: i64,
    cashback_percent: i64,
    receipts: bool,
}

const SPENDS: &[Spend] = &[
    Spend {
        mcc: 5411,
        merchants: &["Сільпо", "АТБ", "Novus", "Фора", "METRO"],
        min: 4_500,
        max: 250_000,
        cashback_percent: 1,
        receipts: true,
    },
    Spend {
        mcc: 5814,
        merchants: &[
            "Aroma Kava",
            "Львівські круасани",
            "McDonald's",
            "One Love espresso bar",
        ],
        min: 4_500,
        max: 35_000,
        cashback_percent: 5,
        receipts: false,
    },
    Spend {
        mcc: 5812,
        merchants: &["Пузата Хата", "Musafir", "Ресторан Канапа"],
        min: 20_000,
        max: 180_000,
        cashback_percent: 2,
        receipts: false,
    },
    Spend {
        mcc: 4121,
        merchants: &["Uklon", "Bolt"],
        min: 8_000,
        max: 45_000,
        cashback_percent: 2,
        receipts: false,
    },
    Spend {
        mcc: 4111,
        merchants: &["Київ Цифровий", "Київський метрополітен"],
        min: 800,
        max: 3_000,
        cashback_percent: 0,
        receipts: false,
    },
    Spend {
        mcc: 5912,
        merchants: &["Аптека АНЦ", "Аптека Доброго Дня", "Подорожник"],
        min: 5_000,
        max: 80_000,
        cashback_percent: 5,
        receipts: true,
    },
    Spend {
        mcc: 5541,
        merchants: &["WOG", "OKKO", "SOCAR"],
        min: 80_000,
        max: 250_000,
        cashback_percent: 1,
        receipts: true,
    },
    Spend {
        mcc: 5732,
        merchants: &["Rozetka", "Comfy", "Фокстрот"],
        min: 30_000,
        max: 900_000,
        cashback_percent: 1,
        receipts: true,
    },
    Spend {
        mcc: 4814,
        merchants: &["Київстар", "lifecell", "Vodafone"],
        min: 10_000,
        max: 30_000,
        cashback_percent: 0,
        receipts: false,
    },
];

/// Foreign-currency subscriptions: (MCC, merchant, USD cents range).
const SUBSCRIPTIONS: &[(u16, &str)] = &[
    (4899, "Netflix"),
    (5815, "Spotify"),
    (5817, "YouTube Premium"),
    (5818, "Apple.com/bill"),
];

/// UAH kopiyky per USD cent, times 100 (41.62 UAH/USD).
const USD_RATE_X100: i64 = 4_162;

const FRIENDS: &[&str] = &[
    "Олександр К.",
    "Ірина М.",
    "Дмитро С.",
    "Наталія В.",
    "Сергій Л.",
];

const COMPANIES: &[(&str, &str)] = &[
    ("ТОВ «Альфа Софт»", "43210987"),
    ("ТОВ «Зелена Хвиля»", "41876520"),
    ("ТОВ «Дніпро Дизайн Студія»", "39012345"),
];

/// Generates the seeded bank for `seed`, with history ending at `start`.
pub(crate) fn generate(seed: u64, start: DateTime<Utc>) -> Bank {
    let mut rng = SeededRng::for_stream(seed, "monobank");
    let start = start.timestamp();
    // base64url characters, like a personal token.
    let token = rng.id(44);
    let client_id = rng.id(10);
    let name = rng
        .pick(NAMES)
        .copied()
        .unwrap_or("Ткаченко Олена")
        .to_owned();
    let id_key = rng.next_u64();
    let mut bank = Bank {
        client_id,
        name,
        token,
        web_hook_url: String::new(),
        accounts: Vec::new(),
        last_answered: HashMap::new(),
        currency_answered_at: None,
        id_key,
        next_item: 0,
        // Seeding keeps everything; the sandbox's own limit is set once it is seeded.
        max_added_items: usize::MAX,
    };

    let black_pan = format!("537541******{}", rng.digits(4));
    let black_iban = iban(&mut rng, "322001", "26201");
    add_account(
        &mut bank,
        &mut rng,
        980,
        card("black", "UAH", vec![black_pan], black_iban),
    );
    let white_pan = format!("444111******{}", rng.digits(4));
    let white_iban = iban(&mut rng, "322001", "26202");
    add_account(
        &mut bank,
        &mut rng,
        840,
        card("white", "None", vec![white_pan], white_iban),
    );
    let fop_iban = iban(&mut rng, "322001", "26000");
    add_account(
        &mut bank,
        &mut rng,
        980,
        card("fop", "None", Vec::new(), fop_iban),
    );
    for (title, description, goal) in [
        ("Відпустка", "Море 2027", 3_000_000),
        ("На ноутбук", "", 6_000_000),
        ("Подушка безпеки", "Три місячні витрати", 15_000_000),
    ] {
        let kind = AccountKind::Jar {
            title: title.to_owned(),
            description: description.to_owned(),
            goal,
        };
        add_account(&mut bank, &mut rng, 980, kind);
    }

    black_card_history(&mut bank, &mut rng, 0, start);
    usd_card_history(&mut bank, &mut rng, 1, start);
    fop_history(&mut bank, &mut rng, 2, start);
    for index in 3..bank.accounts.len() {
        jar_history(&mut bank, &mut rng, index, start);
    }
    bank.seal();
    bank
}

fn card(card_type: &str, cashback: &str, masked_pan: Vec<String>, iban: String) -> AccountKind {
    AccountKind::Card {
        card_type: card_type.to_owned(),
        credit_limit: 0,
        cashback_type: cashback.to_owned(),
        masked_pan,
        iban,
    }
}

fn add_account(bank: &mut Bank, rng: &mut SeededRng, currency_code: u16, kind: AccountKind) {
    bank.accounts.push(AccountData {
        id: rng.id(22),
        send_id: rng.id(10),
        currency_code,
        balance: 0,
        kind,
        items: Vec::new(),
        added: VecDeque::new(),
    });
}

/// A Ukrainian IBAN with valid check digits: `UA kk <bank code> <19-digit account>`.
fn iban(rng: &mut SeededRng, bank_code: &str, account_prefix: &str) -> String {
    let account = format!(
        "{:0>19}",
        format!(
            "{account_prefix}{}",
            rng.digits(19 - account_prefix.len().min(19))
        )
    );
    let bban = format!("{bank_code}{account}");
    // Move "UA00" to the end, letters as numbers: U = 30, A = 10.
    let digits = format!("{bban}301000");
    let remainder = digits.bytes().fold(0u32, |acc, digit| {
        (acc * 10 + u32::from(digit.saturating_sub(b'0'))) % 97
    });
    format!("UA{:02}{bban}", 98 - remainder)
}

/// Item times going back from just before `start`: a busy stretch 40–50 days back, a few
/// items a day elsewhere, 100 days in all. Oldest first.
fn black_card_times(rng: &mut SeededRng, start: i64) -> Vec<i64> {
    let busy = (start - 50 * DAY)..(start - 40 * DAY);
    let oldest = start - 100 * DAY;
    let mut times = Vec::new();
    let mut time = start - rng.range(120, 900);
    while time > oldest {
        times.push(time);
        let gap = if busy.contains(&time) {
            rng.range(300, 1_200)
        } else {
            rng.range(2 * 3_600, 14 * 3_600)
        };
        time -= gap;
    }
    times.reverse();
    times
}

fn black_card_history(bank: &mut Bank, rng: &mut SeededRng, index: usize, start: i64) {
    let opening = rng.range(1_500_000, 3_000_000);
    set_opening_balance(bank, index, opening);
    for time in black_card_times(rng, start) {
        let mut new = black_card_item(rng);
        if new.amount < 0 && balance(bank, index) + new.amount < 0 {
            new = NewItem {
                description: "Поповнення картки".to_owned(),
                amount: rng.range(1_000_000, 3_000_000),
                mcc: Some(4829),
                ..NewItem::default()
            };
        }
        if new.amount < 0 && time > start - 3 * DAY && rng.chance(1, 3) {
            new.hold = Some(true);
        }
        bank.push_item(index, time, new);
    }
}

fn black_card_item(rng: &mut SeededRng) -> NewItem {
    let roll = rng.range(0, 100);
    if roll < 3 {
        return NewItem {
            description: "Зарплата: ТОВ «Техносвіт»".to_owned(),
            amount: rng.range(4_500_000, 6_000_000),
            mcc: Some(4829),
            counter_name: Some("ТОВ «Техносвіт»".to_owned()),
            ..NewItem::default()
        };
    }
    if roll < 13 {
        let friend = rng.pick(FRIENDS).copied().unwrap_or("Олександр К.");
        return NewItem {
            description: format!("Від: {friend}"),
            amount: rng.range(20_000, 500_000),
            mcc: Some(4829),
            comment: rng.chance(1, 2).then(|| "Дякую!".to_owned()),
            counter_name: Some(friend.to_owned()),
            ..NewItem::default()
        };
    }
    if roll < 19 {
        let friend = rng.pick(FRIENDS).copied().unwrap_or("Ірина М.");
        return NewItem {
            description: format!("Переказ: {friend}"),
            amount: -rng.range(10_000, 300_000),
            mcc: Some(4829),
            comment: rng.chance(1, 3).then(|| "на каву".to_owned()),
            counter_name: Some(friend.to_owned()),
            ..NewItem::default()
        };
    }
    if roll < 22 {
        let (mcc, merchant) = rng
            .pick(SUBSCRIPTIONS)
            .copied()
            .unwrap_or((4899, "Netflix"));
        let cents = rng.range(499, 1_999);
        return NewItem {
            description: merchant.to_owned(),
            amount: -(cents * USD_RATE_X100 / 100),
            mcc: Some(mcc),
            operation_amount: Some(-cents),
            currency_code: Some(840),
            ..NewItem::default()
        };
    }
    let spend = rng.pick(SPENDS).unwrap_or(&SPENDS[0]);
    let amount = rng.range(spend.min, spend.max);
    NewItem {
        description: rng
            .pick(spend.merchants)
            .copied()
            .unwrap_or("Сільпо")
            .to_owned(),
        amount: -amount,
        mcc: Some(spend.mcc),
        cashback_amount: amount * spend.cashback_percent / 100,
        receipt_id: (spend.receipts && rng.chance(1, 4)).then(|| receipt_id(rng)),
        ..NewItem::default()
    }
}

/// A check.gov.ua receipt number, e.g. `M0KE-XK1A-25K9-6PX6`.
fn receipt_id(rng: &mut SeededRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..4)
        .map(|_| rng.string_from(4, ALPHABET))
        .collect::<Vec<_>>()
        .join("-")
}

fn usd_card_history(bank: &mut Bank, rng: &mut SeededRng, index: usize, start: i64) {
    const MERCHANTS: &[(u16, &str, i64, i64)] = &[
        (5942, "Amazon", 1_500, 12_000),
        (5999, "AliExpress", 300, 6_000),
        (4722, "Booking.com", 8_000, 45_000),
        (5816, "Steam", 500, 6_000),
        (5818, "Google Play", 199, 2_999),
    ];
    set_opening_balance(bank, index, rng.range(100_000, 300_000));
    let mut time = start - 100 * DAY + rng.range(3_600, DAY);
    while time < start - 3_600 {
        let mut new = if rng.chance(1, 5) {
            NewItem {
                description: "Купівля валюти".to_owned(),
                amount: rng.range(10_000, 50_000),
                mcc: Some(4829),
                ..NewItem::default()
            }
        } else {
            let (mcc, merchant, min, max) = rng.pick(MERCHANTS).copied().unwrap_or(MERCHANTS[0]);
            NewItem {
                description: merchant.to_owned(),
                amount: -rng.range(min, max),
                mcc: Some(mcc),
                ..NewItem::default()
            }
        };
        if new.amount < 0 && balance(bank, index) + new.amount < 0 {
            new.amount = -new.amount;
            new.description = "Купівля валюти".to_owned();
            new.mcc = Some(4829);
        }
        bank.push_item(index, time, new);
        time += rng.range(2 * DAY, 4 * DAY);
    }
}

fn fop_history(bank: &mut Bank, rng: &mut SeededRng, index: usize, start: i64) {
    set_opening_balance(bank, index, rng.range(2_000_000, 5_000_000));
    let tax_iban = iban(rng, "899998", "33211");
    let mut invoice = rng.range(100, 200);
    let mut time = start - 100 * DAY + rng.range(3_600, DAY);
    while time < start - 3_600 {
        let roll = rng.range(0, 10);
        let new = if roll < 6 {
            let (company, edrpou) = rng.pick(COMPANIES).copied().unwrap_or(COMPANIES[0]);
            invoice += 1;
            NewItem {
                description: format!("Оплата за послуги згідно з рахунком №{invoice}"),
                amount: rng.range(1_500_000, 8_000_000),
                mcc: Some(4829),
                invoice_id: rng.chance(1, 3).then(|| format!("p2_{}", rng.id(10))),
                counter_edrpou: Some(edrpou.to_owned()),
                counter_iban: Some(iban(rng, "305299", "26007")),
                counter_name: Some(company.to_owned()),
                ..NewItem::default()
            }
        } else if roll < 8 {
            NewItem {
                description: "Сплата єдиного податку".to_owned(),
                amount: -rng.range(150_000, 600_000),
                mcc: Some(4829),
                counter_edrpou: Some("44116011".to_owned()),
                counter_iban: Some(tax_iban.clone()),
                counter_name: Some("ГУ ДПС у м. Києві".to_owned()),
                ..NewItem::default()
            }
        } else {
            NewItem {
                description: "Переказ на власну картку".to_owned(),
                amount: -rng.range(500_000, 2_000_000),
                mcc: Some(4829),
                ..NewItem::default()
            }
        };
        if new.amount >= 0 || balance(bank, index) + new.amount >= 0 {
            bank.push_item(index, time, new);
        }
        time += rng.range(DAY, 4 * DAY);
    }
}

fn jar_history(bank: &mut Bank, rng: &mut SeededRng, index: usize, start: i64) {
    let title = match bank.accounts.get(index).map(|a| &a.kind) {
        Some(AccountKind::Jar { title, .. }) => title.clone(),
        _ => return,
    };
    let count = rng.range(4, 9);
    let mut time = start - 100 * DAY + rng.range(DAY, 5 * DAY);
    for _ in 0..count {
        bank.push_item(
            index,
            time,
            NewItem {
                description: format!("Поповнення «{title}»"),
                amount: rng.range(50_000, 400_000),
                mcc: Some(4829),
                ..NewItem::default()
            },
        );
        time += rng.range(5 * DAY, 12 * DAY);
        if time >= start {
            break;
        }
    }
}

fn balance(bank: &Bank, index: usize) -> i64 {
    bank.accounts.get(index).map_or(0, |a| a.balance)
}

fn set_opening_balance(bank: &mut Bank, index: usize, opening: i64) {
    if let Some(account) = bank.accounts.get_mut(index) {
        account.balance = opening;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_start_time;

    #[test]
    fn the_same_seed_and_start_give_the_same_bank() {
        let a = generate(1, default_start_time());
        let b = generate(1, default_start_time());
        assert_eq!(a.token, b.token);
        assert_eq!(a.accounts[0].items, b.accounts[0].items);
        assert_ne!(generate(2, default_start_time()).token, a.token);
    }

    #[test]
    fn the_token_has_44_characters() {
        assert_eq!(generate(1, default_start_time()).token.len(), 44);
    }

    #[test]
    fn ibans_have_valid_check_digits() {
        let bank = generate(3, default_start_time());
        for account in &bank.accounts {
            if let AccountKind::Card { iban, .. } = &account.kind {
                assert_eq!(iban.len(), 29, "{iban}");
                let rearranged = format!("{}{}", &iban[4..], "3010") + &iban[2..4];
                let remainder = rearranged
                    .bytes()
                    .fold(0u32, |acc, d| (acc * 10 + u32::from(d - b'0')) % 97);
                assert_eq!(remainder, 1, "{iban}");
            }
        }
    }

    #[test]
    fn every_balance_equals_the_last_items_balance_and_times_strictly_increase() {
        let bank = generate(4, default_start_time());
        for account in &bank.accounts {
            let last = account.items.last().unwrap();
            assert_eq!(account.balance, last.balance);
            assert!(account.items.windows(2).all(|w| w[0].time < w[1].time));
            let mut running = account.items[0].balance - account.items[0].amount;
            for item in &account.items {
                running += item.amount;
                assert_eq!(item.balance, running);
            }
        }
    }

    #[test]
    fn the_default_card_needs_both_window_splitting_and_paging() {
        let start = default_start_time().timestamp();
        let bank = generate(5, default_start_time());
        let items = &bank.accounts[0].items;
        assert!(items.len() > 1_300, "{}", items.len());
        assert!(items[0].time < start - 90 * DAY);
        let busiest = items
            .iter()
            .map(|first| {
                items
                    .iter()
                    .filter(|i| i.time >= first.time && i.time <= first.time + 2_682_000)
                    .count()
            })
            .max()
            .unwrap();
        assert!(busiest > 1_000, "{busiest}");
    }
}
