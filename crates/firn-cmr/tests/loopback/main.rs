//! firn-cmr against real HTTP servers on 127.0.0.1: a scripted CMR, an s3credentials endpoint
//! with Earthdata Login's redirects, and moto S3.

mod credentials;
mod earthdata;
mod moto;
mod search;
mod support;
