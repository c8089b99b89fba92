//! Header messages, one module per message type the reader interprets. Attribute messages and the
//! rest are skipped.

pub(crate) mod dataspace;
pub(crate) mod datatype;
pub(crate) mod fill_value;
pub(crate) mod filter_pipeline;
pub(crate) mod layout;
pub(crate) mod link;
pub(crate) mod link_info;
pub(crate) mod symbol_table;

/// Dataspace message.
pub(crate) const DATASPACE: u16 = 0x01;
/// Link info message (new-style groups).
pub(crate) const LINK_INFO: u16 = 0x02;
/// Datatype message.
pub(crate) const DATATYPE: u16 = 0x03;
/// Fill value message, old form.
pub(crate) const FILL_VALUE_OLD: u16 = 0x04;
/// Fill value message.
pub(crate) const FILL_VALUE: u16 = 0x05;
/// Link message.
pub(crate) const LINK: u16 = 0x06;
/// Data layout message.
pub(crate) const LAYOUT: u16 = 0x08;
/// Group info message.
pub(crate) const GROUP_INFO: u16 = 0x0A;
/// Filter pipeline message.
pub(crate) const FILTER_PIPELINE: u16 = 0x0B;
/// Symbol table message (old-style groups).
pub(crate) const SYMBOL_TABLE: u16 = 0x11;
