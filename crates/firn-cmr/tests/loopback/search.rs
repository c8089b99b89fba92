//! CMR granule search against a scripted server on 127.0.0.1 serving granules.json fixtures.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use firn_cmr::{CmrClient, CmrClientBuilder, Error, GranuleQuery, LatLon};
use geo::{Contains, Coord, LineString, Polygon};
use url::Url;

use crate::support::{Reply, Script, fixture};

/// Grand Mesa, the seed notebook's region.
fn grand_mesa() -> Vec<LatLon> {
    [
        (-108.3, 38.9),
        (-107.8, 38.9),
        (-107.8, 39.15),
        (-108.3, 39.15),
        (-108.3, 38.9),
    ]
    .map(|(lon, lat)| LatLon { lat, lon })
    .to_vec()
}

/// A client for `url` that retries quickly.
fn client(url: &Url) -> CmrClientBuilder {
    CmrClient::builder()
        .with_url(url.clone())
        .with_retry_delay(Duration::from_millis(5))
        .with_max_attempts(3)
}

fn feed(page: &str) -> String {
    fixture(&format!("cmr/{page}.json"))
}

#[tokio::test]
async fn three_pages_are_chained_with_search_after() {
    let script = Script::new([
        Reply::ok(feed("page1"))
            .header("CMR-Hits", "5")
            .header("CMR-Search-After", "[\"a\",1]"),
        Reply::ok(feed("page2"))
            .header("CMR-Hits", "5")
            .header("CMR-Search-After", "[\"b\",2]"),
        Reply::ok(feed("page3"))
            .header("CMR-Hits", "5")
            .header("CMR-Search-After", "[\"c\",3]"),
    ]);
    let url = script.serve().await;
    let query = GranuleQuery::new()
        .with_polygon(&grand_mesa())
        .with_t0(Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap())
        .with_t1(Utc.with_ymd_and_hms(2019, 12, 31, 23, 59, 59).unwrap())
        .with_rgt(119);
    let granules = client(&url).build().unwrap().search(&query).await.unwrap();

    let seen = script.seen();
    assert_eq!(seen.len(), 3, "no request after CMR-Hits granules arrived");
    let expected: Vec<(String, String)> = [
        ("provider", "NSIDC_CPRD"),
        ("short_name", "ATL03"),
        ("version", "006"),
        ("page_size", "2000"),
        ("sort_key[]", "start_date"),
        ("sort_key[]", "producer_granule_id"),
        ("temporal[]", "2019-01-01T00:00:00Z,2019-12-31T23:59:59Z"),
        ("options[producer_granule_id][pattern]", "true"),
        ("producer_granule_id[]", "ATL03_??????????????_0119????_*"),
        (
            "polygon",
            "-108.3,38.9,-107.8,38.9,-107.8,39.15,-108.3,39.15,-108.3,38.9",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for request in &seen {
        assert_eq!(request.path, "/search/granules.json");
        assert_eq!(request.query, expected);
    }
    assert_eq!(seen[0].header("cmr-search-after"), None);
    assert_eq!(seen[1].header("cmr-search-after"), Some("[\"a\",1]"));
    assert_eq!(seen[2].header("cmr-search-after"), Some("[\"b\",2]"));

    let names: Vec<&str> = granules.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ATL03_20190105045920_01190202_006_02.h5",
            "ATL03_20190318105153_12330206_006_02.h5",
            "ATL03_20190404101741_01190302_006_02.h5",
            "ATL03_20190617063148_12330306_006_02.h5",
            "ATL03_20190703061746_01190402_006_02.h5",
        ],
        "sorted by start time"
    );
    assert!(
        granules
            .windows(2)
            .all(|w| w[0].time_start <= w[1].time_start)
    );
    let first = &granules[0];
    assert_eq!(
        first.s3_url,
        "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/01/05/ATL03_20190105045920_01190202_006_02.h5"
    );
    assert_eq!(
        first.https_url.as_deref(),
        Some(
            "https://data.nsidc.earthdatacloud.nasa.gov/nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/01/05/ATL03_20190105045920_01190202_006_02.h5"
        )
    );
    assert_eq!(
        first.time_start.to_rfc3339(),
        "2019-01-05T04:59:20.418+00:00"
    );
    assert_eq!(first.time_end.to_rfc3339(), "2019-01-05T05:07:50.127+00:00");
    assert_eq!(
        first.footprint.polygons[0][0][0],
        LatLon {
            lat: 27.0,
            lon: -108.1
        }
    );
    // The last granule has no S3 link: its URL follows NSIDC's layout.
    assert_eq!(
        granules[4].s3_url,
        "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/07/03/ATL03_20190703061746_01190402_006_02.h5"
    );
    // The footprint pre-check: one track passes east of the region.
    let touching: Vec<bool> = granules
        .iter()
        .map(|g| g.footprint.may_intersect(&grand_mesa()))
        .collect();
    assert_eq!(touching, [true, true, true, false, true]);
}

