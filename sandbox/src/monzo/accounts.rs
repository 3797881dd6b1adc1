//! Accounts, balance and pots: `GET /accounts`, `GET /balance`, `GET /pots`,
//! `PUT /pots/{id}/deposit`, `PUT /pots/{id}/withdraw`.

use std::sync::Arc;

use serde_json::json;
use wiremock::Request;

use crate::{Reply, Respond};

use super::routes::{
    account_param, authorize, json_response, path_segment, respond_with, MonzoParams,
};
use super::state::{ApiError, PotMove, State};
use crate::request::Params;

/// `GET /accounts[?account_type=uk_retail|uk_retail_joint]`.
#[derive(Debug)]
pub(crate) struct ListAccounts {
    pub(crate) state: Arc<State>,
}

impl Respond for ListAccounts {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let wanted = params.get("account_type").filter(|t| !t.is_empty());
            let accounts: Vec<_> = bank
                .accounts
                .iter()
                .filter(|a| wanted.is_none_or(|t| a.wire.account_type == t))
                .map(|a| &a.wire)
                .collect();
            Ok(json_response(200, &json!({ "accounts": accounts })))
        }))
    }
}

/// `GET /balance?account_id=`: the bare balance object.
#[derive(Debug)]
pub(crate) struct GetBalance {
    pub(crate) state: Arc<State>,
}

impl Respond for GetBalance {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let index = account_param(bank, &params, "account_id")?;
            let balance = bank
                .balance(index, now)
                .ok_or_else(|| ApiError::bad_param("account_id", "no such account"))?;
            Ok(json_response(200, &balance))
        }))
    }
}

/// `GET /pots?current_account_id=`.
#[derive(Debug)]
pub(crate) struct ListPots {
    pub(crate) state: Arc<State>,
}

impl Respond for ListPots {
    fn respond(&self, request: &Request) -> Reply {
        let params = Params::query(request);
        let now = self.state.now();
        respond_with(self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let index = account_param(bank, &params, "current_account_id")?;
            let id = &bank.accounts[index].wire.id;
            let pots: Vec<_> = bank
                .pots
                .iter()
                .filter(|pot| &pot.current_account_id == id)
                .collect();
            Ok(json_response(200, &json!({ "pots": pots })))
        }))
    }
}

/// `PUT /pots/{id}/deposit` and `PUT /pots/{id}/withdraw` (form): answer the updated pot.
#[derive(Debug)]
pub(crate) struct MovePot {
    pub(crate) state: Arc<State>,
    pub(crate) direction: PotMove,
}

impl MovePot {
    fn handle(&self, request: &Request) -> Result<Reply, ApiError> {
        let form = Params::form(request);
        let now = self.state.now();
        let pot_id = path_segment(request, 1);
        let account_name = match self.direction {
            PotMove::Deposit => "source_account_id",
            PotMove::Withdraw => "destination_account_id",
        };
        self.state.with_bank(|bank| {
            authorize(bank, request, now)?;
            let account_id = form.required(account_name)?;
            let amount = form
                .required("amount")?
                .parse::<i64>()
                .map_err(|_| ApiError::bad_param("amount", "must be an integer in minor units"))?;
            let dedupe_id = form.required("dedupe_id")?;
            let pot = bank.move_pot(pot_id, self.direction, account_id, amount, dedupe_id, now)?;
            Ok(json_response(200, &pot))
        })
    }
}

impl Respond for MovePot {
    fn respond(&self, request: &Request) -> Reply {
        respond_with(self.handle(request))
    }
}
