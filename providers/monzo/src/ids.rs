//! Monzo's own identifiers (accounts, transactions and webhooks use core's ids).

bankkit_core::id_type! {
    /// A pot (`pot_…`).
    PotId
}

bankkit_core::id_type! {
    /// An attachment (`attach_…`).
    AttachmentId
}

bankkit_core::id_type! {
    /// A Monzo user (`user_…`).
    UserId
}

bankkit_core::id_type! {
    /// The caller's own id of a receipt; sending the same id again updates the receipt.
    ReceiptExternalId
}
