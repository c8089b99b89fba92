//! Granule discovery on NASA CMR and Earthdata temporary S3 credentials (work in progress).