#[tokio::test]
async fn paging_stops_at_an_empty_page_or_a_missing_header() {
    // No CMR-Hits: the client pages on until CMR sends an empty page ...
    let script = Script::new([
        Reply::ok(feed("page1")).header("CMR-Search-After", "s1"),
        Reply::ok(feed("empty")).header("CMR-Search-After", "s2"),
    ]);
    let url = script.serve().await;
    let granules = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap();
    assert_eq!(granules.len(), 2);
    assert_eq!(script.seen().len(), 2);
    // ... or a page without CMR-Search-After.
    let script = Script::new([Reply::ok(feed("page1"))]);
    let url = script.serve().await;
    let granules = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap();
    assert_eq!(granules.len(), 2);
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let script = Script::new([
        Reply::status(500, "{\"errors\": [\"An Internal Error has occurred.\"]}"),
        Reply::status(503, "busy").header("Retry-After", "0"),
        Reply::ok(feed("page3")).header("CMR-Hits", "1"),
    ]);
    let url = script.serve().await;
    let granules = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap();
    assert_eq!(granules.len(), 1);
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let script =
        Script::new((0..5).map(|_| Reply::status(502, "<html><body>Bad Gateway</body></html>")));
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 502, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{url}search/granules.json: HTTP 502: <html><body>Bad Gateway</body></html>")
    );
    assert_eq!(script.seen().len(), 3, "max_attempts 3");
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let script = Script::new([
        Reply::ok(feed("page3")).delayed(Duration::from_secs(3)),
        Reply::ok(feed("page3")).header("CMR-Hits", "1"),
    ]);
    let url = script.serve().await;
    let client = client(&url)
        .with_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let granules = client.search(&GranuleQuery::new()).await.unwrap();
    assert_eq!(granules.len(), 1);
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn an_unreachable_server_fails_after_the_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    match &err {
        Error::Transport {
            attempts, message, ..
        } => {
            assert_eq!(*attempts, 3);
            assert!(message.starts_with("cannot connect"), "{message}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{url}search/granules.json: cannot connect")),
        "{err}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_clear_error_and_not_retried() {
    let truncated = feed("page1")[..200].to_owned();
    let script = Script::new([Reply::ok(truncated)]);
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MalformedResponse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{url}search/granules.json: malformed response: page 1: not a CMR granules.json feed: EOF while parsing an object at line 8 column 25"
        )
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn zero_hits_is_an_empty_list() {
    let script = Script::new([Reply::ok(feed("empty")).header("CMR-Hits", "0")]);
    let url = script.serve().await;
    let granules = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new().with_cycle(3))
        .await
        .unwrap();
    assert!(granules.is_empty());
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn too_many_hits_fail_before_paging_on() {
    let script = Script::new([Reply::ok(feed("page1"))
        .header("CMR-Hits", "301")
        .header("CMR-Search-After", "s1")]);
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooManyGranules {
                hits: 301,
                max: 300,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{url}search/granules.json: more granules than allowed (301 > 300): narrow the query or raise max_resources"
        )
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn too_many_granules_without_a_hits_header() {
    let script = Script::new([
        Reply::ok(feed("page1")).header("CMR-Search-After", "s1"),
        Reply::ok(feed("page2")).header("CMR-Search-After", "s2"),
    ]);
    let url = script.serve().await;
    let err = client(&url)
        .with_max_resources(3)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("more granules than allowed (4 > 3)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_search_after_that_does_not_change_is_an_error() {
    let script = Script::new([
        Reply::ok(feed("page1")).header("CMR-Search-After", "same"),
        Reply::ok(feed("page2")).header("CMR-Search-After", "same"),
    ]);
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("page 2: CMR-Search-After did not change"),
        "{err}"
    );
}

/// The polygon a request sent, as vertices.
fn sent_polygon(seen: &crate::support::Seen) -> Vec<LatLon> {
    let numbers: Vec<f64> = seen
        .param("polygon")
        .expect("a polygon")
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    numbers
        .chunks_exact(2)
        .map(|p| LatLon {
            lon: p[0],
            lat: p[1],
        })
        .collect()
}

fn contains_all(ring: &[LatLon], points: &[LatLon]) -> bool {
    let polygon = Polygon::new(
        LineString::from(
            ring.iter()
                .map(|p| Coord { x: p.lon, y: p.lat })
                .collect::<Vec<_>>(),
        ),
        vec![],
    );
    points
        .iter()
        .all(|p| polygon.contains(&Coord { x: p.lon, y: p.lat }))
}

/// A non-convex region with many vertices around Grand Mesa.
fn jagged_region(vertices: usize) -> Vec<LatLon> {
    (0..vertices)
        .map(|i| {
            let angle = i as f64 * std::f64::consts::TAU / vertices as f64;
            let r = if i % 2 == 0 { 0.2 } else { 0.12 };
            LatLon {
                lat: 39.0 + r * angle.sin(),
                lon: -108.0 + r * angle.cos(),
            }
        })
        .collect()
}

#[tokio::test]
async fn a_rejected_polygon_is_retried_simplified() {
    let rejection = r#"{"errors": ["The polygon boundary intersected itself at the following points: [lon=-108.1 lat=39.0]"]}"#;
    let script = Script::new([
        Reply::status(400, rejection),
        Reply::ok(feed("page3")).header("CMR-Hits", "1"),
    ]);
    let url = script.serve().await;
    let region = jagged_region(120);
    let granules = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new().with_polygon(&region))
        .await
        .unwrap();
    assert_eq!(granules.len(), 1);
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    let (given, simplified) = (sent_polygon(&seen[0]), sent_polygon(&seen[1]));
    assert_eq!(given.len(), 121, "the polygon as given first, closed");
    assert!(
        simplified.len() < given.len(),
        "{} vertices",
        simplified.len()
    );
    assert_eq!(simplified.first(), simplified.last());
    assert!(
        contains_all(&simplified, &region),
        "the simplified polygon contains the region"
    );
    // Everything but the polygon is unchanged.
    let without = |s: &crate::support::Seen| {
        s.query
            .iter()
            .filter(|(k, _)| k != "polygon")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(without(&seen[0]), without(&seen[1]));
}

#[tokio::test]
async fn a_polygon_rejected_at_every_simplification_is_an_error() {
    let rejection = r#"{"errors": ["Spatial validation error: the shape is invalid"]}"#;
    let script = Script::new((0..10).map(|_| Reply::status(400, rejection)));
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new().with_polygon(&jagged_region(120)))
        .await
        .unwrap_err();
    let tried = script.seen().len();
    assert!((3..=6).contains(&tried), "{tried} polygons tried");
    match &err {
        Error::PolygonRejected {
            status: 400,
            tolerance,
            vertices,
            ..
        } => {
            assert_eq!(*tolerance, 1.0);
            assert_eq!(*vertices + 1, sent_polygon(&script.seen()[tried - 1]).len());
        }
        other => panic!("expected PolygonRejected, got {other:?}"),
    }
    assert!(
        err.to_string()
            .ends_with("HTTP 400: Spatial validation error: the shape is invalid"),
        "{err}"
    );
}

