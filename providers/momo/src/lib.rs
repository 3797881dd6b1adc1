//! MTN MoMo Open API for bankkit (in progress).