#[tokio::test]
async fn other_bad_requests_are_not_polygon_rejections() {
    let script = Script::new([Reply::status(
        400,
        r#"{"errors": ["Parameter [foo] was not recognized."]}"#,
    )]);
    let url = script.serve().await;
    let err = client(&url)
        .build()
        .unwrap()
        .search(&GranuleQuery::new().with_polygon(&grand_mesa()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 400, .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("HTTP 400: Parameter [foo] was not recognized.")
    );
    assert_eq!(script.seen().len(), 1, "neither retried nor simplified");
}

#[tokio::test]
async fn a_polygon_with_too_many_vertices_is_simplified_before_sending() {
    let script = Script::new([Reply::ok(feed("empty")).header("CMR-Hits", "0")]);
    let url = script.serve().await;
    let region = jagged_region(400);
    let client = client(&url).with_max_polygon_vertices(40).build().unwrap();
    client
        .search(&GranuleQuery::new().with_polygon(&region))
        .await
        .unwrap();
    let sent = sent_polygon(&script.seen()[0]);
    assert!(sent.len() <= 41, "{} vertices", sent.len());
    assert!(contains_all(&sent, &region));
}

#[tokio::test]
async fn a_bad_query_sends_nothing() {
    let script = Script::new([]);
    let url = script.serve().await;
    let client = client(&url).build().unwrap();
    let err = client
        .search(&GranuleQuery::new().with_rgt(0))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "rgt: 0 is outside 1..=1387");
    let open = [(0.0, 0.0), (1.0, 0.0)].map(|(lon, lat)| LatLon { lat, lon });
    let err = client
        .search(&GranuleQuery::new().with_polygon(&open))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "polygon: 2 distinct vertices; at least 3 are needed"
    );
    assert!(script.seen().is_empty());
}

#[test]
fn blocking_search_runs_its_own_runtime_and_refuses_inside_one() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let script = Script::new([Reply::ok(feed("page3")).header("CMR-Hits", "1")]);
    let url = runtime.block_on(script.serve());
    let client = client(&url).build().unwrap();
    let granules = client.search_blocking(&GranuleQuery::new()).unwrap();
    assert_eq!(granules.len(), 1);
    let err = runtime
        .block_on(async { client.search_blocking(&GranuleQuery::new()) })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "CmrClient::search_blocking called inside an async runtime: use the async method instead"
    );
    assert_eq!(script.left(), 0);
}
